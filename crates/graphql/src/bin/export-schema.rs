//! Prints the schema as SDL: `./tribe schema` writes it to schema.graphql.
fn main() {
    print!("{}", graphql::sdl());
}
