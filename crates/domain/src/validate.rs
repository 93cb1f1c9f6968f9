//! Input validation: every failure names the input field, in the GraphQL (camelCase) spelling.
use crate::DomainError;

type Result<T> = std::result::Result<T, DomainError>;

pub const PASSWORD_MIN_CHARS: usize = 8;
/// The upper bound also caps what one login can cost in hashing.
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const BIO_MAX_CHARS: usize = 2000;
pub const MAX_CONTACT_LINKS: usize = 10;
pub const MAX_SKILLS: usize = crate::caps::MAX_SKILLS;

/// Rejects NUL bytes and other control characters (newlines and tabs are allowed where `multiline`).
fn check_text(field: &str, value: &str, multiline: bool) -> Result<()> {
    let bad = value
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r')));
    if bad {
        return Err(DomainError::invalid(field, format!("{field} contains control characters")));
    }
    Ok(())
}

/// A trimmed, non-empty, single-line text of at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DomainError::invalid(field, format!("{field} must not be empty")));
    }
    check_text(field, value, false)?;
    if value.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Like [`required_text`], but blank means "none".
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
    multiline: bool,
) -> Result<Option<String>> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    check_text(field, value, multiline)?;
    if value.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(Some(value.to_owned()))
}

/// Trimmed and lower-cased; one `@`, something before it, a dotted domain after it.
pub fn email(value: &str) -> Result<String> {
    let email = value.trim().to_lowercase();
    let valid = email.chars().count() <= 255
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            }
            None => false,
        };
    if !valid {
        return Err(DomainError::invalid("email", "email must be a valid email address"));
    }
    Ok(email)
}

/// 3 to 30 characters of a-z, 0-9 and underscore; upper case is folded to lower case.
pub fn username(value: &str) -> Result<String> {
    let username = value.trim().to_lowercase();
    let len = username.chars().count();
    if !(3..=30).contains(&len)
        || !username.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(DomainError::invalid(
            "username",
            "username must be 3 to 30 characters of a-z, 0-9 and _",
        ));
    }
    Ok(username)
}

pub fn password(field: &str, value: &str) -> Result<()> {
    let len = value.chars().count();
    if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&len) {
        return Err(DomainError::invalid(
            field,
            format!("{field} must be {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    if value.contains('\0') {
        return Err(DomainError::invalid(field, format!("{field} contains control characters")));
    }
    Ok(())
}

/// An absolute http or https URL, stored in its normalised form (scheme and host lower-cased,
/// IDN hosts in punycode, spaces and other unsafe characters percent-encoded, a default port
/// dropped), which must fit in `max` characters (the column's size). Refused: any other scheme,
/// no host, user names or passwords in the URL (`https://github.com@evil.example/` shows one
/// host and opens another), and control or invisible formatting characters anywhere.
pub fn url(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    let bad = || DomainError::invalid(field, format!("{field} must be an http or https URL"));
    // The URL parser silently drops tabs and newlines inside a URL; refuse them instead.
    if value.chars().any(|c| c.is_control() || is_invisible(c)) {
        return Err(DomainError::invalid(field, format!("{field} contains control characters")));
    }
    let too_long =
        || DomainError::invalid(field, format!("{field} must be at most {max} characters"));
    if value.chars().count() > max {
        return Err(too_long());
    }
    let parsed = url::Url::parse(value).map_err(|_| bad())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(DomainError::invalid(
            field,
            format!("{field} must not contain a user name or password"),
        ));
    }
    let normalised = String::from(parsed);
    if normalised.chars().count() > max {
        return Err(too_long());
    }
    Ok(normalised)
}

/// Characters that change how text around them is shown while showing nothing themselves:
/// zero-width space, joiners and direction marks (U+200B–U+200F), bidirectional embeddings and
/// overrides (U+202A–U+202E), the word joiner and invisible operators (U+2060–U+2064), bidi
/// isolates (U+2066–U+2069), the byte-order mark (U+FEFF) and the soft hyphen (U+00AD). In a name
/// they let two builders look alike or make text read backwards (docs/security.md, "Input").
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}')
}

/// A display name: like [`required_text`] (1 to 100 characters, one line), and no invisible
/// formatting characters ([`is_invisible`]).
pub fn display_name(value: &str) -> Result<String> {
    let name = required_text("displayName", value, 100)?;
    if name.chars().any(is_invisible) {
        return Err(DomainError::invalid(
            "displayName",
            "displayName must not contain invisible formatting characters (zero-width or \
             text-direction characters)",
        ));
    }
    Ok(name)
}

/// An IANA time zone name such as `Europe/Berlin`.
pub fn timezone(value: &str) -> Result<String> {
    let value = value.trim();
    if value.parse::<chrono_tz::Tz>().is_err() || value.len() > 50 {
        return Err(DomainError::invalid(
            "timezone",
            "timezone must be an IANA time zone name, such as Europe/Berlin",
        ));
    }
    Ok(value.to_owned())
}

/// GitHub's rules: 1 to 39 characters of letters, digits and single hyphens, not at either end.
pub fn github_username(value: &str) -> Result<String> {
    let value = value.trim();
    let valid = (1..=39).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-')
        && !value.contains("--");
    if !valid {
        return Err(DomainError::invalid(
            "githubUsername",
            "githubUsername is not a valid GitHub username",
        ));
    }
    Ok(value.to_owned())
}

/// A JSON object of at most 10 links: keys of 1 to 30 characters of a-z, 0-9 and _, values http(s)
/// URLs.
pub fn links(field: &str, value: &serde_json::Value) -> Result<serde_json::Value> {
    let object = value.as_object().ok_or_else(|| {
        DomainError::invalid(
            field,
            format!("{field} must be an object such as {{\"github\": \"https://github.com/you\"}}"),
        )
    })?;
    if object.len() > MAX_CONTACT_LINKS {
        return Err(DomainError::invalid(
            field,
            format!("{field} may have at most {MAX_CONTACT_LINKS} links"),
        ));
    }
    let mut links = serde_json::Map::new();
    for (key, link) in object {
        check_key(field, key)?;
        let link = link.as_str().ok_or_else(|| {
            DomainError::invalid(field, format!("{field}.{key} must be a URL string"))
        })?;
        let link = url(field, link, 500).map_err(|_| {
            DomainError::invalid(field, format!("{field}.{key} must be an http or https URL"))
        })?;
        links.insert(key.clone(), serde_json::Value::String(link));
    }
    Ok(serde_json::Value::Object(links))
}

fn check_key(field: &str, key: &str) -> Result<()> {
    let valid = (1..=30).contains(&key.len())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        let shown: String = key.chars().take(40).collect();
        return Err(DomainError::invalid(
            field,
            format!("{field} key '{shown}' must be 1 to 30 characters of a-z, 0-9 and _"),
        ));
    }
    Ok(())
}

pub fn contact_links(value: &serde_json::Value) -> Result<serde_json::Value> {
    links("contactLinks", value)
}

/// At most 10 metrics: keys like link keys, values numbers or texts of at most 100 characters.
pub fn impact_metrics(value: &serde_json::Value) -> Result<serde_json::Value> {
    let field = "impactMetrics";
    let object = value.as_object().ok_or_else(|| {
        DomainError::invalid(field, "impactMetrics must be an object such as {\"users\": 1200}")
    })?;
    if object.len() > 10 {
        return Err(DomainError::invalid(field, "impactMetrics may have at most 10 metrics"));
    }
    for (key, metric) in object {
        check_key(field, key)?;
        let ok = metric.is_number()
            || metric.as_str().is_some_and(|s| s.chars().count() <= 100 && !s.contains('\0'));
        if !ok {
            return Err(DomainError::invalid(
                field,
                format!("impactMetrics.{key} must be a number or a short text"),
            ));
        }
    }
    Ok(value.clone())
}

/// A list of at most `max` distinct, trimmed, non-empty strings of at most 50 characters.
pub fn short_strings(field: &str, values: &[String], max: usize) -> Result<Vec<String>> {
    if values.len() > max {
        return Err(DomainError::invalid(field, format!("{field} may have at most {max} entries")));
    }
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let value = required_text(field, value, 50)?;
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(out)
}

/// `owner/name` as GitHub spells repositories.
pub fn github_repo_full_name(value: &str) -> Result<String> {
    let value = value.trim();
    let valid = value.len() <= 200
        && match value.split_once('/') {
            Some((owner, name)) => {
                github_username(owner).is_ok()
                    && (1..=100).contains(&name.len())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            }
            None => false,
        };
    if !valid {
        return Err(DomainError::invalid(
            "githubRepoFullName",
            "githubRepoFullName must look like owner/name",
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<impl std::fmt::Debug>) -> String {
        match result {
            Err(DomainError::InvalidInput { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email("  Maya@Example.COM ").unwrap(), "maya@example.com");
        for bad in [
            "",
            "maya",
            "maya@",
            "@example.com",
            "maya@example",
            "ma ya@example.com",
            "a@b@c.com",
            "maya@.com",
        ] {
            assert_eq!(field_of(email(bad)), "email", "{bad}");
        }
    }

    #[test]
    fn usernames_fold_case_and_allow_only_a_z_0_9_underscore() {
        assert_eq!(username("Maya_Chen1").unwrap(), "maya_chen1");
        for bad in ["ab", "a".repeat(31).as_str(), "maya-chen", "maya chen", "mäya"] {
            assert_eq!(field_of(username(bad)), "username", "{bad}");
        }
    }

    #[test]
    fn passwords_are_8_to_128_characters() {
        assert!(password("password", "12345678").is_ok());
        assert!(password("password", &"é".repeat(128)).is_ok());
        assert_eq!(field_of(password("password", "1234567")), "password");
        assert_eq!(field_of(password("newPassword", &"x".repeat(129))), "newPassword");
    }

    #[test]
    fn urls_timezones_and_links() {
        assert!(url("avatarUrl", "https://example.com/a.png", 500).is_ok());
        for bad in ["ftp://example.com", "javascript:alert(1)", "example.com", "https://"] {
            assert_eq!(field_of(url("avatarUrl", bad, 500)), "avatarUrl", "{bad}");
        }
        assert_eq!(timezone("Europe/Berlin").unwrap(), "Europe/Berlin");
        assert_eq!(field_of(timezone("Mars/Olympus")), "timezone");
        assert!(contact_links(&serde_json::json!({"github": "https://github.com/x"})).is_ok());
        assert_eq!(field_of(contact_links(&serde_json::json!(["x"]))), "contactLinks");
        assert_eq!(
            field_of(contact_links(&serde_json::json!({"Bad Key": "https://x.io"}))),
            "contactLinks"
        );
        assert_eq!(field_of(contact_links(&serde_json::json!({"site": "nope"}))), "contactLinks");
        assert_eq!(field_of(github_username("-bad")), "githubUsername");
        assert_eq!(field_of(required_text("displayName", "a\0b", 100)), "displayName");
    }

    #[test]
    fn urls_are_stored_normalised() {
        let cases = [
            ("  HTTPS://Example.COM:443/a b?q=1#top ", "https://example.com/a%20b?q=1#top"),
            ("http://example.com", "http://example.com/"),
            ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
            ("https://example.com/%7Euser", "https://example.com/%7Euser"),
        ];
        for (input, stored) in cases {
            assert_eq!(url("avatarUrl", input, 500).unwrap(), stored, "{input}");
        }
        for bad in [
            "https://exa\tmple.com/",
            "https://example.com/\na",
            "https://example.com/\u{202E}gpj.exe",
            "https://user:pw@example.com/",
            "https://github.com@evil.example/",
            "data:text/html,hi",
            "file:///etc/passwd",
            "http://",
            "https://:443/",
        ] {
            assert_eq!(field_of(url("avatarUrl", bad, 500)), "avatarUrl", "{bad:?}");
        }
        // The column's size holds for the stored (percent-encoded) form.
        let spaces = format!("https://example.com/{}x", " ".repeat(200));
        assert!(spaces.chars().count() <= 500);
        assert_eq!(field_of(url("avatarUrl", &spaces, 500)), "avatarUrl");
        // Links inside JSON are normalised the same way.
        let links = contact_links(&serde_json::json!({"site": "HTTPS://Example.com"})).unwrap();
        assert_eq!(links["site"], "https://example.com/");
    }

    #[test]
    fn display_names_refuse_invisible_characters() {
        assert_eq!(display_name("  Maya Chen ").unwrap(), "Maya Chen");
        assert_eq!(display_name("مايا").unwrap(), "مايا");
        for bad in [
            "Maya\u{200B}Chen",
            "\u{202E}nehC ayaM",
            "Maya\u{2066}x\u{2069}",
            "\u{FEFF}Maya",
            "Ma\u{00AD}ya",
            "Maya\u{200D}",
            "Maya\u{200F}",
        ] {
            assert_eq!(field_of(display_name(bad)), "displayName", "{bad:?}");
        }
        // Usernames are a-z, 0-9 and _ only, so none of these can get in there either.
        assert_eq!(field_of(username("maya\u{200B}")), "username");
    }
}
