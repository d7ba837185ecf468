//! The auth server's tokens: RS256 JWTs `{"userid", "permissions": {"max_dataset_num"},
//! "service": "source"}`. Only RS256 is accepted — a token naming `none`, an HMAC or any other
//! algorithm is refused before its signature is looked at, so the public key can never be used
//! as an HMAC secret.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use serde_json::Value;
use sha2::Sha256;

/// What a verified token grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    pub userid: String,
    /// The plan limit; a token without one may create no dataset (as in specstore).
    pub max_datasets: i64,
}

#[derive(Clone, Debug)]
pub struct TokenVerifier {
    key: VerifyingKey<Sha256>,
}

impl TokenVerifier {
    /// From the auth server's public key in PEM, `BEGIN PUBLIC KEY` (SPKI) or
    /// `BEGIN RSA PUBLIC KEY` (PKCS#1).
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let pem = pem.trim();
        let key = RsaPublicKey::from_public_key_pem(pem)
            .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
            .map_err(|e| format!("not an RSA public key in PEM form: {e}"))?;
        Ok(Self {
            key: VerifyingKey::new(key),
        })
    }

    /// The token's claims when it is a well-formed RS256 JWT signed by this key, within its
    /// validity (`exp` and `nbf` when present, in seconds since the epoch, against `now`), and
    /// issued for the `source` service; `None` otherwise.
    pub fn verify(&self, token: &str, now: i64) -> Option<Claims> {
        let mut parts = token.trim().split('.');
        let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: Value = serde_json::from_slice(&decode(header)?).ok()?;
        if header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return None;
        }
        let signature = Signature::try_from(decode(signature)?.as_slice()).ok()?;
        let signed = &token.trim()[..header_and_payload_len(token.trim())?];
        self.key.verify(signed.as_bytes(), &signature).ok()?;
        let payload: Value = serde_json::from_slice(&decode(payload)?).ok()?;
        if let Some(exp) = payload.get("exp") {
            if exp.as_f64()? <= now as f64 {
                return None;
            }
        }
        if let Some(nbf) = payload.get("nbf") {
            if nbf.as_f64()? > now as f64 {
                return None;
            }
        }
        // A token the auth server issued for another service is not one for uploading specs.
        if payload.get("service").and_then(Value::as_str) != Some("source") {
            return None;
        }
        let userid = match payload.get("userid")? {
            Value::String(id) => id.clone(),
            Value::Number(id) => id.to_string(),
            _ => return None,
        };
        let max_datasets = payload
            .pointer("/permissions/max_dataset_num")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        Some(Claims {
            userid,
            max_datasets,
        })
    }
}

fn decode(part: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()
}

/// The length of `header.payload`, the part the signature covers.
fn header_and_payload_len(token: &str) -> Option<usize> {
    token.rfind('.')
}
