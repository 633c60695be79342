# Multi-stage build: compile in the Rust image, run as a non-root user in a slim image.
# The binary embeds its docs assets and migrations, so the runtime image needs nothing else.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p shop && strip target/release/shop

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/shop --create-home shop
COPY --from=build /src/target/release/shop /usr/local/bin/shop
USER shop
WORKDIR /var/lib/shop
ENV HOST=0.0.0.0 PORT=8000 LOG_FORMAT=json
EXPOSE 8000
# Each connection is a file descriptor. shop raises its soft limit to the hard one at start;
# run with `--ulimit nofile=65536:65536` when the runtime's hard limit is below MAX_CONNECTIONS.
HEALTHCHECK --interval=10s --timeout=3s CMD ["shop", "healthcheck"]
ENTRYPOINT ["shop"]
CMD ["serve"]
