//! Discovery's types: search hits and matches, each with the evidence of why it was found.
use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, Union};
use domain::discovery::matching::{Candidate, Neighbour, RoleSuggestion};
use domain::discovery::search::{
    SearchFilter as DomainSearchFilter, SearchHit as DomainSearchHit, SearchKind as DomainKind,
    SnippetPart as DomainSnippetPart,
};

use super::enums::{AvailabilityStatus, ProjectStatus, TribeStatus, UserRole};
use super::project::Project;
use super::tribe::{OpenRole, Tribe};
use super::user::User;

/// What to search for.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SearchKind {
    /// Builders.
    User,
    Project,
    Tribe,
}

impl From<SearchKind> for DomainKind {
    fn from(value: SearchKind) -> Self {
        match value {
            SearchKind::User => Self::User,
            SearchKind::Project => Self::Project,
            SearchKind::Tribe => Self::Tribe,
        }
    }
}

/// Narrows a search. Each filter applies to its own kind and leaves the other kinds alone (pass
/// `kinds` to search one kind only).
#[derive(InputObject, Default)]
pub struct SearchFilter {
    /// Builders whose primary role is one of these.
    pub roles: Option<Vec<UserRole>>,
    /// Builders whose availability is one of these.
    pub availability: Option<Vec<AvailabilityStatus>>,
    /// Builders with every one of these skills (slugs, such as "kubernetes"; at most 20).
    pub skills: Option<Vec<String>>,
    /// Projects whose status is one of these.
    pub project_status: Option<Vec<ProjectStatus>>,
    /// Projects whose tech stack has every one of these (case-insensitive; at most 20).
    pub tech: Option<Vec<String>>,
    /// Tribes whose status is one of these.
    pub tribe_status: Option<Vec<TribeStatus>>,
    /// Tribes with (true) or without (false) an unfilled open role.
    pub has_open_role: Option<bool>,
}

fn mapped<T: Copy, U: From<T>>(values: Option<Vec<T>>) -> Vec<U> {
    values.unwrap_or_default().into_iter().map(U::from).collect()
}

impl From<SearchFilter> for DomainSearchFilter {
    fn from(f: SearchFilter) -> Self {
        Self {
            roles: mapped(f.roles),
            availability: mapped(f.availability),
            skills: f.skills.unwrap_or_default(),
            project_status: mapped(f.project_status),
            tech: f.tech.unwrap_or_default(),
            tribe_status: mapped(f.tribe_status),
            has_open_role: f.has_open_role,
        }
    }
}

/// What a search found.
#[derive(Union)]
pub enum SearchResult {
    User(User),
    Project(Project),
    Tribe(Tribe),
}

/// How a hit matched; a hit can match in several ways.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SearchMatch {
    /// Its words (full-text search over names, headlines, bios, descriptions, missions).
    Text,
    /// A skill (builders), a tech-stack entry (projects) or an open role's needed skill (tribes).
    Skill,
    /// Its meaning: among the nearest by embedding, even without a shared word.
    Meaning,
}

/// A piece of a snippet; matched words are `highlighted`. Render the parts in order, as text.
#[derive(SimpleObject)]
pub struct SnippetPart {
    pub text: String,
    pub highlighted: bool,
}

impl From<DomainSnippetPart> for SnippetPart {
    fn from(p: DomainSnippetPart) -> Self {
        Self { text: p.text, highlighted: p.highlighted }
    }
}

/// The evidence of why a result was found: the fields of each search edge, beside its node.
pub struct SearchHit {
    pub hit: DomainSearchHit,
}

#[Object]
impl SearchHit {
    /// The fused rank score (higher first); comparable within one search only.
    async fn score(&self) -> f64 {
        self.hit.score
    }
    /// How it matched.
    async fn matched_by(&self) -> Vec<SearchMatch> {
        let mut ways = Vec::new();
        if self.hit.by_text {
            ways.push(SearchMatch::Text);
        }
        if self.hit.by_skill || !self.hit.matched.is_empty() {
            ways.push(SearchMatch::Skill);
        }
        if self.hit.similarity.is_some() {
            ways.push(SearchMatch::Meaning);
        }
        ways
    }
    /// The text around the matched words (a headline and bio, a description, a mission); for a
    /// match in meaning only, the text's start. Empty when the hit has no such text.
    async fn snippet(&self) -> Vec<SnippetPart> {
        self.hit.snippet.iter().cloned().map(Into::into).collect()
    }
    /// The builder's skills, the project's tech-stack entries or the tribe's open roles' needed
    /// skills that match the search.
    async fn matched_skills(&self) -> &[String] {
        &self.hit.matched
    }
    /// Cosine similarity of the hit and the search in meaning (0 to 1), when it was among the
    /// nearest; null otherwise.
    async fn similarity(&self) -> Option<f64> {
        self.hit.similarity
    }
}

impl SearchHit {
    /// Loads each hit's node through the request's DataLoaders (one statement per kind); a hit
    /// whose row was deleted meanwhile has none.
    pub async fn load_all(
        ctx: &Context<'_>,
        hits: Vec<DomainSearchHit>,
    ) -> Result<Vec<Option<(SearchResult, Self)>>> {
        let mut out = Vec::with_capacity(hits.len());
        let nodes = futures_util::future::try_join_all(hits.iter().map(|hit| async move {
            Ok::<_, async_graphql::Error>(match hit.kind {
                DomainKind::User => User::load(ctx, &hit.id).await?.map(SearchResult::User),
                DomainKind::Project => {
                    Project::load(ctx, &hit.id).await?.map(SearchResult::Project)
                }
                DomainKind::Tribe => Tribe::load(ctx, &hit.id).await?.map(SearchResult::Tribe),
            })
        }))
        .await?;
        for (hit, node) in hits.into_iter().zip(nodes) {
            out.push(node.map(|node| (node, Self { hit })));
        }
        Ok(out)
    }
}

/// A builder who fits an open role, and why.
pub struct RoleCandidate {
    pub user: User,
    pub candidate: Candidate,
}

#[Object]
impl RoleCandidate {
    async fn user(&self) -> &User {
        &self.user
    }
    /// The builder's skills that the role needs.
    async fn matched_skills(&self) -> &[String] {
        &self.candidate.matched_skills
    }
    /// Cosine similarity of the builder's profile and the role (0 to 1); null while either has no
    /// vector yet.
    async fn similarity(&self) -> Option<f64> {
        self.candidate.similarity
    }
    /// The builder's availability: open to a tribe and available for projects rank ahead of just
    /// browsing.
    async fn availability(&self) -> AvailabilityStatus {
        self.candidate.availability.into()
    }
    /// 0.5 × share of the needed skills + 0.35 × similarity + 0.15 × availability (0 to 1).
    async fn score(&self) -> f64 {
        self.candidate.score
    }
}

/// An open role that fits the viewer, and why.
pub struct SuggestedRole {
    pub suggestion: RoleSuggestion,
}

#[Object]
impl SuggestedRole {
    async fn role(&self) -> OpenRole {
        OpenRole(std::sync::Arc::new(self.suggestion.role.clone()))
    }
    async fn tribe(&self, ctx: &Context<'_>) -> Result<Tribe> {
        Tribe::load_required(ctx, &self.suggestion.role.tribe_id).await
    }
    /// The role's needed skills that the viewer has.
    async fn matched_skills(&self) -> &[String] {
        &self.suggestion.matched_skills
    }
    /// Cosine similarity of the viewer's profile and the role (0 to 1); null without vectors.
    async fn similarity(&self) -> Option<f64> {
        self.suggestion.similarity
    }
    /// 0.6 × share of the needed skills the viewer has + 0.4 × similarity (0 to 1).
    async fn score(&self) -> f64 {
        self.suggestion.score
    }
}

/// A builder near another in meaning.
pub struct SimilarBuilder {
    pub user: User,
    pub neighbour: Neighbour,
}

#[Object]
impl SimilarBuilder {
    async fn user(&self) -> &User {
        &self.user
    }
    /// Cosine similarity of the two profiles (0 to 1).
    async fn similarity(&self) -> f64 {
        self.neighbour.similarity
    }
    /// The skills both builders have.
    async fn shared_skills(&self) -> &[String] {
        &self.neighbour.shared
    }
}

/// A project near another in meaning.
pub struct SimilarProject {
    pub project: Project,
    pub neighbour: Neighbour,
}

#[Object]
impl SimilarProject {
    async fn project(&self) -> &Project {
        &self.project
    }
    /// Cosine similarity of the two projects (0 to 1).
    async fn similarity(&self) -> f64 {
        self.neighbour.similarity
    }
    /// The tech-stack entries both projects have.
    async fn shared_tech(&self) -> &[String] {
        &self.neighbour.shared
    }
}
