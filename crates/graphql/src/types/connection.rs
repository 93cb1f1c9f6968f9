//! Relay connections from domain pages.
use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge};
use domain::pagination::Page;

pub fn connection<T, N: OutputType>(page: Page<T>, node: impl Fn(T) -> N) -> Connection<String, N> {
    let mut connection = Connection::new(page.has_previous_page, page.has_next_page);
    connection.edges = page
        .items
        .into_iter()
        .map(|(cursor, item)| Edge::new(cursor.encode(), node(item)))
        .collect();
    connection
}
