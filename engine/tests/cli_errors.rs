//! Every error a user can meet names the object and the way out, exits with the
//! documented code, prints no secret, and leaves the target as it was.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferry_fixtures::{MySqlDb, PgDb};
use mysql_async::prelude::Queryable;
use std::process::{Command, Output};

fn ferry(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(args)
        .env_remove("PGPASSWORD")
        .env_remove("MYSQL_PWD")
        .output()
        .expect("run ferry")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn pg_tables(db: &PgDb) -> Vec<String> {
    let c = db.client().await;
    c.query("SELECT table_name::text FROM information_schema.tables WHERE table_schema='public' ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn unreachable_server_names_host_and_port() {
    let pg = PgDb::create("err_unreach").await;
    let out = ferry(&[
        "migrate",
        "--source",
        "mysql://root:topsecret@127.0.0.1:1/db",
        "--target",
        &pg.url,
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cannot reach") && err.contains("127.0.0.1:1"),
        "{err}"
    );
    assert!(!err.contains("topsecret"), "{err}");
    assert_eq!(err.lines().count(), 1, "one paragraph, no backtrace: {err}");
    assert!(pg_tables(&pg).await.is_empty());
}

#[tokio::test]
async fn wrong_password_names_the_user_not_the_password() {
    let src = MySqlDb::create("err_auth").await;
    let pg = PgDb::create("err_auth").await;
    let user = format!("u_{}", &src.name[src.name.len() - 8..]);
    let mut conn = src.conn().await;
    conn.query_drop(format!(
        "CREATE USER '{user}'@'%' IDENTIFIED BY 'right-pass'"
    ))
    .await
    .unwrap();
    let url = src
        .url
        .replacen("mysql://root@", &format!("mysql://{user}:wrong-pass@"), 1);
    let out = ferry(&["migrate", "--source", &url, "--target", &pg.url, "-q"]);
    conn.query_drop(format!("DROP USER '{user}'@'%'"))
        .await
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&user) && err.contains("password"), "{err}");
    assert!(
        !err.contains("wrong-pass") && !err.contains("right-pass"),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_database_and_schema() {
    let pg = PgDb::create("err_unknown").await;
    let my = MySqlDb::create("err_unknown").await;
    let missing_db = format!("{}_nope", my.name);
    let url = my.url.replace(&my.name, &missing_db);
    let out = ferry(&["migrate", "--source", &url, "--target", &pg.url, "-q"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&missing_db) && err.contains("does not exist"),
        "{err}"
    );

    let out = ferry(&[
        "migrate",
        "--source",
        &pg.url_with_schema("no_such_schema"),
        "--target",
        &my.url,
        "-q",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no_such_schema"), "{err}");
}

#[tokio::test]
async fn existing_target_tables_are_refused_and_untouched() {
    let src = MySqlDb::create("err_exists").await;
    src.execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO t VALUES (1,'new'),(2,'new');").await;
    let pg = PgDb::create("err_exists").await;
    pg.execute("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (9,'old');")
        .await;
    let out = ferry(&["migrate", "--source", &src.url, "--target", &pg.url, "-q"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("already has") && err.contains("--if-exists"),
        "{err}"
    );
    let c = pg.client().await;
    let rows = c.query("SELECT id, v FROM t", &[]).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, String>(1), "old");

    // --if-exists=replace recreates it from the source.
    let out = ferry(&[
        "migrate",
        "--source",
        &src.url,
        "--target",
        &pg.url,
        "--if-exists",
        "replace",
        "-q",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let n: i64 = c
        .query_one("SELECT count(*) FROM t WHERE v = 'new'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
}

#[tokio::test]
async fn unsupported_type_names_the_column() {
    let src = PgDb::create("err_unsup").await;
    src.execute("CREATE TABLE shapes (id int PRIMARY KEY, area point)")
        .await;
    let dst = MySqlDb::create("err_unsup").await;
    let out = ferry(&["migrate", "--source", &src.url, "--target", &dst.url, "-q"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("shapes.area") && err.contains("point") && err.contains("exclude = true"),
        "{err}"
    );
    // Following the advice works: the column is left out, the rest is copied.
    let config = std::env::temp_dir().join(format!("{}.toml", src.name));
    std::fs::write(&config, "[tables.shapes.columns.area]\nexclude = true\n").unwrap();
    let out = ferry(&[
        "migrate",
        "--source",
        &src.url,
        "--target",
        &dst.url,
        "--config",
        config.to_str().unwrap(),
        "-q",
    ]);
    let _ = std::fs::remove_file(&config);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let mut conn = dst.conn().await;
    let cols: Vec<String> = conn
        .query("SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'shapes'")
        .await
        .unwrap();
    assert_eq!(cols, vec!["id".to_string()]);
}

#[tokio::test]
async fn orphan_rows_are_reported_per_foreign_key() {
    let src = MySqlDb::create("err_orphan").await;
    src.execute(
        "CREATE TABLE parent (id INT PRIMARY KEY);
         CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent(id));
         INSERT INTO parent VALUES (1);
         SET foreign_key_checks = 0;
         INSERT INTO child VALUES (1, 1), (2, 7), (3, 8), (4, NULL);",
    )
    .await;
    let pg = PgDb::create("err_orphan").await;
    let report_path = std::env::temp_dir().join(format!("{}.json", pg.name));
    let out = ferry(&[
        "migrate",
        "--source",
        &src.url,
        "--target",
        &pg.url,
        "--report",
        report_path.to_str().unwrap(),
        "-q",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains("fk_child_parent") && text.contains("2 row(s) of child"),
        "{text}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let _ = std::fs::remove_file(&report_path);
    assert_eq!(report["ok"], false);
    assert_eq!(report["foreign_keys"][0]["name"], "fk_child_parent");
    assert_eq!(report["foreign_keys"][0]["orphan_rows"], 2);
    assert_eq!(report["foreign_keys"][0]["created"], false);
    // The rows themselves were copied, nothing silently dropped.
    let n: i64 = pg
        .client()
        .await
        .query_one("SELECT count(*) FROM child", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 4);
}

#[tokio::test]
async fn broken_config_names_the_line() {
    let path = std::env::temp_dir().join(format!("ferry-bad-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        "source = \"mysql://u:hunter2@h/db\"\njobs = \"four\"\n",
    )
    .unwrap();
    let out = ferry(&[
        "migrate",
        "--config",
        path.to_str().unwrap(),
        "--target",
        "sqlite:///tmp/x.db",
        "-q",
    ]);
    let _ = std::fs::remove_file(&path);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("line 2") && err.contains("jobs"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[tokio::test]
async fn hostile_identifiers_survive_intact() {
    let src = MySqlDb::create("hostile").await;
    src.execute(
        "CREATE TABLE y (id INT PRIMARY KEY);
         CREATE TABLE `x\"; DROP TABLE y; --` (`select` INT PRIMARY KEY, `Mixed Case ``q`` \"d\"` VARCHAR(20));
         INSERT INTO `x\"; DROP TABLE y; --` VALUES (1, 'a'), (2, NULL);",
    )
    .await;
    let pg = PgDb::create("hostile").await;
    let out = ferry(&["migrate", "--source", &src.url, "--target", &pg.url, "-q"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(
        pg_tables(&pg).await,
        vec!["x\"; DROP TABLE y; --".to_string(), "y".to_string()]
    );
    let c = pg.client().await;
    let rows = c
        .query(
            r#"SELECT "select", "Mixed Case `q` ""d""" FROM "x""; DROP TABLE y; --" ORDER BY 1"#,
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get::<_, Option<String>>(1).as_deref(), Some("a"));

    // And back to MySQL.
    let back = MySqlDb::create("hostile_back").await;
    let out = ferry(&["migrate", "--source", &pg.url, "--target", &back.url, "-q"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let mut conn = back.conn().await;
    let n: Option<i64> = conn
        .query_first("SELECT COUNT(*) FROM `x\"; DROP TABLE y; --`")
        .await
        .unwrap();
    assert_eq!(n, Some(2));
}

#[tokio::test]
async fn lossy_conversion_needs_consent() {
    let src = PgDb::create("lossy").await;
    src.execute(
        "CREATE TABLE m (id int PRIMARY KEY, amount numeric); INSERT INTO m VALUES (1, 1.5);",
    )
    .await;
    let dst = MySqlDb::create("lossy").await;
    let out = ferry(&["migrate", "--source", &src.url, "--target", &dst.url, "-q"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("m.amount") && err.contains("--allow-lossy"),
        "{err}"
    );
    let mut conn = dst.conn().await;
    let n: Option<i64> = conn
        .query_first(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()",
        )
        .await
        .unwrap();
    assert_eq!(n, Some(0), "nothing may be created before the refusal");

    let out = ferry(&[
        "migrate",
        "--source",
        &src.url,
        "--target",
        &dst.url,
        "--allow-lossy",
        "-q",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("lossy: m.amount"), "{}", stdout(&out));
}

#[tokio::test]
async fn dry_run_prints_ddl_and_touches_nothing() {
    let src = MySqlDb::create("dry").await;
    src.execute("CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(30) NOT NULL, KEY ix_name (name));").await;
    let pg = PgDb::create("dry").await;
    let out = ferry(&[
        "migrate",
        "--source",
        &src.url,
        "--target",
        &pg.url,
        "--dry-run",
        "-q",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("CREATE TABLE") && text.contains("\"a_ix_name\""),
        "{text}"
    );
    assert!(pg_tables(&pg).await.is_empty());
}

/// A source that fails part-way through a table leaves nothing of it on the
/// target, even when appending to a table that already had rows.
#[tokio::test]
async fn failed_read_appends_nothing() {
    let src = MySqlDb::create("err_partial").await;
    src.execute(
        "SET SESSION sql_mode = '';
         CREATE TABLE ev (id INT PRIMARY KEY, d DATE);
         INSERT INTO ev SELECT seq, '2020-01-01' FROM seq_1_to_999;
         INSERT INTO ev VALUES (1000, '0000-00-00');",
    )
    .await;
    let pg = PgDb::create("err_partial").await;
    pg.execute(
        "CREATE TABLE ev (id int PRIMARY KEY, d date); INSERT INTO ev VALUES (0, '1999-12-31');",
    )
    .await;
    let out = ferry(&[
        "migrate",
        "--source",
        &src.url,
        "--target",
        &pg.url,
        "--if-exists",
        "append",
        "--batch-rows",
        "100",
        "-q",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("ev") && err.contains("0000-00-00"), "{err}");
    let n: i64 = pg
        .client()
        .await
        .query_one("SELECT count(*) FROM ev", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1, "only the row that was there before may remain");
}

/// Two names that become one on the target (MySQL column names ignore case)
/// stop the plan, naming both, before anything is created.
#[tokio::test]
async fn case_folding_clashes_name_both_objects() {
    let src = PgDb::create("err_clash").await;
    src.execute(r#"CREATE TABLE people (id int PRIMARY KEY, "Name" text, name text)"#)
        .await;
    let dst = MySqlDb::create("err_clash").await;
    let out = ferry(&["migrate", "--source", &src.url, "--target", &dst.url, "-q"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("Name") && err.contains("name") && err.contains("people"),
        "{err}"
    );
    let mut conn = dst.conn().await;
    let n: Option<i64> = conn
        .query_first(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()",
        )
        .await
        .unwrap();
    assert_eq!(n, Some(0));
}

/// Appending checks the count as before + copied, and says why the table is not
/// verified row by row.
#[tokio::test]
async fn append_adds_the_rows_and_checks_the_count() {
    let src = MySqlDb::create("append_ok").await;
    src.execute("CREATE TABLE ev (id INT PRIMARY KEY, d DATE); INSERT INTO ev VALUES (1, '2020-01-01'), (2, NULL), (3, '2021-02-03');")
        .await;
    let pg = PgDb::create("append_ok").await;
    pg.execute(
        "CREATE TABLE ev (id int PRIMARY KEY, d date); INSERT INTO ev VALUES (0, '1999-12-31');",
    )
    .await;
    let out = ferry(&[
        "migrate",
        "--source",
        &src.url,
        "--target",
        &pg.url,
        "--if-exists",
        "append",
        "-q",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("ev was appended to"), "{text}");
    let n: i64 = pg
        .client()
        .await
        .query_one("SELECT count(*) FROM ev", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 4);
}

#[tokio::test]
async fn a_key_that_cannot_be_built_after_the_load_leaves_no_tables() {
    // SQLite lets a TEXT primary key hold NULLs; PostgreSQL adds the key after
    // the load and refuses them. The copied tables must not stay behind key-less.
    let path = std::env::temp_dir().join(format!("{}.db", ferry_fixtures::unique_name("nullpk")));
    ferry_fixtures::sqlite_exec(
        &path,
        "CREATE TABLE ok (id INTEGER PRIMARY KEY, v TEXT);
         INSERT INTO ok VALUES (1, 'a');
         CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER);
         INSERT INTO t VALUES ('x', 1), (NULL, 2), (NULL, 3);",
    );
    let pg = PgDb::create("nullpk_dst").await;
    let source = format!("sqlite://{}", path.display());
    let out = ferry(&["migrate", "--source", &source, "--target", &pg.url, "-q"]);
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains('t') && err.to_lowercase().contains("null"),
        "{err}"
    );
    assert_eq!(pg_tables(&pg).await, Vec::<String>::new(), "{err}");
    let _ = std::fs::remove_file(&path);
}
