//! What a search box's text means: validated, and split so the statement can match the last,
//! unfinished word as a prefix ("kube" finds Kubernetes).
//!
//! The text reaches PostgreSQL only as bind parameters: `websearch_to_tsquery` reads the whole
//! text (quoted phrases, `or`, `-exclusion`; it never fails on any input), and the prefix form
//! `to_tsquery('english', word || ':*')` is given only a word of letters and digits, which cannot
//! carry an operator.
use crate::DomainError;

/// The most characters a search may have (after trimming).
pub const MAX_QUERY_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText {
    /// The whole text, for `websearch_to_tsquery`.
    pub full: String,
    /// The text before the last word, when the last word is matched as a prefix.
    pub head: String,
    /// The last word, when it may be unfinished: letters and digits only.
    pub prefix: Option<String>,
    /// The wanted words (no `-excluded` ones, no `or`), for telling which skills matched.
    pub wanted: String,
    /// The `-excluded` words as alternatives ("a or b"), so that rows found by skill or by
    /// meaning honour the exclusion too; empty for none.
    pub excluded: String,
}

/// Validates and splits a search text.
///
/// # Errors
/// BAD_USER_INPUT naming `field` for an empty or over-long text, or one with a control character.
pub fn parse(field: &str, raw: &str) -> Result<SearchText, DomainError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(DomainError::invalid(field, "Type something to search for."));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(DomainError::invalid(
            field,
            format!("A search can be at most {MAX_QUERY_CHARS} characters."),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "A search cannot contain control characters (such as NUL, tabs or line breaks).",
        ));
    }
    let (head, prefix) = match last_unfinished_word(text) {
        Some(start) => (text[..start].trim_end().to_owned(), Some(text[start..].to_owned())),
        None => (String::new(), None),
    };
    let wanted = text
        .split_whitespace()
        .filter(|w| !w.starts_with('-') && !w.eq_ignore_ascii_case("or"))
        .collect::<Vec<_>>()
        .join(" ");
    let excluded = text
        .split_whitespace()
        .filter_map(|w| w.strip_prefix('-'))
        .map(|w| w.trim_matches('"'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" or ");
    Ok(SearchText { full: text.to_owned(), head, prefix, wanted, excluded })
}

/// Where the last word starts, if it may still be being typed: a run of letters and digits at the
/// very end, standing alone (after a space or at the start), outside an open quote, not an
/// exclusion and not the operator `or`.
fn last_unfinished_word(text: &str) -> Option<usize> {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric())
        .last()
        .map(|(i, _)| i)?;
    let before = text[..start].chars().next_back();
    let stands_alone = before.is_none_or(char::is_whitespace);
    let in_open_quote = text.matches('"').count() % 2 == 1;
    let word = &text[start..];
    (stands_alone && !in_open_quote && !word.eq_ignore_ascii_case("or")).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix_of(text: &str) -> Option<String> {
        parse("query", text).unwrap().prefix
    }

    #[test]
    fn the_last_word_is_a_prefix_only_when_it_may_be_unfinished() {
        assert_eq!(prefix_of("kube"), Some("kube".into()));
        assert_eq!(prefix_of("  go kube  "), Some("kube".into()));
        let s = parse("query", "design sys").unwrap();
        assert_eq!((s.head.as_str(), s.prefix.as_deref()), ("design", Some("sys")));
        assert_eq!(prefix_of("python -djang"), None, "an exclusion is not a prefix");
        assert_eq!(prefix_of("\"design sys"), None, "inside an open quote");
        assert_eq!(prefix_of("\"design system\" kit"), Some("kit".into()));
        assert_eq!(prefix_of("react or"), None);
        assert_eq!(prefix_of("next.j"), None, "part of a longer token");
        assert_eq!(prefix_of("ci/cd "), None);
        assert_eq!(prefix_of("café"), Some("café".into()));
    }

    #[test]
    fn wanted_words_leave_out_exclusions_and_or() {
        let s = parse("q", "react or vue -angular -\"ruby\"").unwrap();
        assert_eq!(s.wanted, "react vue");
        assert_eq!(s.excluded, "angular or ruby");
        assert_eq!(parse("q", "react - vue").unwrap().excluded, "");
    }

    #[test]
    fn bad_input_names_the_field() {
        for bad in ["", "   ", "a\u{0}b", "tab\there", "line\nbreak"] {
            let err = parse("query", bad).unwrap_err();
            assert!(
                matches!(&err, DomainError::InvalidInput { field, .. } if field == "query"),
                "{bad:?}: {err:?}"
            );
        }
        assert!(parse("query", &"a".repeat(MAX_QUERY_CHARS)).is_ok());
        assert!(parse("query", &format!("  {}  ", "é".repeat(MAX_QUERY_CHARS))).is_ok());
        assert!(parse("query", &"a".repeat(MAX_QUERY_CHARS + 1)).is_err());
    }
}
