//! Trusted documents (persisted documents): a first-party frontend knows all its operations at
//! build time, and graphql-codegen's client preset writes them to a JSON manifest of
//! hash → document. With that manifest configured, a request may name its document by id instead
//! of sending it, and — unless switched off for a migration period — only the manifest's
//! documents run: anything else is refused before it is parsed.
use std::collections::{HashMap, HashSet};
use std::path::Path;

use async_graphql::Request;
use graphql::ErrorCode;

/// The registered documents, loaded once at start-up.
#[derive(Debug, Default)]
pub struct TrustedDocuments {
    by_id: HashMap<String, String>,
    texts: HashSet<String>,
    /// Only registered documents run; false: registered ids work and other documents run too.
    pub only: bool,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub code: ErrorCode,
    pub message: String,
}

impl TrustedDocuments {
    /// Reads a manifest: a JSON object of document id (the hash codegen computed) → document.
    pub fn load(path: &Path, only: bool) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::from_manifest(&text, only)
    }

    pub fn from_manifest(manifest: &str, only: bool) -> Result<Self, String> {
        let entries: HashMap<String, String> = serde_json::from_str(manifest).map_err(|e| {
            format!("is not a persisted-documents manifest (a JSON object of id → document): {e}")
        })?;
        if entries.is_empty() {
            return Err("holds no documents".to_owned());
        }
        let texts = entries.values().cloned().collect();
        let by_id = entries.into_iter().map(|(id, doc)| (normalise_id(&id), doc)).collect();
        Ok(Self { by_id, texts, only })
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// Ids may come as `sha256:<hex>` (graphql-codegen's manifest keys and `documentId`s, as the
/// GraphQL-over-HTTP persisted documents draft has them) or bare hex (Apollo's `sha256Hash`);
/// hex is compared case-insensitively.
fn normalise_id(id: &str) -> String {
    let id = id.trim();
    id.split_once(':').map_or(id, |(_, hash)| hash).to_ascii_lowercase()
}

/// The id a request names its document by: `documentId` (sent beside `query` in the body, or as
/// a GET parameter) or Apollo's `extensions.persistedQuery.sha256Hash`.
fn requested_id(request: &Request, document_id: Option<&str>) -> Option<String> {
    if let Some(id) = document_id.filter(|id| !id.trim().is_empty()) {
        return Some(id.to_owned());
    }
    let persisted = request.extensions.get("persistedQuery")?;
    let async_graphql::Value::Object(fields) = persisted else { return None };
    match fields.get("sha256Hash") {
        Some(async_graphql::Value::String(hash)) => Some(hash.clone()),
        _ => None,
    }
}

/// Puts the named document into the request, or refuses it. Runs before the document is parsed,
/// so a refused document costs nothing but this lookup; the registered ones then go through the
/// same limits (depth, cost, aliases) as any other.
pub fn resolve(
    trusted: Option<&TrustedDocuments>,
    request: &mut Request,
    document_id: Option<&str>,
) -> Result<(), Refusal> {
    let bad = |status: u16, code: ErrorCode, message: &str| {
        Err(Refusal { status, code, message: message.to_owned() })
    };
    match (requested_id(request, document_id), trusted) {
        (Some(_), None) => bad(
            400,
            ErrorCode::BadUserInput,
            "This server has no registered documents: send the document itself as `query`.",
        ),
        (Some(id), Some(trusted)) => {
            let Some(document) = trusted.by_id.get(&normalise_id(&id)) else {
                return bad(
                    404,
                    ErrorCode::NotFound,
                    "No registered document has this documentId: rebuild the client's manifest and deploy it with the server.",
                );
            };
            if !request.query.is_empty() && request.query != *document {
                return bad(
                    400,
                    ErrorCode::BadUserInput,
                    "Send either a document or its documentId, not two different ones.",
                );
            }
            request.query = document.clone();
            Ok(())
        }
        (None, Some(trusted)) if trusted.only && !trusted.texts.contains(&request.query) => bad(
            403,
            ErrorCode::Forbidden,
            "This server runs only registered documents: send the documentId of one from the client's manifest.",
        ),
        (None, _) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"{
        "a1b2": "query Feed { feed(first: 1) { edges { node { id } } } }",
        "C3D4": "{ health }"
    }"#;

    fn trusted(only: bool) -> TrustedDocuments {
        TrustedDocuments::from_manifest(MANIFEST, only).unwrap_or_default()
    }

    fn refusal(result: Result<(), Refusal>) -> Option<(u16, ErrorCode)> {
        result.err().map(|r| (r.status, r.code))
    }

    #[test]
    fn a_registered_id_becomes_its_document_in_either_mode() {
        for only in [true, false] {
            let trusted = trusted(only);
            let mut request = Request::new("");
            assert_eq!(resolve(Some(&trusted), &mut request, Some("a1b2")), Ok(()));
            assert!(request.query.starts_with("query Feed"));
            let mut prefixed = Request::new("");
            assert_eq!(resolve(Some(&trusted), &mut prefixed, Some("sha256:c3d4")), Ok(()));
            assert_eq!(prefixed.query, "{ health }");
        }
    }

    #[test]
    fn apollo_persisted_query_extension_names_a_document() {
        let trusted = trusted(true);
        let mut request: Request = serde_json::from_value(serde_json::json!({
            "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "a1b2" } }
        }))
        .unwrap_or_else(|_| Request::new("unparsed"));
        assert_eq!(resolve(Some(&trusted), &mut request, None), Ok(()));
        assert!(request.query.starts_with("query Feed"));
    }

    #[test]
    fn only_registered_documents_run_when_so_configured() {
        let only = trusted(true);
        let mut other = Request::new("{ users { edges { node { id } } } }");
        assert_eq!(
            refusal(resolve(Some(&only), &mut other, None)),
            Some((403, ErrorCode::Forbidden))
        );
        let mut same_text = Request::new("{ health }");
        assert_eq!(resolve(Some(&only), &mut same_text, None), Ok(()), "a registered text runs");

        let open = trusted(false);
        let mut other = Request::new("{ users { edges { node { id } } } }");
        assert_eq!(resolve(Some(&open), &mut other, None), Ok(()));
        let mut plain = Request::new("{ health }");
        assert_eq!(resolve(None, &mut plain, None), Ok(()), "without a manifest, as before");
    }

    #[test]
    fn unknown_ids_mismatches_and_missing_manifests_are_refused() {
        let trusted = trusted(false);
        let mut unknown = Request::new("");
        assert_eq!(
            refusal(resolve(Some(&trusted), &mut unknown, Some("ffff"))),
            Some((404, ErrorCode::NotFound))
        );
        let mut mismatch = Request::new("{ viewer { id } }");
        assert_eq!(
            refusal(resolve(Some(&trusted), &mut mismatch, Some("a1b2"))),
            Some((400, ErrorCode::BadUserInput))
        );
        let mut no_manifest = Request::new("");
        assert_eq!(
            refusal(resolve(None, &mut no_manifest, Some("a1b2"))),
            Some((400, ErrorCode::BadUserInput))
        );
    }

    #[test]
    fn a_manifest_must_be_an_object_of_documents() {
        assert!(TrustedDocuments::from_manifest("[]", true).is_err());
        assert!(TrustedDocuments::from_manifest("{}", true).is_err());
        assert!(TrustedDocuments::from_manifest(r#"{"a": 1}"#, true).is_err());
        assert_eq!(trusted(true).len(), 2);
    }
}
