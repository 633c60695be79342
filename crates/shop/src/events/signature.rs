//! Standard Webhooks: message ids, secrets, and the `webhook-signature` header.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand_core::RngCore;
use sha2::Sha256;

const SECRET_PREFIX: &str = "whsec_";

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand_core::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A new event id: `msg_` and 32 hex digits. Receivers deduplicate by it.
pub fn new_message_id() -> String {
    format!("msg_{}", new_token())
}

/// 32 random hex digits that name one claim of deliveries by one worker.
pub fn new_token() -> String {
    random_bytes::<16>().iter().map(|b| format!("{b:02x}")).collect()
}

/// A new endpoint secret: `whsec_` and the base64 of 24 random bytes (the signing key).
pub fn new_secret() -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(random_bytes::<24>()))
}

/// The signing key of a secret: the base64 after `whsec_` decoded, as Standard Webhooks'
/// libraries read it (so their `verify` accepts our signatures); any other text signs with
/// its own bytes.
fn key_of(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix(SECRET_PREFIX)
        .and_then(|encoded| STANDARD.decode(encoded).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key_of(secret)) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference libraries.
    #[test]
    fn signs_like_the_reference_libraries() {
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn ids_and_secrets_have_their_prefixes_and_differ() {
        let (a, b) = (new_message_id(), new_message_id());
        assert!(a.starts_with("msg_") && a.len() == 36 && a != b);
        let secret = new_secret();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(key_of(&secret).len(), 24);
    }
}
