//! Request limits async-graphql does not enforce by itself, checked by [`prepare`] right after
//! parsing, before validation and before any database work: the query's cost (see `cost.rs`),
//! aliases per request and NUL characters in string arguments, variables and variables' default
//! values. (Depth and directives per field are async-graphql's own limits.) This is a plain
//! function rather than an async-graphql extension:
//! an extension is called around every field's resolution, which is measurable on a feed page of
//! a few hundred fields.
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Request, Response, ServerError, Value, Variables};

#[derive(Default)]
struct Counts {
    aliases: usize,
    /// The first argument or variable holding a NUL character.
    nul: Option<String>,
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(has_nul),
        Value::Object(fields) => fields.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

fn walk(set: &SelectionSet, counts: &mut Counts) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let field = &field.node;
                if field.alias.is_some() {
                    counts.aliases += 1;
                }
                for (name, value) in &field.arguments {
                    // Variables are checked on their own; here they stand in as null.
                    let literal = value
                        .node
                        .clone()
                        .into_const_with(|_| Ok::<_, std::convert::Infallible>(Value::Null));
                    if counts.nul.is_none() && literal.is_ok_and(|v| has_nul(&v)) {
                        counts.nul = Some(name.node.to_string());
                    }
                }
                walk(&field.selection_set.node, counts);
            }
            Selection::FragmentSpread(_) => {}
            Selection::InlineFragment(fragment) => walk(&fragment.node.selection_set.node, counts),
        }
    }
}

fn check(
    max_aliases: usize,
    document: &ExecutableDocument,
    variables: &Variables,
) -> Result<(), ServerError> {
    let mut counts = Counts::default();
    for (_, operation) in document.operations.iter() {
        walk(&operation.node.selection_set.node, &mut counts);
        // `query($x: String = "a\u0000b")`: a default stands in for a variable the client left
        // out, so it is input like any other.
        for definition in &operation.node.variable_definitions {
            if counts.nul.is_none()
                && definition.node.default_value.as_ref().is_some_and(|v| has_nul(&v.node))
            {
                counts.nul = Some(definition.node.name.node.to_string());
            }
        }
    }
    for fragment in document.fragments.values() {
        walk(&fragment.node.selection_set.node, &mut counts);
    }
    if counts.aliases > max_aliases {
        return Err(ServerError::new(
            format!("Too many aliases: {} (at most {max_aliases} per request).", counts.aliases),
            None,
        ));
    }
    let variable_with_nul = variables
        .iter()
        .find(|(name, value)| name.contains('\0') || has_nul(value))
        .map(|(name, _)| name.to_string().replace('\0', ""));
    if let Some(field) = counts.nul.or(variable_with_nul) {
        let mut error = ServerError::new("String arguments must not contain NUL characters.", None);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        // The argument or variable, so a form can mark the input.
        extensions.set("field", field);
        error.extensions = Some(extensions);
        return Err(error);
    }
    Ok(())
}

/// Parses the request's query once and checks it against the limits; the parsed document stays in
/// the request, so async-graphql does not parse it again. Returns the query's cost (None when it
/// did not parse); a query over the cost limit is refused with its cost in `extensions.cost`.
pub fn prepare(
    request: &mut Request,
    limits: &crate::Limits,
) -> (Option<crate::cost::Cost>, Result<(), ServerError>) {
    let document = match async_graphql::parser::parse_query(&request.query) {
        Ok(document) => document,
        Err(err) => return (None, Err(ServerError::from(err))),
    };
    let requested = crate::cost::Model::get().cost_of(
        &document,
        request.operation_name.as_deref(),
        &request.variables,
    );
    let cost = crate::cost::Cost { requested, limit: limits.max_cost };
    if requested > limits.max_cost {
        let error = ServerError::new(
            format!(
                "This query costs {requested}, over the limit of {}: ask for fewer items (first) or fewer nested lists.",
                limits.max_cost
            ),
            None,
        );
        return (Some(cost), Err(error));
    }
    if let Err(error) = check(limits.max_aliases, &document, &request.variables) {
        return (Some(cost), Err(error));
    }
    request.set_parsed_query(document);
    (Some(cost), Ok(()))
}

/// `extensions.cost` of a response: what the query cost and the limit.
pub fn cost_extension(cost: crate::cost::Cost) -> Value {
    let mut fields = async_graphql::indexmap::IndexMap::new();
    fields.insert(async_graphql::Name::new("requested"), Value::from(cost.requested));
    fields.insert(async_graphql::Name::new("limit"), Value::from(cost.limit));
    Value::Object(fields)
}

/// Whether the operation was executed: a response whose `data` is null and whose errors all lack
/// a path failed before execution (syntax, validation, limits): a request error.
pub fn was_executed(response: &Response) -> bool {
    !(response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty()))
}
