//! Argon2id password hashing, off the async runtime, with a bounded queue.
use std::sync::atomic::{AtomicU64, Ordering};
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

/// What a request is told when the queue is full.
pub const BUSY_MESSAGE: &str = "The server is busy checking passwords; retry in a second.";

/// The default of `max_queued` (PASSWORD_HASH_QUEUE).
pub const DEFAULT_QUEUE: usize = 64;

/// Hashes and verifies passwords on the blocking thread pool, so a burst of logins never stalls
/// the requests being served; at most `max_concurrent` at a time, which bounds the memory a burst
/// can take (19 MiB each); and at most `max_queued` more waiting. A request that finds the queue
/// full is refused at once (RATE_LIMITED, "busy"), so a flood of password checks (aliased
/// mutations, many connections) cannot make every login wait without end.
#[derive(Clone)]
pub struct PasswordHasher {
    /// Running hashes.
    workers: Arc<Semaphore>,
    /// Running and waiting hashes.
    admitted: Arc<Semaphore>,
    verifications: Arc<AtomicU64>,
}

impl PasswordHasher {
    pub fn new(max_concurrent: usize, max_queued: usize) -> Self {
        let max_concurrent = max_concurrent.clamp(1, 1024);
        let max_queued = max_queued.min(Semaphore::MAX_PERMITS - max_concurrent);
        Self {
            workers: Arc::new(Semaphore::new(max_concurrent)),
            admitted: Arc::new(Semaphore::new(max_concurrent + max_queued)),
            verifications: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Passwords verified since start-up (tests count them: a limit must hold before the work).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Runs `work` on the blocking pool once a worker is free; refused at once if the queue is
    /// full. The permits move into the blocking task: a request abandoned by its client frees
    /// its place only when the hash it started has finished, so the bound holds.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, DomainError> {
        let admitted = self.admitted.clone().try_acquire_owned().map_err(|_| busy())?;
        let worker = self.workers.clone().acquire_owned().await.map_err(DomainError::internal)?;
        tokio::task::spawn_blocking(move || {
            let _held = (admitted, worker);
            work()
        })
        .await
        .map_err(DomainError::internal)
    }

    pub async fn hash(&self, password: &str) -> Result<String, DomainError> {
        let password = password.to_owned();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| DomainError::internal(e.to_string()))
        })
        .await?
    }

    /// Whether `password` matches `hash`. With no hash (unknown user, or an account without a
    /// password) it verifies against a dummy hash all the same, so both cases take as long as a
    /// wrong password and an attacker cannot tell them apart by timing.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, DomainError> {
        let password = password.to_owned();
        let hash = hash.map(str::to_owned);
        let verifications = self.verifications.clone();
        self.run(move || {
            verifications.fetch_add(1, Ordering::Relaxed);
            let known = hash.is_some();
            let against: &str = match &hash {
                Some(hash) => hash,
                None => dummy_hash(),
            };
            let matches = PasswordHash::new(against)
                .map(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false);
            known && matches
        })
        .await
    }
}

fn busy() -> DomainError {
    DomainError::Busy { message: BUSY_MESSAGE, retry_after_secs: 1 }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// One running, one waiting: of six checks sent at once, four are refused, and they are
    /// answered before any admitted check has finished; the admitted two complete.
    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_the_admitted_checks_complete() {
        let hasher = PasswordHasher::new(1, 1);
        let hash = hasher.hash("correct horse battery").await.unwrap();
        let (sender, mut answers) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..6 {
            let (hasher, hash, sender) = (hasher.clone(), hash.clone(), sender.clone());
            tokio::spawn(async move {
                let _ = sender.send(hasher.verify("correct horse battery", Some(&hash)).await);
            });
        }
        drop(sender);
        let mut order = Vec::new();
        while let Some(answer) = answers.recv().await {
            order.push(match answer {
                Ok(true) => "verified",
                Err(DomainError::Busy { message, retry_after_secs: 1 })
                    if message == BUSY_MESSAGE =>
                {
                    "busy"
                }
                other => panic!("unexpected {other:?}"),
            });
        }
        assert_eq!(order, ["busy", "busy", "busy", "busy", "verified", "verified"]);
        // Every place was given back.
        assert!(hasher.verify("correct horse battery", Some(&hash)).await.unwrap());
        assert_eq!(hasher.verifications(), 3);
    }

    #[tokio::test]
    async fn an_unknown_account_is_checked_against_a_dummy_hash_and_fails() {
        let hasher = PasswordHasher::new(1, 0);
        assert!(!hasher.verify("not the password of anyone", None).await.unwrap());
        assert_eq!(hasher.verifications(), 1);
        let hash = hasher.hash("a password").await.unwrap();
        assert!(!hasher.verify("another one", Some(&hash)).await.unwrap());
        assert!(hasher.verify("a password", Some(&hash)).await.unwrap());
    }
}
