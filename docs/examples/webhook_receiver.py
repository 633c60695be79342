"""A webhook receiver for the shop that verifies each delivery (Python standard library only).

    WEBHOOK_SECRET=whsec_... python3 webhook_receiver.py 8001

Answers 204 to a delivery whose signature is valid and recent, once per `webhook-id`
(deliveries are at least once: a retry after a lost answer repeats the id), and 400 to
anything else. Prints one line per event it accepts.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, headers, body: bytes) -> dict:
    """The event, if `body` was signed with `secret` in the last five minutes; else ValueError."""
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        raise ValueError("timestamp too old or too new")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # The header may list several signatures (during a secret rotation), space-separated.
    for candidate in headers["webhook-signature"].split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return json.loads(body)
    raise ValueError("no valid signature")


SEEN = set()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            event = verify(os.environ["WEBHOOK_SECRET"], self.headers, body)
        except (KeyError, ValueError, TypeError) as err:
            self.send_response(400)
            self.end_headers()
            print(f"rejected: {err}", flush=True)
            return
        msg_id = self.headers["webhook-id"]
        if msg_id not in SEEN:
            SEEN.add(msg_id)
            print(f"{msg_id} {event['type']} {json.dumps(event['data'], sort_keys=True)}", flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8001
    server = ThreadingHTTPServer(("127.0.0.1", port), Receiver)
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()
