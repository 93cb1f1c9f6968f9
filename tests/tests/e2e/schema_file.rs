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

/// Relations the database guarantees (a NOT NULL foreign key that cascades) are non-null, so a
/// typed client needs no guard for them; the fields that really can be missing stay nullable.
#[test]
fn guaranteed_relations_are_non_null_and_the_rest_say_why_not() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let sdl = graphql::sdl();
    let document = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
    let field = |ty: &str, name: &str| {
        document
            .definitions
            .iter()
            .find_map(|d| match d {
                TypeSystemDefinition::Type(t) if t.node.name.node == ty => match &t.node.kind {
                    TypeKind::Object(o) => {
                        o.fields.iter().find(|f| f.node.name.node == name).map(|f| f.node.clone())
                    }
                    _ => None,
                },
                _ => None,
            })
            .unwrap_or_else(|| panic!("{ty}.{name} is in the schema"))
    };
    for (ty, name) in [
        ("FeedEvent", "actor"),
        ("Project", "owner"),
        ("Tribe", "owner"),
        ("Collaborator", "user"),
        ("Collaborator", "project"),
        ("TribeMember", "user"),
        ("TribeMember", "tribe"),
    ] {
        assert!(!field(ty, name).ty.node.nullable, "{ty}.{name} must be non-null");
    }
    for (ty, name, why) in [
        ("FeedEvent", "target", "deleted"),
        ("OpenRole", "filledBy", "open"),
        ("Project", "pendingInvitations", "owner"),
        ("Tribe", "joinRequests", "owner"),
        ("User", "email", "everyone else"),
    ] {
        let field = field(ty, name);
        assert!(field.ty.node.nullable, "{ty}.{name} can be missing");
        let description = field.description.map(|d| d.node).unwrap_or_default();
        assert!(description.contains(why), "{ty}.{name} says why it is nullable: {description}");
    }
}
