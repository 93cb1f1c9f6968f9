//! Accounts and sessions: register, login, refresh-token rotation, logout, password change.
use chrono::Utc;
use entity::{refresh_token, session, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use crate::auth::tokens::{self, AccessToken};
use crate::error::violated_unique_constraint;
use crate::events::Event;
use crate::rate_limit::Bucket;
use crate::{ConflictReason, DomainError, Services, events, new_id, sessions, validate};

/// What a successful authentication hands the client.
pub struct Session {
    pub access_token: AccessToken,
    pub refresh_token: String,
    pub user: user::Model,
}

pub struct Registration {
    pub email: String,
    pub username: String,
    pub password: String,
    pub display_name: String,
}

/// Where the request came from, for rate limits.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub ip: String,
}

pub async fn register(
    services: &Services,
    client: &ClientInfo,
    input: Registration,
) -> Result<Session, DomainError> {
    let email = validate::email(&input.email)?;
    let username = validate::username(&input.username)?;
    let display_name = validate::display_name(&input.display_name)?;
    validate::password("password", &input.password)?;
    // Counted before the hash, so registrations sent at once cannot all pass; given back if the
    // hasher is too busy to take it (nothing was attempted).
    let attempt = services.limiter.reserve(Bucket::RegistrationsPerIp, &client.ip)?;

    // Hash before opening the transaction: it is the slow part and holds no lock.
    let password_hash = services.hasher.hash(&input.password).await?;
    attempt.keep();
    let txn = services.db.begin().await?;
    ensure_free(&txn, &email, &username).await?;
    let now = Utc::now().fixed_offset();
    let user = user::ActiveModel {
        id: Set(new_id()),
        email: Set(email),
        password_hash: Set(Some(password_hash)),
        username: Set(username),
        display_name: Set(display_name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let user = user.insert(&txn).await.map_err(conflict_on_unique)?;
    let joined = Event::BuilderJoined { user_id: user.id.clone(), display_name, headline: None };
    events::record(&txn, &user.id, joined).await?;
    let session = start_session(services, &txn, user).await?;
    txn.commit().await?;
    Ok(session)
}

/// A friendly CONFLICT before the insert; the unique indexes still decide under concurrency.
async fn ensure_free(
    txn: &DatabaseTransaction,
    email: &str,
    username: &str,
) -> Result<(), DomainError> {
    let taken = user::Entity::find()
        .filter(
            user::Column::Email
                .eq(email)
                .or(Expr::cust_with_values("lower(username) = $1", [username.to_owned()])),
        )
        .all(txn)
        .await?;
    if taken.iter().any(|u| u.email == email) {
        return Err(email_taken());
    }
    if !taken.is_empty() {
        return Err(username_taken());
    }
    Ok(())
}

fn email_taken() -> DomainError {
    DomainError::conflict(ConflictReason::EmailTaken, "An account with this email already exists.")
}

fn username_taken() -> DomainError {
    DomainError::conflict(ConflictReason::UsernameTaken, "This username is taken.")
}

/// Turns a unique violation from the users table into the CONFLICT naming the field.
pub(crate) fn conflict_on_unique(err: sea_orm::DbErr) -> DomainError {
    match violated_unique_constraint(&err).as_deref() {
        Some("users_github_username_key" | "users_github_username_lower_key") => {
            DomainError::conflict(
                ConflictReason::GithubUsernameTaken,
                "Another builder has linked this GitHub username.",
            )
        }
        Some("users_email_key") => email_taken(),
        Some("users_username_key" | "users_username_lower_key") => username_taken(),
        _ => DomainError::from(err),
    }
}

/// Starts a session for `user` (`crate::sessions`): a new refresh token (stored hashed) and an
/// access token naming the session.
async fn start_session(
    services: &Services,
    conn: &impl ConnectionTrait,
    user: user::Model,
) -> Result<Session, DomainError> {
    let generation = services.sessions.generation();
    let refresh_token = tokens::new_refresh_token();
    let now = Utc::now();
    let hash = tokens::hash_refresh_token(&refresh_token);
    let session_id =
        sessions::start(conn, &user.id, hash, now, now + refresh_token_ttl(services)?).await?;
    let access_token = tokens::issue_access_token(&services.auth, &user.id, &session_id)?;
    // This instance knows the new session is live: its first request needs no database read.
    services.sessions.remember_live(generation, &session_id, &user.id);
    Ok(Session { access_token, refresh_token, user })
}

fn refresh_token_ttl(services: &Services) -> Result<chrono::Duration, DomainError> {
    chrono::Duration::from_std(services.auth.refresh_token_ttl).map_err(DomainError::internal)
}

/// A new refresh token in an existing session (a rotation).
async fn insert_refresh_token(
    services: &Services,
    conn: &impl ConnectionTrait,
    user_id: &str,
    session_id: &str,
) -> Result<(String, String), DomainError> {
    let token = tokens::new_refresh_token();
    let now = Utc::now();
    let id = new_id();
    refresh_token::ActiveModel {
        id: Set(id.clone()),
        user_id: Set(user_id.to_owned()),
        token_hash: Set(tokens::hash_refresh_token(&token)),
        expires_at: Set((now + refresh_token_ttl(services)?).fixed_offset()),
        revoked_at: Set(None),
        created_at: Set(now.fixed_offset()),
        replaced_by: Set(None),
        session_id: Set(session_id.to_owned()),
    }
    .insert(conn)
    .await?;
    Ok((token, id))
}

fn bad_credentials() -> DomainError {
    DomainError::InvalidInput {
        field: "login".into(),
        message: "The login or password is incorrect.".into(),
    }
}

/// The key of an account in the failed-password bucket: its id, so that its email and its
/// username share one allowance, and login, changePassword and deleteAccount share it too. A
/// login that names nobody is counted under the name (prefixed, so it can never be an id).
fn account_key(user_id: &str) -> String {
    format!("user:{user_id}")
}

fn unknown_login_key(login: &str) -> String {
    format!("login:{login}")
}

/// Checks `password` against `hash` under the failed-password limits: the attempt is counted
/// for the client's address, then for the account, before the (expensive, guessable) check; a
/// right password gives both back, a wrong one keeps them. A request refused for its account
/// still counts for its address, so one address hammering a locked account is soon stopped
/// before it costs even a lookup.
async fn verify_limited(
    services: &Services,
    client: &ClientInfo,
    account: &str,
    password: &str,
    hash: Option<&str>,
) -> Result<bool, DomainError> {
    let per_ip = services.limiter.reserve(Bucket::FailedLoginsPerIp, &client.ip)?;
    let per_account = match services.limiter.reserve(Bucket::FailedLoginsPerAccount, account) {
        Ok(reservation) => reservation,
        Err(limited) => {
            per_ip.keep();
            return Err(limited);
        }
    };
    // If this fails (the hasher is busy), both reservations are given back: nothing was checked.
    let valid = services.hasher.verify(password, hash).await?;
    if !valid {
        per_ip.keep();
        per_account.keep();
    }
    Ok(valid)
}

/// `login` is an email or a username. An unknown login and a wrong password get the same error
/// and take the same time (a password is verified either way).
pub async fn login(
    services: &Services,
    client: &ClientInfo,
    login: &str,
    password: &str,
) -> Result<Session, DomainError> {
    let login = login.trim().to_lowercase();
    if login.is_empty() || login.chars().count() > 255 || login.contains('\0') {
        return Err(bad_credentials());
    }
    if password.chars().count() > validate::PASSWORD_MAX_CHARS {
        return Err(bad_credentials());
    }
    // The address first: a flood from one address is stopped before it touches any account.
    services.limiter.check(Bucket::FailedLoginsPerIp, &client.ip)?;

    let column = if login.contains('@') { "email" } else { "lower(username)" };
    let found = user::Entity::find()
        .filter(Expr::cust_with_values(format!("{column} = $1"), [login.clone()]))
        .one(&services.db)
        .await?;
    let hash = found.as_ref().and_then(|u| u.password_hash.as_deref());
    let account = found.as_ref().map_or_else(|| unknown_login_key(&login), |u| account_key(&u.id));
    let valid = verify_limited(services, client, &account, password, hash).await?;
    let Some(user) = found.filter(|_| valid) else { return Err(bad_credentials()) };
    start_session(services, &services.db, user).await
}

fn invalid_refresh_token() -> DomainError {
    DomainError::Unauthenticated
}

/// Rotates a refresh token: the one presented stops working and a new pair is issued, in the same
/// session. A token that was already rotated and has not expired is treated as stolen: every
/// session of its user ends. An expired token is simply refused.
pub async fn refresh(
    services: &Services,
    client: &ClientInfo,
    token: &str,
) -> Result<Session, DomainError> {
    services.limiter.hit(Bucket::RefreshesPerIp, &client.ip)?;
    if token.is_empty() || token.len() > 128 {
        return Err(invalid_refresh_token());
    }
    let generation = services.sessions.generation();
    let txn = services.db.begin().await?;
    // FOR UPDATE: two concurrent refreshes with one token are serialised; the second sees it
    // rotated.
    let stored = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::hash_refresh_token(token)))
        .lock_exclusive()
        .one(&txn)
        .await?;
    let Some(stored) = stored else { return Err(invalid_refresh_token()) };
    // Expiry first: an expired token is refused whatever else it is. Only a live rotated token is
    // evidence of theft, which is also why the purge may delete rows as soon as they expire.
    if stored.expires_at < Utc::now() {
        return Err(invalid_refresh_token());
    }
    if stored.replaced_by.is_some() {
        tracing::warn!(user_id = %stored.user_id, "a rotated refresh token was presented again: ending every session");
        sessions::end_sessions_of_user(&txn, &stored.user_id).await?;
        txn.commit().await?;
        services.sessions.forget_user(&stored.user_id);
        return Err(invalid_refresh_token());
    }
    if stored.revoked_at.is_some() {
        return Err(invalid_refresh_token());
    }
    // The session may have ended while this token lay unused (logout, logoutEverywhere, …). If it
    // ends concurrently, after this read, the pair issued here dies with it all the same: its
    // access token is refused by `sessions::check` and its refresh token right here.
    let live = session::Entity::find_by_id(stored.session_id.clone())
        .one(&txn)
        .await?
        .is_some_and(|s| s.ended_at.is_none());
    if !live {
        return Err(invalid_refresh_token());
    }
    let user = user::Entity::find_by_id(stored.user_id.clone())
        .one(&txn)
        .await?
        .ok_or_else(invalid_refresh_token)?;
    let (new_token, new_id) =
        insert_refresh_token(services, &txn, &user.id, &stored.session_id).await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::current_timestamp())
        .col_expr(refresh_token::Column::ReplacedBy, Expr::value(new_id))
        .filter(refresh_token::Column::Id.eq(stored.id))
        .exec(&txn)
        .await?;
    let access_token = tokens::issue_access_token(&services.auth, &user.id, &stored.session_id)?;
    txn.commit().await?;
    services.sessions.remember_live(generation, &stored.session_id, &user.id);
    Ok(Session { access_token, refresh_token: new_token, user })
}

/// Ends the session of a refresh token (whichever of its rotations it is): its refresh tokens and
/// its access tokens stop working at once, on every instance. Idempotent: an unknown token or an
/// ended session is not an error, so a client can always log out.
pub async fn logout(services: &Services, token: &str) -> Result<(), DomainError> {
    let ended =
        sessions::end_session_of_token(&services.db, tokens::hash_refresh_token(token)).await?;
    if let Some(session_id) = ended {
        services.sessions.forget_session(&session_id);
    }
    Ok(())
}

/// Ends every session of the viewer, this one included.
pub async fn logout_everywhere(services: &Services, user_id: &str) -> Result<(), DomainError> {
    sessions::end_sessions_of_user(&services.db, user_id).await?;
    services.sessions.forget_user(user_id);
    Ok(())
}

/// Changes the password, ends every session and starts a new one for the caller.
pub async fn change_password(
    services: &Services,
    client: &ClientInfo,
    user_id: &str,
    current: &str,
    new: &str,
) -> Result<Session, DomainError> {
    validate::password("newPassword", new)?;
    let user = user::Entity::find_by_id(user_id.to_owned())
        .one(&services.db)
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    if current.chars().count() > validate::PASSWORD_MAX_CHARS
        || !verify_limited(
            services,
            client,
            &account_key(&user.id),
            current,
            user.password_hash.as_deref(),
        )
        .await?
    {
        return Err(DomainError::invalid("currentPassword", "The current password is incorrect."));
    }
    let hash = services.hasher.hash(new).await?;
    let txn = services.db.begin().await?;
    let mut active: user::ActiveModel = user.into();
    active.password_hash = Set(Some(hash));
    let user = active.update(&txn).await?;
    sessions::end_sessions_of_user(&txn, &user.id).await?;
    let session = start_session(services, &txn, user).await?;
    txn.commit().await?;
    services.sessions.forget_user(&session.user.id);
    Ok(session)
}

/// Deletes the account and everything it owns or appears in — projects, memberships,
/// collaborations, follows both ways, refresh tokens, its feed events and the events that point
/// at its projects or itself — in one transaction. Other people's shared data stays: each tribe
/// it owns passes to its longest-standing other active member, and only a tribe with nobody else
/// goes (with the events that point at it); each role it filled is open again.
pub async fn delete_account(
    services: &Services,
    client: &ClientInfo,
    user_id: &str,
    password: &str,
) -> Result<(), DomainError> {
    use entity::enums::TargetType;
    use entity::project;
    use sea_orm::QueryOrder;

    let user = user::Entity::find_by_id(user_id.to_owned())
        .one(&services.db)
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    if password.chars().count() > validate::PASSWORD_MAX_CHARS
        || !verify_limited(
            services,
            client,
            &account_key(&user.id),
            password,
            user.password_hash.as_deref(),
        )
        .await?
    {
        return Err(DomainError::invalid("password", "The password is incorrect."));
    }
    let txn = services.db.begin().await?;
    let projects: Vec<String> = project::Entity::find()
        .filter(project::Column::OwnerId.eq(user_id))
        .order_by_asc(project::Column::Id)
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    // Tribes with other active members are handed on, roles the account filled opened again;
    // the tribes it still owns afterwards have nobody else and go with it.
    let tribes = crate::membership::leave_every_tribe(&txn, user_id).await?;
    events::forget_target(&txn, TargetType::Project, projects).await?;
    events::forget_target(&txn, TargetType::Tribe, tribes).await?;
    events::forget_target(&txn, TargetType::User, vec![user_id.to_owned()]).await?;
    // Foreign keys cascade the rest: sessions and tokens, skills, projects and their
    // collaborators, the tribes it still owns with their members and roles, memberships,
    // collaborations, follows, events as actor.
    user::Entity::delete_by_id(user_id.to_owned()).exec(&txn).await?;
    // Every instance forgets the sessions at commit: their access tokens are refused at once.
    sessions::notify_user_deleted(&txn, user_id).await?;
    txn.commit().await?;
    services.sessions.forget_user(user_id);
    Ok(())
}
