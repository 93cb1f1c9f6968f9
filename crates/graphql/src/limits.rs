//! Request limits async-graphql does not enforce by itself, checked right after parsing, before
//! validation and before any database work: aliases per request, directives per field, and NUL
//! characters in string arguments and variables. Also marks when execution starts, so the HTTP
//! layer can tell a request error (nothing executed) from a field error.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Response, ServerError, ServerResult, Value, Variables};

/// Set once the operation starts executing (it passed parsing and validation).
#[derive(Clone, Default)]
pub struct ExecutionStarted(pub Arc<AtomicBool>);

impl ExecutionStarted {
    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct DocumentLimits {
    pub max_aliases: usize,
    pub max_directives_per_field: usize,
}

impl ExtensionFactory for DocumentLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

#[derive(Default)]
struct Counts {
    aliases: usize,
    max_directives: usize,
    nul: bool,
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
                counts.max_directives = counts.max_directives.max(field.directives.len());
                for (_, value) in &field.arguments {
                    // Variables are checked on their own; here they stand in as null.
                    let literal = value
                        .node
                        .clone()
                        .into_const_with(|_| Ok::<_, std::convert::Infallible>(Value::Null));
                    if literal.is_ok_and(|v| has_nul(&v)) {
                        counts.nul = true;
                    }
                }
                walk(&field.selection_set.node, counts);
            }
            Selection::FragmentSpread(spread) => {
                counts.max_directives = counts.max_directives.max(spread.node.directives.len());
            }
            Selection::InlineFragment(fragment) => {
                counts.max_directives = counts.max_directives.max(fragment.node.directives.len());
                walk(&fragment.node.selection_set.node, counts);
            }
        }
    }
}

fn check(
    limits: &DocumentLimits,
    document: &ExecutableDocument,
    variables: &Variables,
) -> ServerResult<()> {
    let mut counts = Counts::default();
    for (_, operation) in document.operations.iter() {
        walk(&operation.node.selection_set.node, &mut counts);
    }
    for fragment in document.fragments.values() {
        walk(&fragment.node.selection_set.node, &mut counts);
    }
    if counts.aliases > limits.max_aliases {
        return Err(ServerError::new(
            format!(
                "Too many aliases: {} (at most {} per request).",
                counts.aliases, limits.max_aliases
            ),
            None,
        ));
    }
    if counts.max_directives > limits.max_directives_per_field {
        return Err(ServerError::new(
            format!(
                "Too many directives on one field (at most {}).",
                limits.max_directives_per_field
            ),
            None,
        ));
    }
    let variables_have_nul =
        variables.iter().any(|(name, value)| name.contains('\0') || has_nul(value));
    if counts.nul || variables_have_nul {
        return Err(ServerError::new("String arguments must not contain NUL characters.", None));
    }
    Ok(())
}

#[async_graphql::async_trait::async_trait]
impl Extension for DocumentLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        check(self, &document, variables)?;
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(started) = ctx.data_opt::<ExecutionStarted>() {
            started.0.store(true, Ordering::SeqCst);
        }
        next.run(ctx, operation_name).await
    }
}
