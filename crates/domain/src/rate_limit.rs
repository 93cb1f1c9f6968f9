//! Fixed-window rate limits on the operations an attacker would hammer.
//!
//! This implementation counts in process memory, which is exact for one server instance. With
//! several instances each counts its own share, so an attacker spread over N instances gets N
//! times the allowance; the counters then belong in PostgreSQL (an UNLOGGED table with
//! `INSERT … ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`) or Redis, behind the
//! same two methods. See docs/auth.md.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u32,
    pub window: Duration,
}

impl RateLimit {
    pub const fn per_minute(max: u32) -> Self {
        Self { max, window: Duration::from_secs(60) }
    }
    pub const fn per_hour(max: u32) -> Self {
        Self { max, window: Duration::from_secs(3600) }
    }
}

/// The limits, configurable; the defaults are documented in docs/auth.md.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    pub failed_logins_per_account: RateLimit,
    pub failed_logins_per_ip: RateLimit,
    pub registrations_per_ip: RateLimit,
    pub refreshes_per_ip: RateLimit,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            failed_logins_per_account: RateLimit::per_minute(5),
            failed_logins_per_ip: RateLimit::per_minute(20),
            registrations_per_ip: RateLimit::per_hour(3),
            refreshes_per_ip: RateLimit::per_minute(60),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    FailedLoginsPerAccount,
    FailedLoginsPerIp,
    RegistrationsPerIp,
    RefreshesPerIp,
}

struct Window {
    started: Instant,
    count: u32,
}

pub struct RateLimiter {
    limits: RateLimits,
    windows: Mutex<HashMap<(Bucket, String), Window>>,
}

/// Above this many tracked keys, expired windows are swept on the next hit.
const SWEEP_ABOVE: usize = 10_000;

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self { limits, windows: Mutex::new(HashMap::new()) }
    }

    fn limit(&self, bucket: Bucket) -> RateLimit {
        match bucket {
            Bucket::FailedLoginsPerAccount => self.limits.failed_logins_per_account,
            Bucket::FailedLoginsPerIp => self.limits.failed_logins_per_ip,
            Bucket::RegistrationsPerIp => self.limits.registrations_per_ip,
            Bucket::RefreshesPerIp => self.limits.refreshes_per_ip,
        }
    }

    /// RATE_LIMITED if `key` has used up its allowance in `bucket`; counts nothing.
    pub fn check(&self, bucket: Bucket, key: &str) -> Result<(), DomainError> {
        self.apply(bucket, key, false)
    }

    /// Counts one event for `key`; RATE_LIMITED (and not counted) if over the allowance.
    pub fn hit(&self, bucket: Bucket, key: &str) -> Result<(), DomainError> {
        self.apply(bucket, key, true)
    }

    fn apply(&self, bucket: Bucket, key: &str, count: bool) -> Result<(), DomainError> {
        let limit = self.limit(bucket);
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if count && windows.len() > SWEEP_ABOVE {
            windows.retain(|(b, _), w| now.duration_since(w.started) < self.limit(*b).window);
        }
        let window =
            windows.entry((bucket, key.to_owned())).or_insert(Window { started: now, count: 0 });
        if now.duration_since(window.started) >= limit.window {
            *window = Window { started: now, count: 0 };
        }
        if window.count >= limit.max {
            let retry_after = limit.window.saturating_sub(now.duration_since(window.started));
            return Err(DomainError::RateLimited {
                retry_after_secs: retry_after.as_secs().max(1),
            });
        }
        if count {
            window.count += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_max_then_refuses_with_a_retry_after() {
        let limiter = RateLimiter::new(RateLimits {
            registrations_per_ip: RateLimit::per_hour(3),
            ..RateLimits::default()
        });
        for _ in 0..3 {
            limiter.hit(Bucket::RegistrationsPerIp, "1.2.3.4").unwrap();
        }
        match limiter.hit(Bucket::RegistrationsPerIp, "1.2.3.4") {
            Err(DomainError::RateLimited { retry_after_secs }) => {
                assert!(retry_after_secs > 3500 && retry_after_secs <= 3600)
            }
            other => panic!("expected RATE_LIMITED, got {other:?}"),
        }
        // Another key, another bucket: unaffected.
        limiter.hit(Bucket::RegistrationsPerIp, "5.6.7.8").unwrap();
        limiter.hit(Bucket::RefreshesPerIp, "1.2.3.4").unwrap();
    }

    #[test]
    fn recovers_when_the_window_ends() {
        let limiter = RateLimiter::new(RateLimits {
            refreshes_per_ip: RateLimit { max: 1, window: Duration::from_millis(50) },
            ..RateLimits::default()
        });
        limiter.hit(Bucket::RefreshesPerIp, "ip").unwrap();
        assert!(limiter.check(Bucket::RefreshesPerIp, "ip").is_err());
        std::thread::sleep(Duration::from_millis(60));
        limiter.check(Bucket::RefreshesPerIp, "ip").unwrap();
    }
}
