//! `--unlogged-load`: PostgreSQL tables are created UNLOGGED, loaded, then made
//! LOGGED before their indexes are built — the finished tables and indexes are
//! ordinary, crash-safe ones and every row verifies. Other targets ignore the
//! option with a warning.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ferry_engine::{migrate, PlanSettings, Progress};
use ferry_fixtures::{MySqlDb, PgDb};

const SOURCE_TABLES: &str = "
    CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL);
    CREATE TABLE child (id bigint PRIMARY KEY, parent_id int NOT NULL REFERENCES parent(id), note varchar(20));
    CREATE INDEX child_note ON child (note);
    INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 50) g;
    INSERT INTO child SELECT g, 1 + g % 50, CASE WHEN g % 7 = 0 THEN NULL ELSE 'n' || g END
      FROM generate_series(1, 5000) g;";

fn unlogged_settings() -> PlanSettings {
    PlanSettings {
        unlogged_load: true,
        ..PlanSettings::default()
    }
}

#[tokio::test]
async fn postgres_tables_load_unlogged_and_end_logged() {
    let src = PgDb::create("unlogged_src").await;
    let dst = PgDb::create("unlogged_dst").await;
    src.execute(SOURCE_TABLES).await;

    let options = common::options(&src.url, &dst.url, unlogged_settings());
    let report = migrate(&options, &Progress::new(true)).await.unwrap();
    let summary = report.summary();
    assert!(report.ok, "{summary}");
    assert!(
        report.notes.iter().any(|n| n.contains("UNLOGGED")),
        "the report says the load was unlogged: {summary}"
    );
    let verify = report.verify.as_ref().expect("full verification ran");
    assert!(
        verify.tables.iter().all(|t| t.status == "PASS"),
        "{summary}"
    );

    // Every relation of the copied tables (heaps, primary keys, indexes) is permanent.
    let rows = dst
        .client()
        .await
        .query(
            "SELECT c.relname, c.relpersistence::text FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    let relations: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert!(
        relations.len() >= 5,
        "2 tables, 2 primary keys, 1 index: {relations:?}"
    );
    assert!(
        relations.iter().all(|(_, p)| p == "p"),
        "every relation ends LOGGED (relpersistence p): {relations:?}"
    );
}

#[tokio::test]
async fn dry_run_lists_the_unlogged_create_and_set_logged() {
    let src = PgDb::create("unlogged_dry_src").await;
    let dst = PgDb::create("unlogged_dry_dst").await;
    src.execute(SOURCE_TABLES).await;

    let mut options = common::options(&src.url, &dst.url, unlogged_settings());
    options.dry_run = true;
    let report = migrate(&options, &Progress::new(true)).await.unwrap();
    let statements = report.statements.join(";\n");
    let position = |needle: &str| {
        statements
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} missing from:\n{statements}"))
    };
    assert!(position("CREATE UNLOGGED TABLE \"public\".\"child\"") < position("SET LOGGED"));
    assert!(
        position("ALTER TABLE \"public\".\"child\" SET LOGGED") < position("CREATE INDEX"),
        "tables are made logged before their indexes are built:\n{statements}"
    );
}

#[tokio::test]
async fn mysql_target_ignores_it_with_a_warning() {
    let src = PgDb::create("unlogged_my_src").await;
    let dst = MySqlDb::create("unlogged_my_dst").await;
    src.execute(SOURCE_TABLES).await;

    let options = common::options(&src.url, &dst.url, unlogged_settings());
    let report = migrate(&options, &Progress::new(true)).await.unwrap();
    let summary = report.summary();
    assert!(report.ok, "{summary}");
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("--unlogged-load was ignored")),
        "{summary}"
    );
}
