//! `search`: builders, projects and tribes for a search box's text, hybrid-ranked, with what
//! matched.
//!
//! Per kind, one statement fuses ranked lists by Reciprocal Rank Fusion (Σ 1/(60 + position)):
//! full text (`ts_rank_cd` over the weighted `search_vector`), nearest vectors of the current
//! model (HNSW, iterative scan) and, for builders, the skills that match; projects whose tech
//! stack and tribes whose open roles name what was searched gain one more first place. The kinds'
//! lists are merged by score, ties broken by kind and id, so the same request always gives the
//! same order and pages never repeat or skip a hit. A second statement per kind reads the
//! snippets and matched entries of the page's hits only.
use entity::enums::{AvailabilityStatus, ProjectStatus, TribeStatus, UserRole};
use sea_orm::{
    ActiveEnum, ConnectionTrait, DbBackend, FromQueryResult, Statement, TransactionTrait, Value,
};

use super::query::{self, SearchText};
use super::{fingerprint, rounded};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::{DomainError, Services, sql};

type Result<T> = std::result::Result<T, DomainError>;

/// At most this many skill slugs or tech entries in a filter.
pub const MAX_FILTER_ENTRIES: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SearchKind {
    User,
    Project,
    Tribe,
}

impl SearchKind {
    pub const ALL: [SearchKind; 3] = [SearchKind::User, SearchKind::Project, SearchKind::Tribe];
}

/// Filters; each applies to its own kind and leaves the other kinds alone.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Builders with one of these roles.
    pub roles: Vec<UserRole>,
    /// Builders with one of these availabilities.
    pub availability: Vec<AvailabilityStatus>,
    /// Builders with every one of these skills (slugs).
    pub skills: Vec<String>,
    /// Projects with one of these statuses.
    pub project_status: Vec<ProjectStatus>,
    /// Projects whose tech stack has every one of these (case-insensitive).
    pub tech: Vec<String>,
    /// Tribes with one of these statuses.
    pub tribe_status: Vec<TribeStatus>,
    /// Tribes with (true) or without (false) an unfilled open role.
    pub has_open_role: Option<bool>,
}

/// A part of a snippet: matched words are `highlighted`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetPart {
    pub text: String,
    pub highlighted: bool,
}

/// One hit: what was found and why.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub kind: SearchKind,
    pub id: String,
    /// The fused score (higher first); comparable within one search only.
    pub score: f64,
    /// Matched by its words (full text).
    pub by_text: bool,
    /// Matched by a skill (builders), tech-stack entry (projects) or open role's skill (tribes).
    pub by_skill: bool,
    /// Cosine similarity to the query, when it was among the nearest in meaning.
    pub similarity: Option<f64>,
    /// The text around the matched words (or the text's start, for a match in meaning only).
    pub snippet: Vec<SnippetPart>,
    /// Skills, tech-stack entries or open roles' skills that match the query.
    pub matched: Vec<String>,
}

/// What a search statement found for one row: the evidence of each ranked list it is in.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Evidence {
    pub id: String,
    /// `ts_rank_cd` of a full-text match.
    pub text_rank: Option<f64>,
    /// The name (display name or username, title, tribe name) matched.
    pub name_match: bool,
    /// How many skills, tech entries or open roles' skills match.
    pub skill_matches: Option<i64>,
    /// Cosine similarity, for a row among the nearest in meaning.
    pub similarity: Option<f64>,
}

/// Reciprocal Rank Fusion's constant: a first place is worth 1/61, a tenth 1/70.
pub const RRF_K: f64 = 60.0;

/// Fuses the evidence of every kind into one ranking, best first.
///
/// Four ranked lists, each over all kinds at once, so that kinds compete on the same evidence:
/// full text (by `ts_rank_cd`), name matches (by `ts_rank_cd`), skill and tech matches (by how
/// many), and meaning (by similarity). A row scores Σ 1/(60 + position) over the lists it is in.
/// Every order breaks ties by kind and id, so the same evidence always gives the same ranking.
pub fn fuse(rows: Vec<(SearchKind, Evidence)>) -> Vec<(SearchKind, Evidence, f64)> {
    let mut scores = vec![0f64; rows.len()];
    let key = |i: usize| (rows[i].0, rows[i].1.id.as_str());
    let text = |i: usize| rows[i].1.text_rank.unwrap_or(f64::NEG_INFINITY);
    let mut add_list =
        |members: Vec<usize>, better: &dyn Fn(usize, usize) -> std::cmp::Ordering| {
            let mut members = members;
            members.sort_by(|&a, &b| better(a, b).then_with(|| key(a).cmp(&key(b))));
            for (position, i) in members.into_iter().enumerate() {
                scores[i] += 1.0 / (RRF_K + 1.0 + position as f64);
            }
        };
    let all = 0..rows.len();
    add_list(all.clone().filter(|&i| rows[i].1.text_rank.is_some()).collect(), &|a, b| {
        text(b).total_cmp(&text(a))
    });
    add_list(all.clone().filter(|&i| rows[i].1.name_match).collect(), &|a, b| {
        text(b).total_cmp(&text(a))
    });
    add_list(
        all.clone().filter(|&i| rows[i].1.skill_matches.unwrap_or(0) > 0).collect(),
        &|a, b| {
            rows[b].1.skill_matches.cmp(&rows[a].1.skill_matches).then(text(b).total_cmp(&text(a)))
        },
    );
    let similarity = |i: usize| rows[i].1.similarity.unwrap_or(f64::NEG_INFINITY);
    add_list(all.filter(|&i| rows[i].1.similarity.is_some()).collect(), &|a, b| {
        similarity(b).total_cmp(&similarity(a))
    });
    let mut fused: Vec<(SearchKind, Evidence, f64)> =
        rows.into_iter().zip(scores).map(|((kind, e), score)| (kind, e, score)).collect();
    fused.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then_with(|| a.1.id.cmp(&b.1.id)));
    fused
}

#[derive(Debug, FromQueryResult)]
struct DetailRow {
    id: String,
    snippet: Option<String>,
    matched: Vec<String>,
}

fn enum_values<E: ActiveEnum<Value = String>>(values: &[E]) -> Option<Vec<String>> {
    (!values.is_empty()).then(|| values.iter().map(ActiveEnum::to_value).collect())
}

fn entries(field: &str, values: &[String]) -> Result<Option<Vec<String>>> {
    if values.len() > MAX_FILTER_ENTRIES {
        return Err(DomainError::invalid(
            field,
            format!("A filter can name at most {MAX_FILTER_ENTRIES} entries."),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let value = value.trim().to_lowercase();
        if value.is_empty() || value.chars().count() > 100 || value.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                field,
                "Each entry must be 1 to 100 characters, without control characters.",
            ));
        }
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok((!out.is_empty()).then_some(out))
}

/// Searches; see the [module](self).
///
/// # Errors
/// BAD_USER_INPUT for a bad query (field `query`), filter entry, `first` or `after`.
pub async fn search(
    services: &Services,
    raw_query: &str,
    kinds: Option<&[SearchKind]>,
    filter: &SearchFilter,
    page: &PageRequest,
) -> Result<Page<SearchHit>> {
    let text = query::parse("query", raw_query)?;
    let skills = entries("filter.skills", &filter.skills)?;
    let tech = entries("filter.tech", &filter.tech)?;
    let mut kinds: Vec<SearchKind> = kinds.map_or_else(|| SearchKind::ALL.to_vec(), <[_]>::to_vec);
    kinds.sort();
    kinds.dedup();
    let print = fingerprint(&[
        &text.full,
        &format!("{kinds:?}"),
        &format!("{filter:?}"),
        services.discovery.model_id(),
    ]);
    let start = Cursor::position_in(page.after.as_ref(), &print)?;
    if page.first == 0 || kinds.is_empty() {
        return Ok(Page { items: Vec::new(), has_next_page: false, has_previous_page: start > 0 });
    }

    let discovery = &services.discovery;
    // The wanted words only: an excluded word must not pull the vector towards itself.
    let vector = discovery.embed_query(&text.wanted).await;
    let window = discovery.settings.window as i64;
    let min_similarity = discovery.settings.min_similarity;
    let model = discovery.model_id().to_owned();
    let head = |text: &SearchText| -> Vec<Value> {
        vec![
            text.full.clone().into(),
            text.head.clone().into(),
            text.prefix.clone().into(),
            text.wanted.clone().into(),
            vector.clone().into(),
            model.clone().into(),
        ]
    };

    let txn = services.db.begin().await?;
    txn.execute_unprepared(super::SEARCH_SCAN_SETTINGS).await?;
    let mut found: Vec<(SearchKind, Evidence)> = Vec::new();
    for kind in &kinds {
        let (statement, mut values) = match kind {
            SearchKind::User => {
                let mut v = head(&text);
                v.extend([
                    enum_values(&filter.roles).into(),
                    enum_values(&filter.availability).into(),
                    skills.clone().into(),
                ]);
                (sql::discovery::SEARCH_USERS, v)
            }
            SearchKind::Project => {
                let mut v = head(&text);
                v.extend([enum_values(&filter.project_status).into(), tech.clone().into()]);
                (sql::discovery::SEARCH_PROJECTS, v)
            }
            SearchKind::Tribe => {
                let mut v = head(&text);
                v.extend([enum_values(&filter.tribe_status).into(), filter.has_open_role.into()]);
                (sql::discovery::SEARCH_TRIBES, v)
            }
        };
        values.extend([window.into(), min_similarity.into(), text.excluded.clone().into()]);
        let rows = Evidence::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            statement,
            values,
        ))
        .all(&txn)
        .await?;
        found.extend(rows.into_iter().map(|row| (*kind, row)));
    }
    let ranked = fuse(found);
    let has_next_page = ranked.len() > start + page.first;
    let page_rows: Vec<(usize, SearchKind, Evidence, f64)> = ranked
        .into_iter()
        .enumerate()
        .skip(start)
        .take(page.first)
        .map(|(position, (kind, row, score))| (position, kind, row, score))
        .collect();

    let mut details = std::collections::HashMap::new();
    for kind in &kinds {
        let ids: Vec<String> = page_rows
            .iter()
            .filter(|(_, k, ..)| k == kind)
            .map(|(_, _, r, _)| r.id.clone())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let statement = match kind {
            SearchKind::User => sql::discovery::DETAILS_USERS,
            SearchKind::Project => sql::discovery::DETAILS_PROJECTS,
            SearchKind::Tribe => sql::discovery::DETAILS_TRIBES,
        };
        let rows = DetailRow::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            statement,
            [
                ids.into(),
                text.full.clone().into(),
                text.head.clone().into(),
                text.prefix.clone().into(),
                text.wanted.clone().into(),
            ],
        ))
        .all(&txn)
        .await?;
        for row in rows {
            details.insert((*kind, row.id.clone()), row);
        }
    }
    txn.commit().await?;

    let items = page_rows
        .into_iter()
        .map(|(position, kind, row, score)| {
            let detail = details.remove(&(kind, row.id.clone()));
            let hit = SearchHit {
                kind,
                score,
                by_text: row.text_rank.is_some(),
                by_skill: row.skill_matches.unwrap_or(0) > 0,
                similarity: rounded(row.similarity),
                snippet: detail
                    .as_ref()
                    .and_then(|d| d.snippet.as_deref())
                    .map(snippet_parts)
                    .unwrap_or_default(),
                matched: detail.map(|d| d.matched).unwrap_or_default(),
                id: row.id,
            };
            (Cursor::Ranked { position, fingerprint: print.clone() }, hit)
        })
        .collect();
    Ok(Page { items, has_next_page, has_previous_page: start > 0 })
}

/// At most this many highlighted parts in a snippet; later matches read as plain text.
pub const MAX_SNIPPET_HIGHLIGHTS: usize = 10;
/// So a snippet has at most this many parts (highlights with plain text between them).
pub const MAX_SNIPPET_PARTS: usize = 2 * MAX_SNIPPET_HIGHLIGHTS + 1;

/// `ts_headline`'s output, whose matches sit between U+E000 and U+E001, as parts (at most
/// [`MAX_SNIPPET_PARTS`]).
pub fn snippet_parts(marked: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut rest = marked;
    while !rest.is_empty() {
        if parts.iter().filter(|p: &&SnippetPart| p.highlighted).count() == MAX_SNIPPET_HIGHLIGHTS {
            let plain: String =
                rest.chars().filter(|c| !matches!(c, '\u{E000}' | '\u{E001}')).collect();
            parts.push(SnippetPart { text: plain, highlighted: false });
            break;
        }
        let (plain, after) = rest.split_once('\u{E000}').unwrap_or((rest, ""));
        if !plain.is_empty() {
            parts.push(SnippetPart { text: plain.to_owned(), highlighted: false });
        }
        if after.is_empty() && !rest.contains('\u{E000}') {
            break;
        }
        let (matched, tail) = after.split_once('\u{E001}').unwrap_or((after, ""));
        if !matched.is_empty() {
            parts.push(SnippetPart { text: matched.to_owned(), highlighted: true });
        }
        rest = tail;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_split_into_plain_and_highlighted_parts() {
        let parts = snippet_parts("Go services, gRPC and \u{E000}Kubernetes\u{E001}.");
        let texts: Vec<(&str, bool)> =
            parts.iter().map(|p| (p.text.as_str(), p.highlighted)).collect();
        assert_eq!(texts, [("Go services, gRPC and ", false), ("Kubernetes", true), (".", false)]);
        assert_eq!(snippet_parts(""), []);
        assert_eq!(
            snippet_parts("\u{E000}a\u{E001}\u{E000}b\u{E001}"),
            [
                SnippetPart { text: "a".into(), highlighted: true },
                SnippetPart { text: "b".into(), highlighted: true }
            ]
        );
        assert_eq!(
            snippet_parts("plain"),
            [SnippetPart { text: "plain".into(), highlighted: false }]
        );
        let many = "\u{E000}w\u{E001} ".repeat(30);
        let parts = snippet_parts(&many);
        assert!(parts.len() <= MAX_SNIPPET_PARTS, "{}", parts.len());
        assert_eq!(parts.iter().filter(|p| p.highlighted).count(), MAX_SNIPPET_HIGHLIGHTS);
        assert_eq!(parts.last().unwrap().text, format!(" {}", "w ".repeat(20)));
    }

    fn evidence(
        id: &str,
        text: Option<f64>,
        name: bool,
        skills: i64,
        sim: Option<f64>,
    ) -> Evidence {
        Evidence {
            id: id.into(),
            text_rank: text,
            name_match: name,
            skill_matches: Some(skills),
            similarity: sim,
        }
    }

    #[test]
    fn fusion_rewards_agreeing_lists_and_breaks_ties_by_kind_and_id() {
        use SearchKind::*;
        let fused = fuse(vec![
            (User, evidence("U1", Some(0.5), false, 0, Some(0.6))),
            (Project, evidence("P1", Some(0.4), true, 1, Some(0.3))),
            (Tribe, evidence("T1", None, false, 0, Some(0.9))),
            (User, evidence("U2", None, false, 0, Some(0.2))),
            (Project, evidence("P2", None, false, 0, Some(0.2))),
        ]);
        let order: Vec<&str> = fused.iter().map(|(_, e, _)| e.id.as_str()).collect();
        // P1 is in all four lists; U1 first in text, second in meaning; T1 first in meaning only.
        assert_eq!(order, ["P1", "U1", "T1", "U2", "P2"]);
        let p1 = 1.0 / 62.0 + 1.0 / 61.0 + 1.0 / 61.0 + 1.0 / 63.0;
        assert!((fused[0].2 - p1).abs() < 1e-12);
        // Equal evidence: the order is by kind, then id, every time.
        assert!((fused[3].2 - fused[4].2).abs() > 0.0);
        assert_eq!(fuse(vec![]).len(), 0);
    }

    #[test]
    fn filter_entries_are_normalised_and_bounded() {
        assert_eq!(entries("f", &[" Go ".into(), "go".into()]).unwrap(), Some(vec!["go".into()]));
        assert_eq!(entries("f", &[]).unwrap(), None);
        assert!(entries("f", &["".into()]).is_err());
        assert!(entries("f", &vec!["x".to_owned(); MAX_FILTER_ENTRIES + 1]).is_err());
    }
}
