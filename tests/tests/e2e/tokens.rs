//! Access tokens that are not exactly right are refused, never treated as anonymous.
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;
use tests::{TEST_JWT_SECRET, TestApp, error_codes};

fn sign(claims: serde_json::Value, secret: &str, alg: jsonwebtoken::Algorithm) -> String {
    jsonwebtoken::encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret.as_bytes()))
        .unwrap()
}

/// The session id (`sid`) of a token the server issued.
fn session_of(access_token: &str) -> String {
    let payload = access_token.split('.').nth(1).unwrap();
    let payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    payload["sid"].as_str().unwrap().to_owned()
}

fn claims(sub: &str, sid: &str, exp_offset_secs: i64) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "sub": sub, "sid": sid, "iss": "tribe-api", "aud": "tribe-web", "iat": now, "exp": now + exp_offset_secs })
}

async fn assert_refused(app: &TestApp, authorization: &str, what: &str) {
    let response =
        app.graphql_with("{ health }", json!({}), &[("authorization", authorization)]).await;
    assert_eq!(response.status, 401, "{what}");
    assert!(response.headers.get("www-authenticate").is_some(), "{what}");
    assert_eq!(error_codes(&response.json()), vec!["UNAUTHENTICATED"], "{what}");
}

#[tokio::test]
async fn expired_tampered_foreign_none_and_malformed_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;

    // The genuine article works.
    let ok = app.graphql_as(&ada.access_token, "{ viewer { username } }", json!({})).await;
    assert_eq!(ok["data"]["viewer"]["username"], "ada");
    let sid = session_of(&ada.access_token);
    let claims = |sub: &str, exp_offset_secs| claims(sub, &sid, exp_offset_secs);
    let fresh = sign(claims(&ada.user_id, 600), TEST_JWT_SECRET, jsonwebtoken::Algorithm::HS256);
    let ok = app.graphql_as(&fresh, "{ viewer { username } }", json!({})).await;
    assert_eq!(ok["data"]["viewer"]["username"], "ada", "a token signed with the server's key");

    let expired = sign(claims(&ada.user_id, -120), TEST_JWT_SECRET, jsonwebtoken::Algorithm::HS256);
    assert_refused(&app, &format!("Bearer {expired}"), "expired").await;

    let mut parts: Vec<String> = ada.access_token.split('.').map(str::to_owned).collect();
    let payload = URL_SAFE_NO_PAD.decode(&parts[1]).unwrap();
    let mut payload: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    payload["sub"] = json!("01HACKERHACKERHACKERHACKER");
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    assert_refused(&app, &format!("Bearer {}", parts.join(".")), "tampered payload").await;

    let foreign = sign(
        claims(&ada.user_id, 600),
        "another-secret-another-secret-another",
        jsonwebtoken::Algorithm::HS256,
    );
    assert_refused(&app, &format!("Bearer {foreign}"), "signed with another key").await;

    let hs512 = sign(claims(&ada.user_id, 600), TEST_JWT_SECRET, jsonwebtoken::Algorithm::HS512);
    assert_refused(&app, &format!("Bearer {hs512}"), "another algorithm").await;

    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let none_claims = URL_SAFE_NO_PAD.encode(claims(&ada.user_id, 600).to_string());
    assert_refused(&app, &format!("Bearer {none_header}.{none_claims}."), "alg none").await;

    let wrong_audience = sign(
        json!({ "sub": ada.user_id, "iss": "tribe-api", "aud": "someone-else", "exp": chrono::Utc::now().timestamp() + 600 }),
        TEST_JWT_SECRET,
        jsonwebtoken::Algorithm::HS256,
    );
    assert_refused(&app, &format!("Bearer {wrong_audience}"), "wrong audience").await;

    // Signed with the server's key, but of no session, or of another user's session.
    let now = chrono::Utc::now().timestamp();
    let sessionless = sign(
        json!({ "sub": ada.user_id, "iss": "tribe-api", "aud": "tribe-web", "iat": now, "exp": now + 600 }),
        TEST_JWT_SECRET,
        jsonwebtoken::Algorithm::HS256,
    );
    assert_refused(&app, &format!("Bearer {sessionless}"), "no session").await;
    let unknown = sign(
        json!({ "sub": ada.user_id, "sid": "01HNOSESSIONNOSESSIONNOSES", "iss": "tribe-api", "aud": "tribe-web", "iat": now, "exp": now + 600 }),
        TEST_JWT_SECRET,
        jsonwebtoken::Algorithm::HS256,
    );
    assert_refused(&app, &format!("Bearer {unknown}"), "an unknown session").await;
    let bob = app.register("bob").await;
    let borrowed = sign(claims(&bob.user_id, 600), TEST_JWT_SECRET, jsonwebtoken::Algorithm::HS256);
    assert_refused(&app, &format!("Bearer {borrowed}"), "another user's session").await;

    for malformed in ["Bearer", "Bearer ", "Bearer abc", "Basic dXNlcjpwYXNz", &ada.access_token] {
        assert_refused(&app, malformed, malformed).await;
    }
}
