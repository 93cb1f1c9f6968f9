/// `schema.graphql` is the contract the frontend builds against: it must be what the code serves.
#[test]
fn committed_schema_graphql_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).expect("schema.graphql at the repository root");
    assert!(
        committed == graphql::sdl(),
        "schema.graphql is stale: run ./tribe schema and commit the result"
    );
}
