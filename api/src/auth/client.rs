//! Partner machine clients: their public keys, checked when they are registered, and their
//! client assertions (`private_key_jwt`, RFC 7523 §2.2 and §3), verified at the token endpoint.
//!
//! An assertion is a JWT signed with the client's private key whose `iss` and `sub` are the
//! client id, whose `aud` is the office's token endpoint, with a short `exp` and a `jti` never
//! used before. Only the one algorithm registered with the key (`kid`) is accepted: never
//! `none`, never HMAC.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use socialcare_domain::partner::{
    ASSERTION_LEEWAY_SECS, ClientKey, JTI_MAX_CHARS, KeyAlgorithm, KeyFormat, check_assertion_times,
};
use uuid::Uuid;

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// JWK members that only a private or symmetric key has.
const PRIVATE_JWK_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

fn jose_algorithm(algorithm: KeyAlgorithm) -> Algorithm {
    match algorithm {
        KeyAlgorithm::Rs256 => Algorithm::RS256,
        KeyAlgorithm::Ps256 => Algorithm::PS256,
        KeyAlgorithm::Es256 => Algorithm::ES256,
        KeyAlgorithm::EdDsa => Algorithm::EdDSA,
    }
}

/// The SHA-256 of a key as registered, hex.
fn thumbprint(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn rsa_bits_of_pem(text: &str) -> Result<usize, String> {
    rsa::RsaPublicKey::from_public_key_pem(text)
        .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(text))
        .map(|key| key.size() * 8)
        .map_err(|_| "is not an RSA public key in PEM".to_owned())
}

fn rsa_bits_of_jwk(n: &str) -> Result<usize, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(n.trim_end_matches('='))
        .map_err(|_| "`n` is not base64url".to_owned())?;
    let significant = bytes.iter().skip_while(|b| **b == 0).count();
    Ok(significant * 8)
}

/// The key a registered public key verifies with. `Err` says what is wrong with the key (for
/// the one who registers it; at the token endpoint a stored key is already checked).
fn decoding_key(
    algorithm: KeyAlgorithm,
    format: KeyFormat,
    text: &str,
) -> Result<DecodingKey, String> {
    match format {
        KeyFormat::Pem => {
            if text.contains("PRIVATE KEY") {
                return Err("is a private key: register only the public key".into());
            }
            let bytes = text.as_bytes();
            let key = match algorithm {
                KeyAlgorithm::Rs256 | KeyAlgorithm::Ps256 => {
                    let bits = rsa_bits_of_pem(text)?;
                    if bits < MIN_RSA_BITS {
                        return Err(format!(
                            "is an RSA key of {bits} bits; at least {MIN_RSA_BITS} are required"
                        ));
                    }
                    DecodingKey::from_rsa_pem(bytes)
                }
                KeyAlgorithm::Es256 => DecodingKey::from_ec_pem(bytes),
                KeyAlgorithm::EdDsa => DecodingKey::from_ed_pem(bytes),
            };
            key.map_err(|_| format!("is not a {algorithm} public key in PEM (`PUBLIC KEY`)"))
        }
        KeyFormat::Jwk => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|_| "is not a JSON object".to_owned())?;
            let object = value
                .as_object()
                .ok_or_else(|| "is not a JSON object".to_owned())?;
            if let Some(member) = PRIVATE_JWK_MEMBERS
                .iter()
                .find(|m| object.contains_key(**m))
            {
                return Err(format!(
                    "holds the private member `{member}`: register only the public key"
                ));
            }
            let jwk: Jwk = serde_json::from_value(value.clone())
                .map_err(|e| format!("is not a JSON Web Key: {e}"))?;
            if let Some(alg) = jwk.common.key_algorithm
                && alg.to_string() != algorithm.as_str()
            {
                return Err(format!("names the algorithm `{alg}`, not `{algorithm}`"));
            }
            let fits = match (&jwk.algorithm, algorithm) {
                (AlgorithmParameters::RSA(params), KeyAlgorithm::Rs256 | KeyAlgorithm::Ps256) => {
                    let bits = rsa_bits_of_jwk(&params.n)?;
                    if bits < MIN_RSA_BITS {
                        return Err(format!(
                            "is an RSA key of {bits} bits; at least {MIN_RSA_BITS} are required"
                        ));
                    }
                    true
                }
                (AlgorithmParameters::EllipticCurve(params), KeyAlgorithm::Es256) => {
                    params.curve == jsonwebtoken::jwk::EllipticCurve::P256
                }
                (AlgorithmParameters::OctetKeyPair(params), KeyAlgorithm::EdDsa) => {
                    params.curve == jsonwebtoken::jwk::EllipticCurve::Ed25519
                }
                _ => false,
            };
            if !fits {
                return Err(format!("is not a public key for {algorithm}"));
            }
            DecodingKey::from_jwk(&jwk).map_err(|_| format!("is not a public key for {algorithm}"))
        }
    }
}

/// Checks a public key before it is registered; returns its thumbprint (SHA-256 of the text,
/// hex). `Err` says what is wrong, for the field `public_key`.
pub fn check_public_key(
    algorithm: KeyAlgorithm,
    format: KeyFormat,
    text: &str,
) -> Result<String, String> {
    decoding_key(algorithm, format, text)?;
    Ok(thumbprint(text))
}

/// Who an assertion says it comes from, read before its signature is checked, only to find
/// the key to check it with.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The client id (`iss`).
    pub client_id: Uuid,
    /// The key id of the header.
    pub kid: String,
}

#[derive(Debug, Deserialize)]
struct UnverifiedClaims {
    iss: Option<String>,
}

/// The client and key an assertion names. `Err` when it is not a signed JWT with an algorithm
/// the office accepts (`none` and HMAC are not), or names no `kid` or client.
pub fn claimed(assertion: &str) -> Result<Claimed, String> {
    let header = decode_header(assertion).map_err(|e| match e.kind() {
        ErrorKind::InvalidAlgorithmName => {
            "the assertion's algorithm is not accepted (RS256, PS256, ES256, EdDSA)".to_owned()
        }
        _ => "the assertion is not a signed JWT".to_owned(),
    })?;
    if matches!(
        header.alg,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    ) {
        return Err("the assertion must be signed with the client's private key, not HMAC".into());
    }
    let kid = header
        .kid
        .ok_or_else(|| "the assertion's header names no `kid`".to_owned())?;
    let unverified = jsonwebtoken::dangerous::insecure_decode::<UnverifiedClaims>(assertion)
        .map_err(|_| "the assertion's claims are not a JSON object".to_owned())?;
    let client_id = unverified
        .claims
        .iss
        .as_deref()
        .and_then(|iss| Uuid::parse_str(iss).ok())
        .ok_or_else(|| "the assertion's `iss` is not a client id".to_owned())?;
    Ok(Claimed { client_id, kid })
}

#[derive(Debug, Deserialize)]
struct AssertionClaims {
    iat: i64,
    exp: i64,
    nbf: Option<i64>,
    jti: String,
}

/// What a verified assertion says.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Its unique id.
    pub jti: String,
    /// Its expiry (seconds since the epoch).
    pub exp: i64,
}

/// Verifies an assertion with a registered key: the signature with the key's one algorithm;
/// `iss` and `sub` the client, `aud` the office's token endpoint; the times (`exp` required and
/// short, see [`check_assertion_times`]); a `jti`.
pub fn verify(
    assertion: &str,
    key: &ClientKey,
    audience: &str,
    now: i64,
) -> Result<Verified, String> {
    let decoding = decoding_key(key.algorithm, key.format, &key.public_key)
        .map_err(|_| "the registered key cannot be used; register it again".to_owned())?;
    let mut validation = Validation::new(jose_algorithm(key.algorithm));
    validation.algorithms = vec![jose_algorithm(key.algorithm)];
    validation.set_audience(&[audience]);
    let client = key.client_id.to_string();
    validation.set_issuer(&[client.as_str()]);
    validation.sub = Some(client);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    validation.leeway = u64::try_from(ASSERTION_LEEWAY_SECS).unwrap_or(30);
    validation.validate_nbf = true;
    let data = decode::<AssertionClaims>(assertion, &decoding, &validation).map_err(|e| {
        match e.kind() {
            ErrorKind::InvalidSignature => {
                "the assertion's signature does not verify with the key `kid` names"
            }
            ErrorKind::InvalidAlgorithm => {
                "the assertion's algorithm is not the one registered with its key"
            }
            ErrorKind::ExpiredSignature => "the assertion has expired",
            ErrorKind::ImmatureSignature => "the assertion is not valid yet",
            ErrorKind::InvalidAudience => "the assertion's `aud` is not this token endpoint",
            ErrorKind::InvalidIssuer => "the assertion's `iss` is not the client",
            ErrorKind::InvalidSubject => "the assertion's `sub` is not the client",
            ErrorKind::MissingRequiredClaim(_) => {
                "the assertion lacks a required claim (`exp`, `iat`, `jti`, `iss`, `sub`, `aud`)"
            }
            _ => "the assertion is not valid (`exp`, `iat` and `jti` are required)",
        }
        .to_owned()
    })?;
    let claims = data.claims;
    check_assertion_times(claims.iat, claims.nbf, claims.exp, now).map_err(|e| e.to_string())?;
    if claims.jti.is_empty() || claims.jti.len() > JTI_MAX_CHARS {
        return Err(format!(
            "the assertion's `jti` must be 1-{JTI_MAX_CHARS} characters"
        ));
    }
    Ok(Verified {
        jti: claims.jti,
        exp: claims.exp,
    })
}
