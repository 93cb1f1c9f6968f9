//! Fixed-window rate limits on the operations an attacker would hammer.
//!
//! An attempt is counted *before* the work it limits ([`RateLimiter::reserve`]), so requests sent
//! at once cannot all slip under the limit while the first ones are still being worked on; an
//! attempt that turns out not to count (a successful login) gives its reservation back.
//!
//! Memory is bounded whatever keys an attacker chooses: each bucket keeps at most
//! `max_keys` windows, keys are stored as 64-bit keyed hashes (not the strings sent), and every
//! hit does a bounded, amortised-constant amount of work: expired windows are dropped from the
//! front of a queue ordered by start, never by scanning. When a bucket is full, the window that
//! started first (the next to expire) makes room; that is logged, since it can only happen when
//! more distinct keys arrive within one window than the bucket holds.
//!
//! This implementation counts in process memory, which is exact for one server instance. With
//! several instances each counts its own share, so an attacker spread over N instances gets N
//! times the allowance; the counters then belong in PostgreSQL (an UNLOGGED table with
//! `INSERT … ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`) or Redis, behind the
//! same methods. See docs/auth.md and docs/security.md.
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// The limits, configurable; the defaults are documented in docs/security.md.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Failed password checks per account: login, changePassword, deleteAccount.
    pub failed_logins_per_account: RateLimit,
    /// Failed password checks per client address, whatever the account.
    pub failed_logins_per_ip: RateLimit,
    pub registrations_per_ip: RateLimit,
    pub refreshes_per_ip: RateLimit,
    /// The most keys (accounts, addresses) each bucket tracks at once.
    pub max_keys: usize,
}

/// The default of [`RateLimits::max_keys`]: at most about 11 MB per bucket when full (32-byte
/// windows, 24-byte queue entries, up to two per window).
pub const DEFAULT_MAX_KEYS: usize = 100_000;

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            failed_logins_per_account: RateLimit::per_minute(5),
            failed_logins_per_ip: RateLimit::per_minute(20),
            registrations_per_ip: RateLimit::per_hour(3),
            refreshes_per_ip: RateLimit::per_minute(60),
            max_keys: DEFAULT_MAX_KEYS,
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

impl Bucket {
    const ALL: [Bucket; 4] = [
        Bucket::FailedLoginsPerAccount,
        Bucket::FailedLoginsPerIp,
        Bucket::RegistrationsPerIp,
        Bucket::RefreshesPerIp,
    ];

    fn index(self) -> usize {
        match self {
            Self::FailedLoginsPerAccount => 0,
            Self::FailedLoginsPerIp => 1,
            Self::RegistrationsPerIp => 2,
            Self::RefreshesPerIp => 3,
        }
    }

    /// Whether the key is a client address, normalised by [`ip_key`].
    fn keyed_by_ip(self) -> bool {
        match self {
            Self::FailedLoginsPerAccount => false,
            Self::FailedLoginsPerIp | Self::RegistrationsPerIp | Self::RefreshesPerIp => true,
        }
    }
}

/// The key a client address is counted under: an IPv4 address as it is, an IPv4-mapped IPv6
/// address as its IPv4, any other IPv6 address as its /64 (one subscriber's network: a host
/// picks any address in it at no cost). What does not parse is kept as it is.
pub fn ip_key(ip: &str) -> String {
    match ip.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                format!("{}/64", std::net::Ipv6Addr::from(segments))
            }
        },
        Err(_) => ip.to_owned(),
    }
}

/// Shards per bucket: hits on different keys rarely wait on one another's lock.
const SHARDS: usize = 16;

/// Expired windows dropped per hit, at most: more than the one a hit can add, so the queue of
/// expired windows drains while work per hit stays bounded.
const PRUNE_PER_HIT: usize = 4;

struct Window {
    started: Instant,
    count: u32,
}

/// One shard of a bucket: the windows by key hash, and the keys in the order their windows
/// started. Every window has exactly one queue entry with its `started`; entries whose window has
/// since restarted or been removed are stale and skipped.
#[derive(Default)]
struct Shard {
    windows: HashMap<u64, Window>,
    order: VecDeque<(u64, Instant)>,
}

impl Shard {
    /// Pops the oldest queue entry, removing its window if the entry is that window's.
    fn pop_oldest(&mut self) -> Option<(u64, Instant)> {
        let (key, started) = self.order.pop_front()?;
        if self.windows.get(&key).is_some_and(|w| w.started == started) {
            self.windows.remove(&key);
            return Some((key, started));
        }
        None
    }
}

struct Counters {
    limit: RateLimit,
    capacity_per_shard: usize,
    shards: Vec<Mutex<Shard>>,
    /// Windows that made room for a new key before they expired (the bucket was full).
    evicted_early: AtomicU64,
}

impl Counters {
    fn new(limit: RateLimit, max_keys: usize) -> Self {
        Self {
            limit,
            capacity_per_shard: max_keys.div_ceil(SHARDS).max(1),
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            evicted_early: AtomicU64::new(0),
        }
    }

    fn shard(&self, key: u64) -> std::sync::MutexGuard<'_, Shard> {
        // The low bits pick the map slot inside the shard; the high bits pick the shard.
        let index = (key >> 58) as usize % SHARDS;
        // A panic while holding the lock cannot leave a window half-updated (every update is
        // one assignment), so a poisoned lock is still sound to use.
        self.shards[index].lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What [`RateLimiter::reserve`] counted. Dropping it gives the attempt back (the work did not
/// happen, or it succeeded); [`Reservation::keep`] keeps it counted.
#[must_use = "dropping a reservation gives the attempt back; call keep() to count it"]
pub struct Reservation<'a> {
    limiter: &'a RateLimiter,
    bucket: Bucket,
    key: u64,
    started: Instant,
    kept: bool,
}

impl Reservation<'_> {
    /// The attempt counts (a wrong password, a registration that was attempted).
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.limiter.refund(self.bucket, self.key, self.started);
        }
    }
}

pub struct RateLimiter {
    hasher: RandomState,
    counters: Vec<Counters>,
    /// When an early eviction was last logged (seconds since `created`), so a flood logs once a
    /// minute rather than once per request.
    last_eviction_log: AtomicU64,
    created: Instant,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        let limit = |bucket: Bucket| match bucket {
            Bucket::FailedLoginsPerAccount => limits.failed_logins_per_account,
            Bucket::FailedLoginsPerIp => limits.failed_logins_per_ip,
            Bucket::RegistrationsPerIp => limits.registrations_per_ip,
            Bucket::RefreshesPerIp => limits.refreshes_per_ip,
        };
        let mut counters: Vec<Counters> = Vec::with_capacity(Bucket::ALL.len());
        for bucket in Bucket::ALL {
            debug_assert_eq!(bucket.index(), counters.len());
            counters.push(Counters::new(limit(bucket), limits.max_keys));
        }
        Self {
            // Keyed with a per-process random key: nobody can pick keys that collide.
            hasher: RandomState::new(),
            counters,
            last_eviction_log: AtomicU64::new(0),
            created: Instant::now(),
        }
    }

    fn counters(&self, bucket: Bucket) -> &Counters {
        &self.counters[bucket.index()]
    }

    fn key_hash(&self, bucket: Bucket, key: &str) -> u64 {
        if bucket.keyed_by_ip() {
            self.hasher.hash_one(ip_key(key))
        } else {
            self.hasher.hash_one(key)
        }
    }

    /// RATE_LIMITED if `key` has used up its allowance in `bucket`; counts nothing. Only for
    /// reads that do no limited work: a check followed by the work and a later count lets
    /// concurrent requests through together, use [`RateLimiter::reserve`] for that.
    pub fn check(&self, bucket: Bucket, key: &str) -> Result<(), DomainError> {
        let key = self.key_hash(bucket, key);
        let counters = self.counters(bucket);
        let now = Instant::now();
        let shard = counters.shard(key);
        match shard.windows.get(&key) {
            Some(window) => over_limit(counters.limit, window, now).map_or(Ok(()), Err),
            None => Ok(()),
        }
    }

    /// Counts one attempt for `key` and keeps it counted; RATE_LIMITED (and not counted) if over
    /// the allowance.
    pub fn hit(&self, bucket: Bucket, key: &str) -> Result<(), DomainError> {
        self.reserve(bucket, key).map(Reservation::keep)
    }

    /// Counts one attempt for `key` now, before the work it limits; RATE_LIMITED (and not
    /// counted) if over the allowance. The reservation is given back when dropped, unless kept.
    pub fn reserve(&self, bucket: Bucket, key: &str) -> Result<Reservation<'_>, DomainError> {
        let key = self.key_hash(bucket, key);
        let counters = self.counters(bucket);
        let limit = counters.limit;
        let mut shard = counters.shard(key);
        // Taken under the lock, so the queue is in start order.
        let now = Instant::now();
        if limit.max == 0 {
            return Err(retry_after(limit, now, now));
        }

        for _ in 0..PRUNE_PER_HIT {
            match shard.order.front() {
                Some((_, started)) if now.duration_since(*started) >= limit.window => {
                    shard.pop_oldest();
                }
                _ => break,
            }
        }

        if let Some(window) = shard.windows.get_mut(&key) {
            if now.duration_since(window.started) < limit.window {
                if let Some(refused) = over_limit(limit, window, now) {
                    return Err(refused);
                }
                window.count += 1;
                let started = window.started;
                return Ok(Reservation { limiter: self, bucket, key, started, kept: false });
            }
            // Expired: a new window starts now (the old queue entry becomes stale).
            *window = Window { started: now, count: 1 };
        } else {
            let mut evicted_early = false;
            // Every window has a queue entry, so this ends; the emptiness test is belt and braces.
            while shard.windows.len() >= counters.capacity_per_shard && !shard.order.is_empty() {
                if let Some((_, started)) = shard.pop_oldest() {
                    evicted_early |= now.duration_since(started) < limit.window;
                }
            }
            if evicted_early {
                self.note_early_eviction(bucket, counters);
            }
            shard.windows.insert(key, Window { started: now, count: 1 });
        }
        shard.order.push_back((key, now));
        // Stale entries are expired ones, drained above; this bounds the queue outright.
        while shard.order.len() > 2 * counters.capacity_per_shard {
            shard.pop_oldest();
        }
        Ok(Reservation { limiter: self, bucket, key, started: now, kept: false })
    }

    /// Gives back one attempt, if its window is still the one it was counted in.
    fn refund(&self, bucket: Bucket, key: u64, started: Instant) {
        let mut shard = self.counters(bucket).shard(key);
        if let Some(window) = shard.windows.get_mut(&key)
            && window.started == started
        {
            window.count = window.count.saturating_sub(1);
        }
    }

    fn note_early_eviction(&self, bucket: Bucket, counters: &Counters) {
        let total = counters.evicted_early.fetch_add(1, Ordering::Relaxed) + 1;
        let now = self.created.elapsed().as_secs() + 1;
        let last = self.last_eviction_log.load(Ordering::Relaxed);
        if (last == 0 || now >= last + 60)
            && self
                .last_eviction_log
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                ?bucket,
                evicted_early = total,
                "rate-limit bucket full: unexpired windows made room for new keys (raise RATE_LIMIT_MAX_KEYS if this is not an attack)"
            );
        }
    }

    /// How many windows `bucket` holds (tests check the bound).
    pub fn tracked_keys(&self, bucket: Bucket) -> usize {
        self.counters(bucket)
            .shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).windows.len())
            .sum()
    }

    /// How many queue entries `bucket` holds, live and stale (tests check the bound).
    #[cfg(test)]
    fn queued(&self, bucket: Bucket) -> usize {
        self.counters(bucket)
            .shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).order.len())
            .sum()
    }
}

/// RATE_LIMITED if `window` (not expired) holds its maximum.
fn over_limit(limit: RateLimit, window: &Window, now: Instant) -> Option<DomainError> {
    let live = now.duration_since(window.started) < limit.window;
    (live && window.count >= limit.max).then(|| retry_after(limit, window.started, now))
}

fn retry_after(limit: RateLimit, started: Instant, now: Instant) -> DomainError {
    let remaining = limit.window.saturating_sub(now.duration_since(started));
    // Rounded up: retrying after the advertised seconds must find the window over.
    let secs = remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0);
    DomainError::RateLimited { retry_after_secs: secs.max(1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited(max: u32, window: Duration) -> RateLimiter {
        RateLimiter::new(RateLimits {
            failed_logins_per_account: RateLimit { max, window },
            ..RateLimits::default()
        })
    }

    const ACCOUNT: Bucket = Bucket::FailedLoginsPerAccount;

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

    #[test]
    fn a_reservation_counts_until_dropped_and_a_kept_one_stays() {
        let limiter = limited(2, Duration::from_secs(60));
        let first = limiter.reserve(ACCOUNT, "ada").unwrap();
        let second = limiter.reserve(ACCOUNT, "ada").unwrap();
        // Both held: the third is refused before any work is done.
        assert!(limiter.reserve(ACCOUNT, "ada").is_err());
        drop(first);
        let third = limiter.reserve(ACCOUNT, "ada").unwrap();
        second.keep();
        third.keep();
        assert!(limiter.reserve(ACCOUNT, "ada").is_err());
    }

    #[test]
    fn concurrent_reservations_never_exceed_the_limit() {
        let limiter = limited(5, Duration::from_secs(60));
        let granted = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..50 {
                        if let Ok(r) = limiter.reserve(ACCOUNT, "ada") {
                            granted.fetch_add(1, Ordering::Relaxed);
                            r.keep();
                        }
                    }
                });
            }
        });
        assert_eq!(granted.load(Ordering::Relaxed), 5);
    }

    #[test]
    fn a_refund_from_an_earlier_window_does_not_touch_the_new_one() {
        let limiter = limited(1, Duration::from_millis(40));
        let old = limiter.reserve(ACCOUNT, "ada").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        limiter.reserve(ACCOUNT, "ada").unwrap().keep();
        drop(old);
        assert!(limiter.reserve(ACCOUNT, "ada").is_err());
    }

    #[test]
    fn the_capacity_bound_holds_after_many_distinct_keys() {
        let limiter = RateLimiter::new(RateLimits { max_keys: 1_000, ..RateLimits::default() });
        for i in 0..50_000 {
            limiter.hit(ACCOUNT, &format!("attacker-chosen-login-{i}")).unwrap();
        }
        let per_shard = 1_000usize.div_ceil(SHARDS);
        assert!(limiter.tracked_keys(ACCOUNT) <= per_shard * SHARDS);
        assert!(limiter.queued(ACCOUNT) <= 2 * per_shard * SHARDS);
        // The newest keys are the ones kept: the last one still counts.
        for _ in 0..4 {
            limiter.hit(ACCOUNT, "attacker-chosen-login-49999").unwrap();
        }
        assert!(limiter.hit(ACCOUNT, "attacker-chosen-login-49999").is_err());
    }

    #[test]
    fn entries_expire_and_are_dropped_without_a_scan() {
        let limiter = RateLimiter::new(RateLimits {
            failed_logins_per_account: RateLimit { max: 1, window: Duration::from_millis(100) },
            ..RateLimits::default()
        });
        for i in 0..2_000 {
            limiter.hit(ACCOUNT, &format!("old{i}")).unwrap();
        }
        assert!(limiter.check(ACCOUNT, "old7").is_err());
        assert_eq!(limiter.tracked_keys(ACCOUNT), 2_000);
        std::thread::sleep(Duration::from_millis(120));
        // Expired: counted no more.
        limiter.check(ACCOUNT, "old7").unwrap();
        // And dropped by the hits that follow, a few per hit in the hit's shard: as many new
        // keys leave no old window behind.
        for i in 0..2_000 {
            limiter.hit(ACCOUNT, &format!("new{i}")).unwrap();
        }
        assert_eq!(limiter.tracked_keys(ACCOUNT), 2_000);
        assert_eq!(limiter.queued(ACCOUNT), 2_000);
    }

    #[test]
    fn a_restarted_window_is_not_removed_by_its_stale_queue_entry() {
        let limiter = limited(2, Duration::from_millis(30));
        limiter.hit(ACCOUNT, "ada").unwrap();
        std::thread::sleep(Duration::from_millis(40));
        limiter.hit(ACCOUNT, "ada").unwrap(); // a new window; the old queue entry is stale
        limiter.hit(ACCOUNT, "ada").unwrap();
        limiter.hit(ACCOUNT, "other").unwrap(); // prunes; must not drop ada's live window
        assert!(limiter.hit(ACCOUNT, "ada").is_err());
    }

    #[test]
    fn ipv6_is_keyed_by_its_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(ip_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(ip_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(ip_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(ip_key("2001:db8:1:2::1"), ip_key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_ne!(ip_key("2001:db8:1:2::1"), ip_key("2001:db8:1:3::1"));
        assert_eq!(ip_key("unknown"), "unknown");

        let limiter = RateLimiter::new(RateLimits {
            failed_logins_per_ip: RateLimit::per_minute(2),
            ..RateLimits::default()
        });
        limiter.hit(Bucket::FailedLoginsPerIp, "2001:db8:1:2::1").unwrap();
        limiter.hit(Bucket::FailedLoginsPerIp, "2001:db8:1:2::2").unwrap();
        assert!(limiter.hit(Bucket::FailedLoginsPerIp, "2001:db8:1:2:aaaa::3").is_err());
        limiter.hit(Bucket::FailedLoginsPerIp, "2001:db8:1:3::1").unwrap();
        // The account bucket is keyed by what it is given, never as an address.
        let accounts = limited(1, Duration::from_secs(60));
        accounts.hit(ACCOUNT, "2001:db8::1").unwrap();
        accounts.hit(ACCOUNT, "2001:db8::2").unwrap();
    }

    #[test]
    fn every_bucket_has_its_own_counters() {
        for (position, bucket) in Bucket::ALL.iter().enumerate() {
            assert_eq!(bucket.index(), position);
        }
        let limiter = RateLimiter::new(RateLimits {
            registrations_per_ip: RateLimit::per_hour(1),
            ..RateLimits::default()
        });
        limiter.hit(Bucket::RegistrationsPerIp, "1.2.3.4").unwrap();
        assert!(limiter.hit(Bucket::RegistrationsPerIp, "1.2.3.4").is_err());
        for bucket in
            [Bucket::FailedLoginsPerAccount, Bucket::FailedLoginsPerIp, Bucket::RefreshesPerIp]
        {
            limiter.hit(bucket, "1.2.3.4").unwrap();
        }
    }
}
