//! Keyset pagination: opaque, versioned, validated cursors and pages of `first + 1` rows.
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use crate::DomainError;

pub const DEFAULT_PAGE_SIZE: usize = 20;
pub const MAX_PAGE_SIZE: usize = 100;

/// Past every ULID (Crockford base32 tops out at 'Z'): "before the end" for a first page.
pub const AFTER_NEWEST: &str = "ZZZZZZZZZZZZZZZZZZZZZZZZZZ";

/// Where a page starts: after this key, in newest-first order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// A row ordered by its ULID id.
    Id(String),
    /// A row ordered by a timestamp, ties broken by a ULID (follows).
    Timed { at: DateTime<Utc>, id: String },
    /// A position in a ranked list (search, matching), valid only for the list whose
    /// fingerprint it carries: the same request gives the same order, so positions are stable.
    Ranked { position: usize, fingerprint: String },
}

fn is_ulid(s: &str) -> bool {
    s.len() == 26 && s.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

impl Cursor {
    pub fn encode(&self) -> String {
        let raw = match self {
            Self::Id(id) => format!("v1:{id}"),
            Self::Timed { at, id } => format!("v1:{}:{id}", at.timestamp_micros()),
            Self::Ranked { position, fingerprint } => format!("v1:r:{position}:{fingerprint}"),
        };
        URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn decode(cursor: &str) -> Result<Self, DomainError> {
        let bad = || {
            DomainError::invalid(
                "after",
                "The cursor is not valid: use a cursor from a previous page.",
            )
        };
        if cursor.len() > 128 {
            return Err(bad());
        }
        let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let rest = raw.strip_prefix("v1:").ok_or_else(bad)?;
        if let Some(ranked) = rest.strip_prefix("r:") {
            let (position, fingerprint) = ranked.split_once(':').ok_or_else(bad)?;
            let position: usize = position.parse().map_err(|_| bad())?;
            if fingerprint.is_empty() || !fingerprint.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(bad());
            }
            return Ok(Self::Ranked { position, fingerprint: fingerprint.to_owned() });
        }
        match rest.split_once(':') {
            None if is_ulid(rest) => Ok(Self::Id(rest.to_owned())),
            Some((micros, id)) if is_ulid(id) => {
                let micros: i64 = micros.parse().map_err(|_| bad())?;
                let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
                Ok(Self::Timed { at, id: id.to_owned() })
            }
            _ => Err(bad()),
        }
    }

    /// The id bound of an id-ordered page (the first page starts past every id).
    pub fn id_bound(cursor: Option<&Self>) -> Result<String, DomainError> {
        match cursor {
            None => Ok(AFTER_NEWEST.to_owned()),
            Some(Self::Id(id)) => Ok(id.clone()),
            Some(Self::Timed { .. } | Self::Ranked { .. }) => Err(another_list()),
        }
    }
}

fn another_list() -> DomainError {
    DomainError::invalid("after", "This cursor belongs to another list.")
}

impl Cursor {
    /// Where a page of the ranked list with `fingerprint` starts (0 for the first page).
    pub fn position_in(cursor: Option<&Self>, fingerprint: &str) -> Result<usize, DomainError> {
        match cursor {
            None => Ok(0),
            Some(Self::Ranked { position, fingerprint: f }) if f == fingerprint => Ok(position + 1),
            Some(_) => Err(another_list()),
        }
    }
}

/// A validated page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub first: usize,
    pub after: Option<Cursor>,
}

impl PageRequest {
    /// `first` defaults to 20 and must be 0 to 100; `after` must be a cursor this API issued.
    pub fn new(first: Option<i32>, after: Option<&str>) -> Result<Self, DomainError> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (0..=MAX_PAGE_SIZE as i32).contains(&n) => n as usize,
            Some(_) => {
                return Err(DomainError::invalid(
                    "first",
                    format!("first must be between 0 and {MAX_PAGE_SIZE}."),
                ));
            }
        };
        let after = after.map(Cursor::decode).transpose()?;
        Ok(Self { first, after })
    }

    /// Rows to fetch: one more than asked, to know whether there is a next page.
    pub fn limit(&self) -> u64 {
        self.first as u64 + 1
    }
}

/// One page, newest first.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<(Cursor, T)>,
    pub has_next_page: bool,
    /// Forward pagination only: true when the page starts after a cursor.
    pub has_previous_page: bool,
}

impl<T> Page<T> {
    /// Builds a page from `limit()` rows fetched newest first.
    pub fn from_rows(
        request: &PageRequest,
        mut rows: Vec<T>,
        cursor_of: impl Fn(&T) -> Cursor,
    ) -> Self {
        let has_next_page = rows.len() > request.first;
        rows.truncate(request.first);
        Self {
            items: rows.into_iter().map(|row| (cursor_of(&row), row)).collect(),
            has_next_page,
            has_previous_page: request.after.is_some(),
        }
    }

    pub fn map<U>(self, f: impl Fn(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = Cursor::Id("01M7X1V080BXG5G0WARKB74X80".into());
        assert_eq!(Cursor::decode(&id.encode()).unwrap(), id);
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
        let timed = Cursor::Timed { at, id: "01M7X1V080BXG5G0WARKB74X80".into() };
        assert_eq!(Cursor::decode(&timed.encode()).unwrap(), timed);
        for bad in [
            "",
            "abc",
            "djE6",
            "djI6MDFNN1gxVjA4MEJYRzVHMFdBUktCNzRYODA",
            &URL_SAFE_NO_PAD.encode("v1:' OR 1=1 --"),
        ] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn page_sizes_default_and_are_bounded() {
        assert_eq!(PageRequest::new(None, None).unwrap().first, 20);
        assert_eq!(PageRequest::new(Some(0), None).unwrap().first, 0);
        assert_eq!(PageRequest::new(Some(100), None).unwrap().first, 100);
        assert!(PageRequest::new(Some(101), None).is_err());
        assert!(PageRequest::new(Some(-1), None).is_err());
    }
}
