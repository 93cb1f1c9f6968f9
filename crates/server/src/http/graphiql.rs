//! The GraphiQL page: async-graphql's, opened on an example document instead of an empty editor,
//! so a newcomer can run the feed, a profile and the sign-in at once.
use std::sync::OnceLock;

use async_graphql::http::GraphiQLSource;

/// What the editor holds on a first visit (GraphiQL keeps the user's own document after that).
pub const EXAMPLE_DOCUMENT: &str = r#"# Welcome to Tribe. Pick an operation from the ▶ button's menu and run it.
#
# To act as someone: run SignIn (in development the prototype builders sign in with the
# password "build-with-your-tribe"), copy its accessToken, and put it in the Headers tab below:
#
#   { "Authorization": "Bearer <the accessToken>" }
#
# Then `viewer` is Maya Chen and every mutation works as her. Docs: the Docs tab, or docs/api.md.

query Feed {
  feed(first: 5) {
    edges {
      node {
        eventType
        createdAt
        actor { displayName }
        target {
          __typename
          ... on Project { title }
          ... on Tribe { name }
          ... on User { displayName }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}

query Profile {
  user(username: "mayachen") {
    displayName
    headline
    primaryRole
    availabilityStatus
    skills { name }
    projects(first: 5) { edges { node { title status techStack } } }
    tribes { name status }
    followerCount
    followingCount
  }
}

mutation SignIn {
  login(input: { login: "mayachen", password: "build-with-your-tribe" }) {
    accessToken
    refreshToken
    user { username email }
  }
}

# Discovery: every hit says why it matched (words, skills, meaning). Try "kube", "design system",
# "python -tensorflow", or a search in meaning only, such as "machine learning".
query Search {
  search(query: "kubernetes", first: 5) {
    edges {
      node {
        __typename
        ... on User { displayName headline }
        ... on Project { title }
        ... on Tribe { name }
      }
      matchedBy
      matchedSkills
      similarity
      snippet { text highlighted }
    }
  }
}

# The builders who fit a tribe's open roles, with their reasons. Only a tribe's owner sees them:
# run SignInAsTom (he owns Hospitality OS) and put his accessToken in the Headers tab.
mutation SignInAsTom {
  login(input: { login: "tomnakamura", password: "build-with-your-tribe" }) { accessToken }
}

query Candidates {
  viewer {
    tribes {
      name
      openRoles {
        title
        skillsNeeded
        candidates(first: 3) {
          edges { node { user { displayName } matchedSkills similarity availability score } }
        }
      }
    }
  }
}
"#;

/// The page, built once.
pub fn page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        with_default_document(&GraphiQLSource::build().endpoint("/graphql").finish())
    })
}

/// Adds `defaultQuery` to the props the page hands GraphiQL. The document is a JSON string
/// literal with `<` escaped, so nothing in it can close the page's script element.
fn with_default_document(html: &str) -> String {
    const PROPS: &str = "defaultEditorToolsVisibility: true,";
    let document = serde_json::to_string(EXAMPLE_DOCUMENT)
        .unwrap_or_else(|_| "\"\"".to_owned())
        .replace('<', "\\u003c");
    html.replacen(PROPS, &format!("{PROPS}\n          defaultQuery: {document},"), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_opens_on_the_example_document() {
        let page = page();
        assert!(page.contains("defaultQuery: \"# Welcome to Tribe."), "{page}");
        assert!(page.contains("mutation SignIn"));
        assert!(!page.contains("<the accessToken>"), "< is escaped inside the script");
    }
}
