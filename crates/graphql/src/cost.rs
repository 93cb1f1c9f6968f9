//! What a query costs, counted the way the database pays for it: in objects (rows), not fields.
//!
//! In the spirit of GitHub's node limit and Shopify's calculated query cost:
//! - a scalar or enum field costs nothing (it comes with its row);
//! - an object field costs 1 plus the cost of its selection;
//! - a list multiplies that by how many items it can hold: a connection's `edges` and `nodes` by
//!   the connection's `first` (default 20, at most 100), any other list of objects by its cap;
//! - where a selection branches on the concrete type (`... on Project`, `... on Tribe`), only the
//!   dearest branch counts, since each item is one type.
//!
//! The cost is computed from the parsed document before anything runs, with the schema's own
//! description of its types (its SDL), so it knows every field's type without hand-kept tables
//! except the caps of bounded lists ([`LIST_CAPS`]).
use std::collections::HashMap;
use std::sync::OnceLock;

use async_graphql::Variables;
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, OperationDefinition, Selection, SelectionSet, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Name, Value};

/// The page size of a connection when `first` is not given, and the largest allowed.
const DEFAULT_FIRST: u64 = domain::pagination::DEFAULT_PAGE_SIZE as u64;
const MAX_FIRST: u64 = 100;

/// How many items each bounded list of objects can hold (type, field, cap). A list that is not
/// here counts as [`UNLISTED_CAP`].
pub const LIST_CAPS: &[(&str, &str, u64)] = {
    use domain::caps::*;
    &[
        ("User", "skills", MAX_SKILLS as u64),
        ("User", "tribes", MAX_TRIBES_PER_BUILDER as u64),
        ("User", "collaborations", MAX_COLLABORATIONS_PER_BUILDER as u64),
        ("Project", "collaborators", MAX_COLLABORATORS_PER_PROJECT as u64),
        ("Project", "pendingInvitations", MAX_COLLABORATORS_PER_PROJECT as u64),
        ("Tribe", "members", MAX_MEMBERS_PER_TRIBE as u64),
        ("Tribe", "joinRequests", MAX_JOIN_REQUESTS_PER_TRIBE as u64),
        ("Tribe", "openRoles", MAX_OPEN_ROLES_PER_TRIBE as u64),
        ("Query", "viewerInvitations", MAX_INVITATIONS_PER_INVITEE as u64),
        ("Query", "viewerJoinRequests", MAX_JOIN_REQUESTS_PER_BUILDER as u64),
        ("Query", "skills", MAX_TAXONOMY_SKILLS as u64),
        ("User", "similarBuilders", domain::discovery::matching::MAX_SIMILAR as u64),
        ("Project", "similarProjects", domain::discovery::matching::MAX_SIMILAR as u64),
        ("SearchHit", "snippet", domain::discovery::search::MAX_SNIPPET_PARTS as u64),
    ]
};

/// The cost of a list of objects that no cap bounds: as dear as the largest page.
pub const UNLISTED_CAP: u64 = MAX_FIRST;

/// A query's cost against the limit, as `extensions.cost` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub requested: u64,
    pub limit: u64,
}

#[derive(Debug, Clone)]
struct FieldType {
    /// The named type at the bottom of the field's type (`User` for `[User!]!`).
    named: String,
    list: bool,
}

#[derive(Debug, Default)]
struct TypeInfo {
    /// Object, interface or union: its fields cost something. Scalars and enums do not.
    composite: bool,
    fields: HashMap<String, FieldType>,
}

/// The schema's types, read once from its SDL.
#[derive(Debug, Default)]
pub struct Model {
    types: HashMap<String, TypeInfo>,
    caps: HashMap<(String, String), u64>,
}

fn named_and_list(mut ty: &async_graphql::parser::types::Type) -> FieldType {
    let mut list = false;
    loop {
        match &ty.base {
            BaseType::Named(name) => return FieldType { named: name.to_string(), list },
            BaseType::List(inner) => {
                list = true;
                ty = inner;
            }
        }
    }
}

impl Model {
    pub fn from_sdl(sdl: &str) -> Self {
        let mut model = Model::default();
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else { return model };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else { continue };
            let ty = ty.node;
            let (composite, fields) = match &ty.kind {
                TypeKind::Object(object) => (true, object.fields.as_slice()),
                TypeKind::Interface(interface) => (true, interface.fields.as_slice()),
                TypeKind::Union(_) => (true, &[][..]),
                _ => (false, &[][..]),
            };
            let fields = fields
                .iter()
                .map(|f| (f.node.name.node.to_string(), named_and_list(&f.node.ty.node)))
                .collect();
            model.types.insert(ty.name.node.to_string(), TypeInfo { composite, fields });
        }
        model.caps = LIST_CAPS
            .iter()
            .map(|(ty, field, cap)| (((*ty).to_owned(), (*field).to_owned()), *cap))
            .collect();
        model
    }

    /// The model of this crate's schema.
    pub fn get() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::from_sdl(&crate::sdl()))
    }

    fn is_composite(&self, type_name: &str) -> bool {
        // Types the SDL does not describe (introspection's __Schema, __Type, …) are objects.
        self.types.get(type_name).is_none_or(|t| t.composite)
    }

    /// The cost of the operation a request will run (the named one, or the only one; with
    /// several and no name, the dearest).
    pub fn cost_of(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> u64 {
        let mut dearest = 0;
        for (name, operation) in document.operations.iter() {
            if operation_name.is_some_and(|wanted| name.map(|n| n.as_str()) != Some(wanted)) {
                continue;
            }
            let walk = Walk { model: self, document, operation: &operation.node, variables };
            let root = match operation.node.ty {
                async_graphql::parser::types::OperationType::Query => "Query",
                async_graphql::parser::types::OperationType::Mutation => "Mutation",
                async_graphql::parser::types::OperationType::Subscription => "Subscription",
            };
            dearest = dearest.max(walk.selection(&operation.node.selection_set.node, root, 0));
        }
        dearest
    }
}

struct Walk<'a> {
    model: &'a Model,
    document: &'a ExecutableDocument,
    operation: &'a OperationDefinition,
    variables: &'a Variables,
}

/// Fragments may not form cycles (validation refuses them later); this bounds the walk anyway.
const MAX_FRAGMENT_DEPTH: usize = 32;

impl Walk<'_> {
    /// The cost of a selection set on `parent`. `first` is the enclosing connection's page size,
    /// for its `edges` and `nodes`.
    fn selection(&self, set: &SelectionSet, parent: &str, first: u64) -> u64 {
        self.selection_at(set, parent, first, 0)
    }

    fn selection_at(&self, set: &SelectionSet, parent: &str, first: u64, depth: usize) -> u64 {
        if depth > MAX_FRAGMENT_DEPTH {
            return 0;
        }
        let mut common = 0u64;
        // Fragments narrowed to one concrete type: only the dearest type counts.
        let mut by_type: HashMap<String, u64> = HashMap::new();
        for selection in &set.items {
            let (cost, condition) = match &selection.node {
                Selection::Field(field) => (self.field(&field.node, parent, first, depth), None),
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let on = fragment.type_condition.as_ref().map(|c| c.node.on.node.to_string());
                    let ty = on.clone().unwrap_or_else(|| parent.to_owned());
                    let cost =
                        self.selection_at(&fragment.selection_set.node, &ty, first, depth + 1);
                    (cost, on)
                }
                Selection::FragmentSpread(spread) => {
                    let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    else {
                        continue;
                    };
                    let on = fragment.node.type_condition.node.on.node.to_string();
                    let cost =
                        self.selection_at(&fragment.node.selection_set.node, &on, first, depth + 1);
                    (cost, Some(on))
                }
            };
            match condition.filter(|on| on != parent) {
                Some(on) => *by_type.entry(on).or_default() += cost,
                None => common = common.saturating_add(cost),
            }
        }
        common.saturating_add(by_type.values().copied().max().unwrap_or(0))
    }

    fn field(
        &self,
        field: &async_graphql::parser::types::Field,
        parent: &str,
        first: u64,
        depth: usize,
    ) -> u64 {
        let name = field.name.node.as_str();
        let ty = self.model.types.get(parent).and_then(|t| t.fields.get(name));
        let named = ty.map_or("", |t| t.named.as_str());
        if field.selection_set.node.items.is_empty() || !self.model.is_composite(named) {
            return 0;
        }
        let page = if named.ends_with("Connection") { self.first_of(field) } else { first };
        let children = self.selection_at(&field.selection_set.node, named, page, depth);
        let one = children.saturating_add(1);
        let items = match ty {
            Some(t)
                if t.list
                    && matches!(name, "edges" | "nodes")
                    && parent.ends_with("Connection") =>
            {
                first
            }
            Some(t) if t.list => self
                .model
                .caps
                .get(&(parent.to_owned(), name.to_owned()))
                .copied()
                .unwrap_or(UNLISTED_CAP),
            _ => 1,
        };
        items.saturating_mul(one)
    }

    /// A connection's `first`: the literal, the variable's value or default, else the default
    /// page size; clamped to what the server serves.
    fn first_of(&self, field: &async_graphql::parser::types::Field) -> u64 {
        let Some(value) = field.get_argument("first") else { return DEFAULT_FIRST };
        let resolved =
            value.node.clone().into_const_with(|name| self.variable(&name).ok_or(())).ok();
        match resolved {
            Some(Value::Number(n)) => n.as_u64().unwrap_or(0).min(MAX_FIRST),
            _ => DEFAULT_FIRST,
        }
    }

    fn variable(&self, name: &Name) -> Option<Value> {
        if let Some(value) = self.variables.get(name) {
            return Some(value.clone());
        }
        self.operation
            .variable_definitions
            .iter()
            .find(|d| d.node.name.node == *name)
            .and_then(|d| d.node.default_value.as_ref().map(|v| v.node.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(query: &str, variables: serde_json::Value) -> u64 {
        match async_graphql::parser::parse_query(query) {
            Ok(document) => Model::get().cost_of(&document, None, &Variables::from_json(variables)),
            Err(e) => panic!("{query}: {e}"),
        }
    }

    #[test]
    fn scalars_are_free_and_objects_cost_one() {
        assert_eq!(cost("{ health }", serde_json::json!({})), 0);
        assert_eq!(cost("{ viewer { id username } }", serde_json::json!({})), 1);
        assert_eq!(cost("{ viewer { id skills { name } } }", serde_json::json!({})), 1 + 30);
    }

    #[test]
    fn connections_multiply_their_items_by_first() {
        // feed 1 + edges first × (edge 1 + node 1).
        assert_eq!(
            cost("{ feed(first: 10) { edges { node { id } } } }", serde_json::json!({})),
            21
        );
        assert_eq!(cost("{ feed { edges { node { id } } } }", serde_json::json!({})), 41);
        let by_variable = "query($n: Int) { feed(first: $n) { edges { node { id } } } }";
        assert_eq!(cost(by_variable, serde_json::json!({ "n": 100 })), 201);
        let by_default = "query($n: Int = 5) { feed(first: $n) { nodes { id } } }";
        assert_eq!(cost(by_default, serde_json::json!({})), 6);
        assert_eq!(cost("{ feed(first: 5000) { nodes { id } } }", serde_json::json!({})), 101);
    }

    #[test]
    fn only_the_dearest_type_of_a_union_counts() {
        let query = "{ feed(first: 1) { nodes { target {
            ... on Project { owner { id } }
            ... on Tribe { owner { id } openRoles { id } }
        } } } }";
        // feed 1 + nodes 1 × (1 + target (1 + max(Project 1, Tribe 1 + 20))).
        assert_eq!(cost(query, serde_json::json!({})), 1 + (1 + (1 + 21)));
    }

    #[test]
    fn fragments_count_like_the_fields_they_hold() {
        let query = "query { viewer { ...Card } } fragment Card on User { skills { id } }";
        assert_eq!(cost(query, serde_json::json!({})), 31);
    }
}
