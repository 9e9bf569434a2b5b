//! Access tokens: short-lived JWTs, validated per RFC 8725 (pinned algorithm; `iss`, `aud`,
//! `exp` and `nbf` always checked).

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::{Config, JwtAlgorithm, Profile};

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// The user's roles at issue time.
    pub roles: Vec<String>,
    /// The user's areas at issue time.
    pub areas: Vec<String>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before (seconds since the epoch).
    pub nbf: i64,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Unique token id.
    pub jti: String,
    /// Only in the token of a partner's machine client: its scopes (OAuth 2.0 scope text).
    /// A token with a scope is never a staff member's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Keys and rules for issuing and validating access tokens.
pub struct JwtKeys {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: i64,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("algorithm", &self.algorithm)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// Minimum length of an HS256 secret, in bytes (RFC 7518 §3.2: at least the hash size).
pub const MIN_SECRET_LEN: usize = 32;

impl JwtKeys {
    /// Builds the keys from the configuration. In development an HS256 secret is generated when
    /// none is configured; in production a missing key is an error.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let (algorithm, encoding, decoding) = match config.jwt_algorithm {
            JwtAlgorithm::Hs256 => {
                let secret = match &config.jwt_secret {
                    Some(secret) if secret.len() >= MIN_SECRET_LEN => secret.as_bytes().to_vec(),
                    Some(_) => anyhow::bail!(
                        "SOCIALCARE_JWT_SECRET must be at least {MIN_SECRET_LEN} bytes long"
                    ),
                    None if config.profile == Profile::Production => anyhow::bail!(
                        "the production profile requires SOCIALCARE_JWT_SECRET (or RS256/ES256 key files)"
                    ),
                    None => {
                        tracing::warn!(
                            "SOCIALCARE_JWT_SECRET is not set: using a random secret; tokens will not survive a restart"
                        );
                        let mut bytes = vec![0u8; 48];
                        rand::rng().fill_bytes(&mut bytes);
                        bytes
                    }
                };
                (
                    Algorithm::HS256,
                    EncodingKey::from_secret(&secret),
                    DecodingKey::from_secret(&secret),
                )
            }
            JwtAlgorithm::Rs256 | JwtAlgorithm::Es256 => {
                let (Some(private), Some(public)) =
                    (&config.jwt_private_key_file, &config.jwt_public_key_file)
                else {
                    anyhow::bail!(
                        "RS256/ES256 require SOCIALCARE_JWT_PRIVATE_KEY_FILE and SOCIALCARE_JWT_PUBLIC_KEY_FILE"
                    );
                };
                let private_pem = std::fs::read(private)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", private.display()))?;
                let public_pem = std::fs::read(public)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", public.display()))?;
                if config.jwt_algorithm == JwtAlgorithm::Rs256 {
                    (
                        Algorithm::RS256,
                        EncodingKey::from_rsa_pem(&private_pem)?,
                        DecodingKey::from_rsa_pem(&public_pem)?,
                    )
                } else {
                    (
                        Algorithm::ES256,
                        EncodingKey::from_ec_pem(&private_pem)?,
                        DecodingKey::from_ec_pem(&public_pem)?,
                    )
                }
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.algorithms = vec![algorithm];
        validation.set_issuer(&[config.jwt_issuer.as_str()]);
        validation.set_audience(&[config.jwt_audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        Ok(Self {
            algorithm,
            encoding,
            decoding,
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl_secs: i64::from(config.access_token_ttl_secs),
        })
    }

    /// Lifetime of the access tokens, in seconds.
    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Issues an access token for a user.
    pub fn issue(
        &self,
        user_id: Uuid,
        roles: Vec<String>,
        areas: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let iat = now.timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            roles,
            areas,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat,
            nbf: iat,
            exp: iat + self.ttl_secs,
            jti: Uuid::now_v7().to_string(),
            scope: None,
        };
        encode(&Header::new(self.algorithm), &claims, &self.encoding)
    }

    /// Issues an access token for a partner's machine client, with the scopes it obtained.
    pub fn issue_client(
        &self,
        client_id: Uuid,
        scope: String,
        now: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let iat = now.timestamp();
        let claims = Claims {
            sub: client_id.to_string(),
            roles: Vec::new(),
            areas: Vec::new(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat,
            nbf: iat,
            exp: iat + self.ttl_secs,
            jti: Uuid::now_v7().to_string(),
            scope: Some(scope),
        };
        encode(&Header::new(self.algorithm), &claims, &self.encoding)
    }

    /// Validates a token and returns its claims.
    pub fn validate(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        decode::<Claims>(token, &self.decoding, &self.validation).map(|data| data.claims)
    }
}
