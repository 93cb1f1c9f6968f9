//! Argon2id password hashing, off the async runtime.
use std::sync::{Arc, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::DomainError;

/// OWASP's recommended Argon2id parameters: 19 MiB of memory, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies passwords on the blocking thread pool, so a burst of logins never stalls
/// the requests being served, and at most `max_concurrent` at a time, which bounds the memory a
/// burst can take (19 MiB each).
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
}

impl PasswordHasher {
    pub fn new(max_concurrent: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(max_concurrent.max(1))) }
    }

    pub async fn hash(&self, password: &str) -> Result<String, DomainError> {
        let password = password.to_owned();
        let _permit = self.permits.acquire().await.map_err(DomainError::internal)?;
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| DomainError::internal(e.to_string()))
        })
        .await
        .map_err(DomainError::internal)?
    }

    /// Whether `password` matches `hash`. With no hash (unknown user, or an account without a
    /// password) it verifies against a dummy hash all the same, so both cases take as long as a
    /// wrong password and an attacker cannot tell them apart by timing.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, DomainError> {
        let password = password.to_owned();
        let known = hash.is_some();
        let hash = hash.map(str::to_owned).unwrap_or_else(|| dummy_hash().to_owned());
        let _permit = self.permits.acquire().await.map_err(DomainError::internal)?;
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .map_err(DomainError::internal)?;
        Ok(known && matches)
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"not the password of anyone", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Hashes `password` with a salt derived from `salt_source`, so the same inputs always give the
/// same hash. Only for the seed's demo accounts, whose rows must come out identical on every run;
/// never for a real account, where a random salt per hash is what makes stolen hashes expensive.
pub fn demo_hash(password: &str, salt_source: &str) -> Result<String, DomainError> {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("tribe demo salt:{salt_source}").as_bytes());
    let salt =
        SaltString::encode_b64(&digest[..16]).map_err(|e| DomainError::internal(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| DomainError::internal(e.to_string()))
}
