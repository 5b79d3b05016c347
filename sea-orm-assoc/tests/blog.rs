//! The toolkit on its own fixture schema (tests/common: a blog with `i64`, `String` and
//! `Uuid` keys), on the backend `DATABASE_URL` names: unset for SQLite, or
//! `postgres://postgres@127.0.0.1:5432/postgres`, `mysql://root@127.0.0.1:3306/mysql`.

mod common;

use common::{Blog, bookmark, comment, follow, link, person, post, registry, tag, tagging};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, RelationTrait};
use sea_orm_assoc::audit::check_foreign_keys;
use sea_orm_assoc::counter::{self, Drift};
use sea_orm_assoc::error::is_check_violation;
use sea_orm_assoc::join::{attach, attach_new, contains, detach, sync, toggle};
use sea_orm_assoc::{AlreadyLinked, Attached, DestroyError, LinkError, Rule, Side, Toggled};

fn s(v: &str) -> String {
    v.to_owned()
}

#[tokio::test]
async fn attach_detach_and_contains_with_a_string_key_keep_the_counter_cache() {
    let b = Blog::new().await;
    b.person(1, "ann").await;
    b.post(10, 1, "Hello").await;
    b.tag("rust").await;

    let first = attach::<tagging::Entity, _>(&b.db, 10, s("rust")).await;
    assert_eq!(first.unwrap(), Attached::Created);
    let again = attach::<tagging::Entity, _>(&b.db, 10, s("rust")).await;
    assert_eq!(again.unwrap(), Attached::AlreadyLinked, "idempotent");
    assert_eq!(b.taggings_count("rust").await, 1, "counted once");
    assert!(
        contains::<tagging::Entity, _>(&b.db, 10, s("rust"))
            .await
            .unwrap()
    );

    assert!(
        detach::<tagging::Entity, _>(&b.db, 10, s("rust"))
            .await
            .unwrap()
    );
    assert!(
        !detach::<tagging::Entity, _>(&b.db, 10, s("rust"))
            .await
            .unwrap(),
        "detaching twice is not an error"
    );
    assert_eq!(b.taggings_count("rust").await, 0);
    assert_eq!(b.rows("taggings").await, 0);
}

#[tokio::test]
async fn a_missing_parent_is_named_by_side_table_and_id_and_nothing_is_written() {
    let b = Blog::new().await;
    b.person(1, "ann").await;
    b.post(10, 1, "Hello").await;
    b.tag("rust").await;

    let err = attach::<tagging::Entity, _>(&b.db, 99, s("rust"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LinkError::MissingParent { side: Side::Left, table, id } if table == "posts" && id == "99"),
        "{err:?}"
    );
    let err = toggle::<tagging::Entity, _>(&b.db, 10, s("go"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LinkError::MissingParent { side: Side::Right, table, id } if table == "tags" && id == "go"),
        "{err:?}"
    );
    let ghost = uuid::Uuid::new_v4();
    let err = attach::<bookmark::Entity, _>(&b.db, 1, ghost)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LinkError::MissingParent { side: Side::Right, table, id } if table == "links" && *id == ghost.to_string()),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("links {ghost} not found (right side)")
    );
    assert_eq!(b.rows("taggings").await + b.rows("bookmarks").await, 0);
    assert_eq!(b.taggings_count("rust").await, 0);
}

#[tokio::test]
async fn attach_new_refuses_a_linked_pair_naming_it() {
    let b = Blog::new().await;
    b.person(1, "ann").await;
    let link = b.link("https://example.com").await;
    attach_new::<bookmark::Entity, _>(&b.db, 1, link)
        .await
        .unwrap();
    let err = attach_new::<bookmark::Entity, _>(&b.db, 1, link)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AlreadyLinked::Pair { join, left, right } if join == "bookmarks" && left == "1" && *right == link.to_string()),
        "{err:?}"
    );
    assert_eq!(b.bookmarks_count(link).await, 1);
}

#[tokio::test]
async fn toggle_with_a_uuid_key_flips_and_reports_the_cached_count() {
    let b = Blog::new().await;
    b.person(1, "ann").await;
    b.person(2, "bob").await;
    let link = b.link("https://example.com").await;

    let on = toggle::<bookmark::Entity, _>(&b.db, 1, link).await.unwrap();
    assert_eq!(on, Toggled { on: true, count: 1 });
    let bob = toggle::<bookmark::Entity, _>(&b.db, 2, link).await.unwrap();
    assert_eq!(bob, Toggled { on: true, count: 2 });
    let off = toggle::<bookmark::Entity, _>(&b.db, 1, link).await.unwrap();
    assert_eq!(
        off,
        Toggled {
            on: false,
            count: 1
        }
    );
    assert_eq!(b.bookmarks_count(link).await, 1);
}

#[tokio::test]
async fn a_self_referential_join_refuses_a_self_link_and_the_check_is_recognised_by_kind() {
    let b = Blog::new().await;
    b.person(1, "ann").await;
    b.person(2, "bob").await;

    let err = attach::<follow::Entity, _>(&b.db, 1, 1).await.unwrap_err();
    assert!(
        matches!(&err, LinkError::SelfLink { join, table, id } if join == "follows" && table == "people" && id == "1"),
        "{err:?}"
    );
    assert_eq!(
        toggle::<follow::Entity, _>(&b.db, 1, 2).await.unwrap(),
        Toggled { on: true, count: 1 },
        "without a counter cache the count is read"
    );

    // The database refuses it too, whoever writes the row; the constraint is called
    // `no_loops`, and is recognised as a CHECK all the same.
    let raw = follow::ActiveModel {
        follower_id: Set(2),
        followed_id: Set(2),
    }
    .insert(&b.db)
    .await
    .unwrap_err();
    assert!(is_check_violation(&raw), "{raw:?}");
    assert_eq!(b.rows("follows").await, 1);
}

#[tokio::test]
async fn sync_makes_the_links_exactly_the_list_and_keeps_counts() {
    let b = Blog::new().await;
    b.person(1, "ann").await;
    b.post(10, 1, "Hello").await;
    for t in ["a", "b", "c"] {
        b.tag(t).await;
    }
    attach::<tagging::Entity, _>(&b.db, 10, s("a"))
        .await
        .unwrap();
    attach::<tagging::Entity, _>(&b.db, 10, s("b"))
        .await
        .unwrap();

    let synced = sync::<tagging::Entity, _>(&b.db, 10, &[s("c"), s("b"), s("c")])
        .await
        .unwrap();
    assert_eq!((synced.added, synced.removed), (vec![s("c")], vec![s("a")]));
    assert_eq!(b.taggings_count("a").await, 0);
    assert_eq!(b.taggings_count("b").await, 1);
    assert_eq!(b.taggings_count("c").await, 1);

    let err = sync::<tagging::Entity, _>(&b.db, 10, &[s("a"), s("zzz")])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LinkError::MissingParent { side: Side::Right, id, .. } if id == "zzz"),
        "{err:?}"
    );
    assert_eq!(b.rows("taggings").await, 2, "a refused sync writes nothing");
}

#[tokio::test]
async fn counts_for_many_parents_take_one_statement() {
    let b = Blog::new().await;
    b.person(1, "ann").await;
    b.person(2, "bob").await;
    let links = [b.link("a").await, b.link("b").await, b.link("c").await];
    attach::<bookmark::Entity, _>(&b.db, 1, links[0])
        .await
        .unwrap();
    attach::<bookmark::Entity, _>(&b.db, 2, links[0])
        .await
        .unwrap();
    attach::<bookmark::Entity, _>(&b.db, 2, links[1])
        .await
        .unwrap();

    let (counts, sent) = b
        .log
        .capture(counter::counts(
            &b.db,
            &bookmark::Relation::Link.def(),
            &links,
        ))
        .await;
    let counts = counts.unwrap();
    assert_eq!(sent.count(), 1);
    assert_eq!(counts.get(&links[0]), Some(&2));
    assert_eq!(counts.get(&links[1]), Some(&1));
    assert_eq!(counts.get(&links[2]), None, "no rows, absent");
}

#[tokio::test]
async fn a_count_agrees_with_a_capture_and_nested_captures_still_see_their_statements() {
    let b = Blog::new().await;
    b.person(1, "ann").await;
    let links = [b.link("a").await, b.link("b").await];

    // The same write captured, then counted (its BEGIN and COMMIT, where they are
    // statements of their own, are counted by neither; on SQLite it is one batch, on
    // PostgreSQL one statement).
    let (_, captured) = b
        .log
        .capture(attach::<bookmark::Entity, _>(&b.db, 1, links[0]))
        .await;
    detach::<bookmark::Entity, _>(&b.db, 1, links[0])
        .await
        .unwrap();
    let (_, counted) = b
        .log
        .count(attach::<bookmark::Entity, _>(&b.db, 1, links[0]))
        .await;
    // SQLite: the batch; PostgreSQL: the WITH; MySQL: the INSERT and the counter's
    // UPDATE.
    let sent = if b.db.get_database_backend() == sea_orm::DbBackend::MySql {
        2
    } else {
        1
    };
    assert_eq!(captured.count(), sent, "{:?}", captured.statements);
    assert_eq!(counted, captured.count());

    // A capture inside a count sees its own statements; the count includes them.
    let ((inner, _), counted) = b
        .log
        .count(async {
            let (attached, inner) = b
                .log
                .capture(attach::<bookmark::Entity, _>(&b.db, 1, links[1]))
                .await;
            attached.unwrap();
            let more = counter::counts(&b.db, &bookmark::Relation::Link.def(), &links).await;
            (inner, more.unwrap())
        })
        .await;
    assert_eq!(inner.count(), captured.count());
    assert_eq!(counted, captured.count() + 1);

    // A count inside a capture leaves the statements to the capture.
    let ((_, counted), outer) = b
        .log
        .capture(b.log.count(counter::counts(
            &b.db,
            &bookmark::Relation::Link.def(),
            &links,
        )))
        .await;
    assert_eq!((counted, outer.count()), (1, 1));
}

#[tokio::test]
async fn verify_finds_drift_and_recount_repairs_it_with_string_keys() {
    let b = Blog::new().await;
    b.person(1, "ann").await;
    b.post(10, 1, "Hello").await;
    b.tag("rust").await;
    b.tag("go").await;
    attach::<tagging::Entity, _>(&b.db, 10, s("rust"))
        .await
        .unwrap();
    // Someone writes the cache by hand.
    tag::ActiveModel {
        name: Set(s("go")),
        taggings_count: Set(5),
    }
    .update(&b.db)
    .await
    .unwrap();

    let drift = counter::verify::<String, _>(&b.db, &common::taggings_counter())
        .await
        .unwrap();
    assert_eq!(
        drift,
        [Drift {
            parent_id: s("go"),
            cached: 5,
            actual: 0
        }]
    );
    counter::recount::<String, _>(&b.db, &common::taggings_counter())
        .await
        .unwrap();
    assert!(
        counter::verify::<String, _>(&b.db, &common::taggings_counter())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_registry_reads_the_rules_from_the_entities_and_the_database_agrees() {
    let b = Blog::new().await;
    let r = registry();
    let rule = |parent: &str, child: &str| {
        r.dependents_of(parent)
            .into_iter()
            .find(|(def, _)| def.from_tbl.sea_orm_table().to_string() == child)
            .map(|(_, rule)| rule)
    };
    assert_eq!(
        rule("people", "posts"),
        Some(Rule::Destroy),
        "posts have dependents"
    );
    assert_eq!(
        rule("posts", "taggings"),
        Some(Rule::Destroy),
        "a counter cache"
    );
    assert_eq!(rule("posts", "comments"), Some(Rule::DeleteAll));
    assert_eq!(rule("people", "comments"), Some(Rule::Nullify));
    assert_eq!(rule("tags", "taggings"), Some(Rule::Restrict));
    assert_eq!(check_foreign_keys(&b.db, &r).await.unwrap(), []);
}

#[tokio::test]
async fn destroying_a_person_follows_every_rule_and_keeps_both_counter_caches() {
    let b = Blog::new().await;
    b.person(1, "ann").await;
    b.person(2, "bob").await;
    b.post(10, 1, "Ann's").await;
    b.post(20, 2, "Bob's").await;
    b.tag("rust").await;
    attach::<tagging::Entity, _>(&b.db, 10, s("rust"))
        .await
        .unwrap();
    attach::<tagging::Entity, _>(&b.db, 20, s("rust"))
        .await
        .unwrap();
    b.comment(100, 10, Some(2)).await; // bob on ann's post: goes with the post
    b.comment(200, 20, Some(1)).await; // ann on bob's post: stays, author nulled
    attach::<follow::Entity, _>(&b.db, 1, 2).await.unwrap();
    attach::<follow::Entity, _>(&b.db, 2, 1).await.unwrap();
    let link = b.link("https://example.com").await;
    attach::<bookmark::Entity, _>(&b.db, 1, link).await.unwrap();
    attach::<bookmark::Entity, _>(&b.db, 2, link).await.unwrap();

    let steps = registry()
        .destroy(&b.db, person::Entity, 1_i64)
        .await
        .unwrap();
    let rows = |relation: &str| {
        steps
            .iter()
            .filter(|s| s.relation == relation)
            .map(|s| s.rows)
            .sum::<u64>()
    };
    assert_eq!(rows("posts.author_id"), 1);
    assert_eq!(rows("taggings.post_id"), 1);
    assert_eq!(rows("comments.post_id"), 1);
    assert_eq!(rows("comments.author_id"), 1, "nullified");
    assert_eq!(rows("follows.follower_id") + rows("follows.followed_id"), 2);
    assert_eq!(rows("bookmarks.person_id"), 1);

    assert_eq!(b.rows("people").await, 1);
    assert_eq!(b.taggings_count("rust").await, 1, "the tag lost ann's post");
    assert_eq!(
        b.bookmarks_count(link).await,
        1,
        "the link lost ann's bookmark"
    );
    let kept = comment::Entity::find_by_id(200_i64)
        .one(&b.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.author_id, None);
    assert!(
        counter::verify::<String, _>(&b.db, &common::taggings_counter())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        counter::verify::<uuid::Uuid, _>(&b.db, &common::bookmarks_counter())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_restrict_rule_refuses_the_destroy_naming_the_relation_and_writes_nothing() {
    let b = Blog::new().await;
    b.person(1, "ann").await;
    b.post(10, 1, "Hello").await;
    b.post(11, 1, "Again").await;
    b.tag("rust").await;
    attach::<tagging::Entity, _>(&b.db, 10, s("rust"))
        .await
        .unwrap();
    attach::<tagging::Entity, _>(&b.db, 11, s("rust"))
        .await
        .unwrap();

    let err = registry()
        .destroy(&b.db, tag::Entity, s("rust"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DestroyError::Restricted { table, id, relation, rows: 2 }
            if table == "tags" && id == "rust" && relation == "taggings.tag_name"),
        "{err:?}"
    );
    assert_eq!(b.rows("tags").await, 1);
    assert_eq!(b.rows("taggings").await, 2);

    let err = registry()
        .destroy(&b.db, post::Entity, 999_i64)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DestroyError::NotFound { table, id } if table == "posts" && id == "999"),
        "{err:?}"
    );
}

#[tokio::test]
async fn destroy_many_takes_the_same_statements_for_two_people_or_twenty() {
    async fn statements(n: i64) -> usize {
        let b = Blog::new().await;
        b.tag("rust").await;
        let link = b.link("l").await;
        for id in 1..=n {
            b.person(id, "p").await;
            b.post(id, id, "t").await;
            attach::<tagging::Entity, _>(&b.db, id, s("rust"))
                .await
                .unwrap();
            attach::<bookmark::Entity, _>(&b.db, id, link)
                .await
                .unwrap();
        }
        let ids: Vec<i64> = (1..=n).collect();
        let (done, sent) = b
            .log
            .capture(registry().destroy_many(&b.db, person::Entity, &ids))
            .await;
        done.unwrap();
        assert_eq!(b.rows("people").await, 0);
        assert_eq!(b.taggings_count("rust").await, 0);
        assert_eq!(b.bookmarks_count(link).await, 0);
        sent.count()
    }
    assert_eq!(statements(2).await, statements(20).await);
}

#[tokio::test]
async fn concurrent_toggles_of_one_pair_leave_counts_and_rows_in_step() {
    let b = Blog::concurrent().await;
    b.person(1, "ann").await;
    let link = b.link("l").await;
    let toggles = (0..16).map(|_| toggle::<bookmark::Entity, _>(&b.db, 1, link));
    let results = futures::future::join_all(toggles).await;
    for r in &results {
        assert!(r.is_ok(), "{r:?}");
    }
    // An even number of toggles ends where it started.
    assert_eq!(b.rows("bookmarks").await, 0);
    assert_eq!(b.bookmarks_count(link).await, 0);
}

#[tokio::test]
async fn the_link_rules_of_a_registry_accept_any_key_type() {
    let b = Blog::new().await;
    b.person(1, "ann").await;
    let link = b.link("l").await;
    attach::<bookmark::Entity, _>(&b.db, 1, link).await.unwrap();
    let steps = registry().destroy(&b.db, link::Entity, link).await.unwrap();
    assert_eq!(steps[0].relation, "bookmarks.link_id");
    // bookmarks keep a counter cache, so they are destroyed row-aware, not deleted blind.
    assert_eq!((steps[0].rule, steps[0].rows), (Rule::Destroy, 1));
    assert_eq!(b.rows("links").await, 0);
}

#[tokio::test]
async fn keyset_pages_walk_the_whole_list_both_ways_with_ties_and_refuse_bad_cursors() {
    use sea_orm_assoc::page::{Cursor, Keyset};
    let b = Blog::new().await;
    b.person(1, "ann").await;
    // 23 posts whose titles repeat, so the tie-breaker decides the order.
    for id in 1..=23_i64 {
        b.post(id, 1, ["b", "a", "c"][usize::try_from(id % 3).unwrap()])
            .await;
    }
    let keyset = Keyset::newest_first(post::Column::Title, post::Column::Id);
    let key = |p: &post::Model| (p.title.clone(), p.id);
    let mut expected: Vec<(String, i64)> = post::Entity::find()
        .all(&b.db)
        .await
        .unwrap()
        .iter()
        .map(key)
        .collect();
    expected.sort_by(|x, y| y.cmp(x));

    // Forwards, five a page, read by `Keyset::rows`: the `LIMIT` in the text.
    let mut seen = Vec::new();
    let mut at: Option<Cursor<String, i64>> = None;
    let mut pages = 0;
    loop {
        let (rows, sent) = b
            .log
            .capture(keyset.rows::<_, post::Model, _>(&b.db, post::Entity::find(), at.as_ref(), 5))
            .await;
        assert_eq!(sent.count(), 1, "one statement a page");
        let sql = &sent.statements[0].sql;
        assert!(
            sql.ends_with(" LIMIT 6"),
            "the page size in the text: {sql}"
        );
        let page = keyset.page(rows.unwrap(), at.as_ref(), 5, key);
        assert_eq!(page.newer.is_some(), pages > 0);
        seen.extend(page.items.iter().map(key));
        pages += 1;
        match page.older {
            Some(next) => at = Some(Cursor::parse(&next.encode()).unwrap()),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(seen, expected, "every row once, in order");

    // Backwards from the last page, read by `apply` with the limit bound: the same rows.
    let mut back = Vec::new();
    let mut at = Some(Cursor::Before(expected[20].0.clone(), expected[20].1));
    while let Some(cursor) = at {
        let rows = keyset
            .apply(post::Entity::find(), Some(&cursor), 5)
            .all(&b.db)
            .await
            .unwrap();
        let page = keyset.page(rows, Some(&cursor), 5, key);
        assert!(page.older.is_some());
        back.splice(0..0, page.items.iter().map(key));
        at = page.newer;
    }
    assert_eq!(back, expected[..20]);

    for bad in [
        "",
        "zz",
        "a31.32.00000000",
        "not a cursor at all",
        &"a".repeat(600),
    ] {
        assert!(Cursor::<String, i64>::parse(bad).is_err(), "{bad:?}");
    }
    let good = Cursor::After(s("a"), 3_i64).encode();
    let mut edited = good.clone();
    edited.replace_range(1..3, "62");
    assert!(
        Cursor::<String, i64>::parse(&edited).is_err(),
        "an edit breaks the checksum"
    );
    assert!(
        Cursor::<i64, i64>::parse(&good).is_err(),
        "a key of the wrong type"
    );
}
