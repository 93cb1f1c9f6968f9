//! Sessions: what a sign-in starts and what logout ends, and whether an access token's session is
//! still live.
//!
//! A session is one sign-in: its refresh token, every rotation of that token, and every access
//! token issued with them (their `sid` claim names the session). It ends when
//!
//! - `logout` is sent one of its refresh tokens (that session only);
//! - `logoutEverywhere`, `changePassword` (which then starts a new one) or the reuse of a live
//!   rotated refresh token (theft) ends every session of the user;
//! - the account is deleted (the rows go with it).
//!
//! Every authenticated request asks [`check`] whether its session is live. The answer comes from
//! a per-process cache ([`SessionStates`]), kept in step with the database by LISTEN/NOTIFY:
//! the statement that ends sessions also sends a notification on [`CHANNEL`], which PostgreSQL
//! delivers at commit to every instance's [`listen`] task, which evicts the sessions it names.
//!
//! How stale can a cached answer be? Each instance sends itself a heartbeat notification every
//! [`HEARTBEAT`] ([`heartbeat`]). PostgreSQL delivers notifications in commit order, so once a
//! heartbeat sent at time T has been received, every session ended before T has been evicted.
//! The cache is used only while the newest heartbeat received was sent less than
//! [`STALENESS_BOUND`] (one second) ago; otherwise (the listener's connection dropped, the
//! database is slow, the instance is just starting) every check reads the database. So on every
//! instance an ended session's tokens are refused within a second, and usually within
//! milliseconds. When the listener reconnects it clears the cache: notifications sent while it was
//! away are lost.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::session;
use sea_orm::sqlx::postgres::{PgListener, PgPool};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement};

use crate::auth::tokens::VerifiedToken;
use crate::{DomainError, Services, sql};

/// The channel the statements that end sessions notify. Payloads: `s:<session id>` (one session)
/// or `u:<user id>` (every session of the user).
pub const CHANNEL: &str = "tribe_sessions";

/// How stale a cached session state may be: an ended session is refused within this time on
/// every instance.
pub const STALENESS_BOUND: Duration = Duration::from_secs(1);

/// How often an instance sends itself a heartbeat notification: a quarter of the bound leaves
/// three quarters for a heartbeat's round trip before the cache stops being trusted.
pub const HEARTBEAT: Duration = Duration::from_millis(250);

/// No notification at all for this long (heartbeats included) and the listener's connection is
/// taken for dead, even when the operating system has not said so (a half-open connection).
const SILENCE: Duration = Duration::from_secs(5);

/// At most this many session states are cached (about 100 bytes each); when full, the cache is
/// emptied and refills from the database, one statement per session in use.
const MAX_ENTRIES: usize = 65_536;

/// The per-process cache of session states. Cheap to clone (shared).
#[derive(Clone)]
pub struct SessionStates(Arc<Inner>);

struct Inner {
    entries: RwLock<HashMap<String, Entry>>,
    /// Bumped by every eviction. A database read that began before an eviction is not cached
    /// (it may have read the state from before the end).
    generation: AtomicU64,
    /// When (ms since `epoch`, plus one) the newest heartbeat received was sent; 0 for none.
    heard: AtomicU64,
    epoch: Instant,
    /// This process's own heartbeat channel.
    ping_channel: String,
}

#[derive(Clone)]
struct Entry {
    /// None: no such session (never, or deleted with its user); that never changes.
    user_id: Option<String>,
    live: bool,
}

impl Default for SessionStates {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionStates {
    pub fn new() -> Self {
        Self(Arc::new(Inner {
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            heard: AtomicU64::new(0),
            epoch: Instant::now(),
            ping_channel: format!("{CHANNEL}_ping_{}", crate::new_id().to_lowercase()),
        }))
    }

    /// This process's heartbeat channel (each instance listens to its own).
    pub fn ping_channel(&self) -> &str {
        &self.0.ping_channel
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.0.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    /// Whether cached states are fresh enough to use: a heartbeat sent within the bound has come
    /// back, so every end committed before it has been applied.
    pub fn is_trusted(&self) -> bool {
        let heard = self.0.heard.load(Ordering::Acquire);
        let bound = u64::try_from(STALENESS_BOUND.as_millis()).unwrap_or(u64::MAX);
        heard != 0 && self.now_ms().saturating_sub(heard) < bound
    }

    /// Waits (at most `timeout`) until the cache can be trusted; whether it can.
    pub async fn wait_until_trusted(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while !self.is_trusted() {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    /// The cached answer for a token: whether its session is live and the token's user's. None
    /// when not cached or not trusted.
    fn cached(&self, session_id: &str, user_id: &str) -> Option<bool> {
        if !self.is_trusted() {
            return None;
        }
        let entries = self.0.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(session_id).map(|e| e.live && e.user_id.as_deref() == Some(user_id))
    }

    /// Read before reading a session's state, handed back to [`Self::remember`].
    pub(crate) fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// Caches a state read from the database, unless an eviction happened since `generation`.
    fn remember(&self, generation: u64, session_id: &str, user_id: Option<&str>, live: bool) {
        let mut entries = self.0.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.generation() != generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            self.0.generation.fetch_add(1, Ordering::AcqRel);
            entries.clear();
        }
        let entry = Entry { user_id: user_id.map(str::to_owned), live };
        entries.insert(session_id.to_owned(), entry);
    }

    /// A session this process has just seen live in a transaction that began after
    /// `generation` was read: a sign-in or a refresh.
    pub(crate) fn remember_live(&self, generation: u64, session_id: &str, user_id: &str) {
        self.remember(generation, session_id, Some(user_id), true);
    }

    fn evict(&self, matches: impl Fn(&str, &Entry) -> bool) {
        let mut entries = self.0.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|id, entry| !matches(id, entry));
    }

    /// Forgets a session this process has just ended (after the commit): its next request reads
    /// the database, without waiting for the notification to come back.
    pub fn forget_session(&self, session_id: &str) {
        self.evict(|id, _| id == session_id);
    }

    /// Forgets every session of a user this process has just ended or deleted (after the
    /// commit).
    pub fn forget_user(&self, user_id: &str) {
        self.evict(|_, e| e.user_id.as_deref() == Some(user_id));
    }

    /// Forgets every cached state (the listener reconnected: notifications may have been lost).
    pub fn clear(&self) {
        self.evict(|_, _| true);
    }

    /// Applies one notification.
    pub fn apply(&self, channel: &str, payload: &str) {
        if channel == self.0.ping_channel {
            if let Ok(sent) = payload.parse::<u64>() {
                self.0.heard.fetch_max(sent, Ordering::AcqRel);
            }
            return;
        }
        if channel != CHANNEL {
            return;
        }
        match payload.split_once(':') {
            Some(("s", session_id)) => self.forget_session(session_id),
            Some(("u", user_id)) => self.forget_user(user_id),
            // Not ours to understand (a newer version's?): forget everything, to be safe.
            _ => self.clear(),
        }
    }

    /// Records a heartbeat as received now (for tests of the trust window).
    #[cfg(test)]
    fn heard_now(&self) {
        self.0.heard.store(self.now_ms(), Ordering::Release);
    }
}

/// Whether the session of a valid access token is live: UNAUTHENTICATED when it ended, belongs
/// to another user, or no longer exists (its user was deleted). One primary-key read when the
/// answer is not cached.
pub async fn check(services: &Services, token: &VerifiedToken) -> Result<(), DomainError> {
    check_in(&services.sessions, &services.db, token).await
}

/// [`check`] with its two parts named (the benchmark times it alone).
pub async fn check_in(
    states: &SessionStates,
    db: &DatabaseConnection,
    token: &VerifiedToken,
) -> Result<(), DomainError> {
    let live = match states.cached(&token.session_id, &token.user_id) {
        Some(live) => live,
        None => {
            let generation = states.generation();
            let row = session::Entity::find_by_id(token.session_id.clone()).one(db).await?;
            let owner = row.as_ref().map(|s| s.user_id.as_str());
            let live = row.as_ref().is_some_and(|s| s.ended_at.is_none());
            states.remember(generation, &token.session_id, owner, live);
            live && owner == Some(token.user_id.as_str())
        }
    };
    if live { Ok(()) } else { Err(DomainError::Unauthenticated) }
}

/// Starts a session for `user_id` with its first refresh token (stored as `token_hash`).
/// Returns the session's id.
pub(crate) async fn start(
    conn: &impl ConnectionTrait,
    user_id: &str,
    refresh_token_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<String, DomainError> {
    let session_id = crate::new_id();
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql::START_SESSION,
        [
            session_id.clone().into(),
            user_id.to_owned().into(),
            now.fixed_offset().into(),
            crate::new_id().into(),
            refresh_token_hash.into(),
            expires_at.fixed_offset().into(),
        ],
    );
    conn.execute_raw(statement).await?;
    Ok(session_id)
}

/// Ends the session that a refresh token (any of its rotations) belongs to; returns its id. An
/// unknown token, or one of a session already ended, ends nothing. The caller forgets the session
/// in this process's cache once committed ([`SessionStates::forget_session`]); the other
/// instances hear of it at commit.
pub(crate) async fn end_session_of_token(
    conn: &impl ConnectionTrait,
    refresh_token_hash: String,
) -> Result<Option<String>, DomainError> {
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql::END_SESSION_OF_TOKEN,
        [refresh_token_hash.into(), CHANNEL.into()],
    );
    let ended = conn.query_one_raw(statement).await?;
    Ok(ended.map(|row| row.try_get::<String>("", "session_id")).transpose()?)
}

/// Ends every live session of a user. The caller forgets them in this process's cache once
/// committed ([`SessionStates::forget_user`]); the other instances hear of it at commit.
pub(crate) async fn end_sessions_of_user(
    conn: &impl ConnectionTrait,
    user_id: &str,
) -> Result<(), DomainError> {
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql::END_SESSIONS_OF_USER,
        [user_id.to_owned().into(), CHANNEL.into()],
    );
    conn.execute_raw(statement).await?;
    Ok(())
}

/// Tells every instance, at commit, that the user's sessions are gone (the account is being
/// deleted, and its session rows with it).
pub(crate) async fn notify_user_deleted(
    conn: &impl ConnectionTrait,
    user_id: &str,
) -> Result<(), DomainError> {
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql::NOTIFY,
        [CHANNEL.into(), format!("u:{user_id}").into()],
    );
    conn.execute_raw(statement).await?;
    Ok(())
}

/// Rows deleted by [`purge_expired`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub refresh_tokens: u64,
    pub sessions: u64,
}

/// Rows deleted per statement: short statements, short locks.
const PURGE_BATCH: i64 = 5_000;

/// Deletes the refresh tokens past their expiry, then the sessions left with none.
///
/// No grace period after expiry is needed. `accounts::refresh` refuses an expired token before it
/// looks at anything else, so an expired row can never again trigger the reuse (theft) detection,
/// and a deleted row gets the same UNAUTHENTICATED as an expired one: deleting at expiry changes
/// no answer. Rotated tokens that have not expired are kept: presenting one is exactly what the
/// reuse detection looks for. A session with no token left cannot be refreshed, and its newest
/// access token was issued at its last refresh, at least `REFRESH_TOKEN_TTL_DAYS` (one day or
/// more) before its last token expired, so it has expired too (`ACCESS_TOKEN_TTL_SECS` is at most
/// a day): deleting the session refuses nothing that was still accepted. (Expiry is compared
/// with the database's clock here and the server's in `refresh`; a skew only moves which of the
/// two refuses a token that is refused either way.)
pub async fn purge_expired(conn: &impl ConnectionTrait) -> Result<Purged, DomainError> {
    let mut purged = Purged::default();
    for (statement, count) in [
        (sql::PURGE_EXPIRED_REFRESH_TOKENS, &mut purged.refresh_tokens),
        (sql::PURGE_EMPTIED_SESSIONS, &mut purged.sessions),
    ] {
        loop {
            let batch = Statement::from_sql_and_values(
                DbBackend::Postgres,
                statement,
                [PURGE_BATCH.into()],
            );
            let deleted = conn.execute_raw(batch).await?.rows_affected();
            *count += deleted;
            if deleted < PURGE_BATCH as u64 {
                break;
            }
        }
    }
    Ok(purged)
}

/// Keeps `states` in step with the database: listens on [`CHANNEL`] and this process's heartbeat
/// channel, over a connection of `pool` (its own pool, one connection), and applies every
/// notification. Reconnects when the connection drops or falls silent, and clears the cache each
/// time it (re)connects. Runs until its task is dropped.
pub async fn listen(pool: PgPool, states: SessionStates) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let mut listener = match subscribe(&pool, &states).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "the session listener cannot connect: checking every session in the database until it does");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(SILENCE);
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        // Ends notified while no listener was connected were lost.
        states.clear();
        loop {
            match tokio::time::timeout(SILENCE, listener.try_recv()).await {
                Ok(Ok(Some(notification))) => {
                    states.apply(notification.channel(), notification.payload());
                }
                // sqlx reconnected (and listens again) after the connection dropped.
                Ok(Ok(None)) => {
                    tracing::warn!("the session listener lost its connection and reconnected");
                    states.clear();
                }
                Ok(Err(err)) => {
                    tracing::warn!(error = %err, "the session listener failed: reconnecting");
                    break;
                }
                Err(_) => {
                    tracing::warn!(
                        "the session listener heard nothing for {}s: reconnecting",
                        SILENCE.as_secs()
                    );
                    break;
                }
            }
        }
        drop(listener);
        tokio::time::sleep(backoff).await;
    }
}

async fn subscribe(
    pool: &PgPool,
    states: &SessionStates,
) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen_all([CHANNEL, states.ping_channel()]).await?;
    Ok(listener)
}

/// Sends this process's heartbeat every [`HEARTBEAT`] over `pool` (not the request pool, so that
/// a busy server does not delay it), stamped with its sending time. Runs until its task is
/// dropped.
pub async fn heartbeat(pool: PgPool, states: SessionStates) {
    let mut ticker = tokio::time::interval(HEARTBEAT);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        ticker.tick().await;
        let sent = states.now_ms().to_string();
        let ping =
            sea_orm::sqlx::query(sql::NOTIFY).bind(states.ping_channel()).bind(sent).execute(&pool);
        match tokio::time::timeout(STALENESS_BOUND, ping).await {
            Ok(Ok(_)) if failing => {
                tracing::info!("session heartbeats are sent again");
                failing = false;
            }
            Ok(Ok(_)) => {}
            Ok(Err(err)) if !failing => {
                tracing::warn!(error = %err, "cannot send a session heartbeat: checking every session in the database meanwhile");
                failing = true;
            }
            Err(_) if !failing => {
                tracing::warn!(
                    "a session heartbeat took over a second: checking every session in the database meanwhile"
                );
                failing = true;
            }
            Ok(Err(_)) | Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted() -> SessionStates {
        let states = SessionStates::new();
        states.heard_now();
        states
    }

    #[test]
    fn nothing_is_trusted_before_a_heartbeat_comes_back() {
        let states = SessionStates::new();
        states.remember(states.generation(), "s1", Some("u1"), true);
        assert!(!states.is_trusted());
        assert_eq!(states.cached("s1", "u1"), None);
        let sent = states.now_ms();
        states.apply(states.ping_channel(), &sent.to_string());
        assert_eq!(states.cached("s1", "u1"), Some(true));
        // Another process's heartbeat says nothing about this one.
        let other = SessionStates::new();
        other.apply(&format!("{CHANNEL}_ping_someone_else"), &other.now_ms().to_string());
        assert!(!other.is_trusted());
    }

    #[test]
    fn a_heartbeat_sent_over_a_second_ago_is_not_enough() {
        let states = SessionStates::new();
        std::thread::sleep(STALENESS_BOUND + Duration::from_millis(50));
        // Received now, but sent at the very start: ends since then may still be in flight.
        states.apply(states.ping_channel(), "1");
        assert!(!states.is_trusted());
    }

    #[test]
    fn notifications_evict_one_session_or_every_session_of_a_user() {
        let states = trusted();
        for (session, user) in [("s1", "u1"), ("s2", "u1"), ("s3", "u2")] {
            states.remember(states.generation(), session, Some(user), true);
        }
        states.apply(CHANNEL, "s:s1");
        assert_eq!(states.cached("s1", "u1"), None);
        assert_eq!(states.cached("s2", "u1"), Some(true));
        states.apply(CHANNEL, "u:u1");
        assert_eq!(states.cached("s2", "u1"), None);
        assert_eq!(states.cached("s3", "u2"), Some(true));
        // A token of another user than the session's is refused.
        assert_eq!(states.cached("s3", "u1"), Some(false));
        states.apply(CHANNEL, "something new");
        assert_eq!(states.cached("s3", "u2"), None, "an unknown payload clears everything");
    }

    #[test]
    fn a_read_that_began_before_an_eviction_is_not_cached() {
        let states = trusted();
        let before = states.generation();
        // The session ends (and is evicted) while its state is being read ...
        states.apply(CHANNEL, "s:s1");
        // ... so what the read saw may be the state from before the end.
        states.remember(before, "s1", Some("u1"), true);
        assert_eq!(states.cached("s1", "u1"), None);
        states.remember(states.generation(), "s1", Some("u1"), false);
        assert_eq!(states.cached("s1", "u1"), Some(false));
    }

    #[test]
    fn a_reconnection_forgets_everything() {
        let states = trusted();
        states.remember(states.generation(), "s1", Some("u1"), true);
        states.clear();
        assert_eq!(states.cached("s1", "u1"), None);
    }

    #[test]
    fn a_full_cache_starts_over() {
        let states = trusted();
        for i in 0..MAX_ENTRIES {
            states.remember(states.generation(), &format!("s{i}"), Some("u"), true);
        }
        states.remember(states.generation(), "one more", Some("u"), true);
        assert_eq!(states.cached("one more", "u"), Some(true));
        assert_eq!(states.cached("s0", "u"), None);
    }
}
