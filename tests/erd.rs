//! The committed ER diagram (`docs/schema.md`) is the one the entities generate.

use service::assoc::erd::mermaid;
use service::schema::registry;

#[test]
fn the_committed_er_diagram_matches_the_entities() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema.md"))
        .expect("docs/schema.md exists");
    let committed = doc
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/schema.md has a mermaid block");
    assert_eq!(
        committed,
        mermaid(registry()),
        "docs/schema.md is stale: regenerate its block with `cargo run -- erd`"
    );
}

#[test]
fn the_diagram_shows_cardinality_and_on_delete_for_every_belongs_to() {
    let diagram = mermaid(registry());
    assert_eq!(diagram.matches("--o{").count(), 13);
    assert!(diagram.contains(r#"users ||--o{ hearts : "user_id ON DELETE CASCADE""#));
    assert!(diagram.contains(r#"doctors ||--o{ appointments : "doctor_id ON DELETE RESTRICT""#));
    assert!(diagram.contains(r#"genres |o--o{ songs : "genre_id ON DELETE SET NULL""#));
    assert!(diagram.contains("integer follower_id PK, FK"));
}
