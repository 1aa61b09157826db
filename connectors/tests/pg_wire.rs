//! The direct `COPY` reader (`postgres/wire`) against the real PostgreSQL: it
//! gives exactly the batches the tokio-postgres reader gives, for every type,
//! every batch cut and values longer than its read buffer; reports a server
//! error mid-stream by SQLSTATE; maps a login refused mid-run as the driver
//! does; stops quietly and frees the server when its receiver goes away;
//! reuses its sessions from table to table; and logs in with SCRAM and MD5
//! passwords (on the throwaway server `scripts/servers.sh --passwords` starts).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use arrow_array::cast::AsArray;
use arrow_array::RecordBatch;
use common::read_all;
use ferry_connectors::postgres::PgSource;
use ferry_connectors::{ConnectorError, Endpoint, Pieces, ReadOptions, Source};
use ferry_fixtures::PgDb;
use ferry_schema::Table;
use std::time::Duration;

const TYPES_PG: &str = include_str!("../../fixtures/sql/types_pg.sql");

/// Values around the reader's 128 KiB buffer and the protocol's edges:
/// empty and NULL values, 4-byte UTF-8, a value of exactly the buffer's
/// size, one just past half of it (read straight into the parser) and a
/// 3 MiB one, among short rows.
const EDGE_SQL: &str = "CREATE TABLE edge (id int PRIMARY KEY, b bytea, t text, n int);
     INSERT INTO edge
       SELECT g, decode(repeat(lpad(to_hex(g % 256), 2, '0'), 1 + g % 7), 'hex'), repeat('é😀', g % 50), g
       FROM generate_series(1, 20000) g;
     INSERT INTO edge VALUES
       (20001, '', '', NULL),
       (20002, NULL, NULL, NULL),
       (20003, convert_to(repeat('x', 131072), 'UTF8'), repeat('y', 65537), 1),
       (20004, convert_to(repeat('z', 3 << 20), 'UTF8'), repeat('😀', 100000), 2),
       (20005, '\\x00ff', 'last', 3);";

/// A source reading over direct sessions, and one reading through tokio-postgres.
async fn sources(url: &str) -> (PgSource, PgSource) {
    let endpoint = Endpoint::parse(url).unwrap();
    let wire = PgSource::connect(&endpoint)
        .await
        .unwrap()
        .with_driver_reader(false);
    let driver = PgSource::connect(&endpoint)
        .await
        .unwrap()
        .with_driver_reader(true);
    (wire, driver)
}

/// Sessions other than the caller's on `db` whose `application_name` is
/// ferry and whose state matches `state` (a LIKE pattern), once they had up
/// to 10 s to go away: a closed socket ends its backend a moment later.
async fn ferry_sessions(db: &PgDb, state: &str) -> i64 {
    let admin = db.client().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let n: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 \
                 AND pid <> pg_backend_pid() AND application_name = 'ferry' AND state LIKE $2",
                &[&db.name, &state],
            )
            .await
            .unwrap()
            .get(0);
        if n == 0 || std::time::Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn both_readers_give_identical_batches() {
    let db = PgDb::create("pg_wire_same").await;
    db.execute(TYPES_PG).await;
    db.execute(EDGE_SQL).await;
    let (wire, driver) = sources(&db.url).await;
    let schema = wire.introspect().await.unwrap();
    let cuts = [
        ReadOptions::default(),
        ReadOptions {
            batch_rows: 1,
            ..ReadOptions::default()
        },
        ReadOptions {
            batch_rows: 3,
            order_by_key: true,
            ..ReadOptions::default()
        },
        // Cut by bytes: at the long values, and at almost every row.
        ReadOptions {
            batch_bytes: 1 << 20,
            ..ReadOptions::default()
        },
        ReadOptions {
            batch_bytes: 300,
            order_by_key: true,
            ..ReadOptions::default()
        },
        // Long values shortened, then sent as pieces by a second COPY.
        ReadOptions {
            order_by_key: true,
            pieces: Some(Pieces {
                over: 100_000,
                piece: 40_000,
                columns: vec!["b".into(), "t".into()],
            }),
            ..ReadOptions::default()
        },
    ];
    for name in ["types_pg", "edge"] {
        let table = schema.table(name).unwrap();
        for options in &cuts {
            let (rows_w, batches_w) = read_all(&wire, table, options.clone()).await;
            let (rows_d, batches_d) = read_all(&driver, table, options.clone()).await;
            let what = format!("{name} with {options:?}");
            assert_eq!(rows_w.unwrap(), rows_d.unwrap(), "{what}");
            assert_eq!(batches_w.len(), batches_d.len(), "batch count of {what}");
            for (i, (w, d)) in batches_w.iter().zip(&batches_d).enumerate() {
                assert_eq!(w, d, "batch {i} of {what}");
            }
        }
    }
    assert_eq!(wire.wire_refusal(), None, "direct sessions were used");

    // Spot checks that the comparison is not vacuous.
    let edge = schema.table("edge").unwrap();
    let options = ReadOptions {
        order_by_key: true,
        ..ReadOptions::default()
    };
    let (rows, batches) = read_all(&wire, edge, options).await;
    assert_eq!(rows.unwrap(), 20005);
    let b: Vec<Option<&[u8]>> = batches
        .iter()
        .flat_map(|x| x.column(1).as_binary::<i32>().iter())
        .collect();
    let t: Vec<Option<&str>> = batches
        .iter()
        .flat_map(|x| x.column(2).as_string::<i32>().iter())
        .collect();
    assert_eq!(b.len(), 20005);
    assert_eq!(b[0], Some(&[0x01, 0x01][..]));
    assert_eq!(t[1], Some("é😀é😀"));
    assert_eq!((b[20000], t[20000]), (Some(&b""[..]), Some("")));
    assert_eq!((b[20001], t[20001]), (None, None));
    assert_eq!(b[20002].unwrap().len(), 131_072);
    assert_eq!(t[20002].unwrap().len(), 65_537);
    assert_eq!(b[20003].unwrap().len(), 3 << 20);
    assert_eq!(t[20003].unwrap().chars().count(), 100_000);
    assert_eq!(b[20004], Some(&[0x00, 0xff][..]));
}

#[tokio::test]
async fn one_session_reads_table_after_table() {
    let db = PgDb::create("pg_wire_reuse").await;
    db.execute(
        "CREATE TABLE a AS SELECT g AS id FROM generate_series(1, 10) g;
         CREATE TABLE b AS SELECT g AS id, g::text AS t FROM generate_series(1, 20) g;",
    )
    .await;
    let (wire, _) = sources(&db.url).await;
    let schema = wire.introspect().await.unwrap();
    let admin = db.client().await;
    // The direct session is the one whose last statement was its COMMIT.
    let readers = || async {
        let rows = admin
            .query(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 \
                 AND application_name = 'ferry' AND state = 'idle' AND query = 'COMMIT'",
                &[&db.name],
            )
            .await
            .unwrap();
        rows.iter().map(|r| r.get::<_, i32>(0)).collect::<Vec<_>>()
    };
    let mut seen = Vec::new();
    for (name, expected) in [("a", 10), ("b", 20), ("a", 10)] {
        let table = schema.table(name).unwrap();
        let (rows, _) = read_all(&wire, table, ReadOptions::default()).await;
        assert_eq!(rows.unwrap(), expected);
        let pids = readers().await;
        assert_eq!(pids.len(), 1, "one idle reading session after {name}");
        seen.extend(pids);
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "the same session read every table: {seen:?}");
    assert_eq!(wire.wire_refusal(), None);
}

#[tokio::test]
async fn a_server_error_mid_stream_names_the_table_and_its_sqlstate() {
    let db = PgDb::create("pg_wire_err").await;
    // Division by zero at row 30000, after many rows were sent.
    db.execute(
        "CREATE TABLE v AS SELECT g::int8 AS a, g::int8 AS b FROM generate_series(1, 60000) g;
         CREATE VIEW w AS SELECT a, 1 / (a - 30000) AS b FROM v",
    )
    .await;
    let int = |name: &str| {
        ferry_schema::Column::new(
            name,
            ferry_schema::LogicalType::Int {
                bits: 64,
                unsigned: false,
            },
        )
    };
    let table = Table::new("w", vec![int("a"), int("b")]);
    let (wire, driver) = sources(&db.url).await;
    let options = ReadOptions {
        batch_rows: 1000,
        ..ReadOptions::default()
    };
    for source in [&wire, &driver] {
        let (read, batches) = tokio::time::timeout(
            Duration::from_secs(120),
            read_all(source, &table, options.clone()),
        )
        .await
        .expect("the read ended within 2 minutes of its server error");
        match read {
            Err(ConnectorError::Server { context, code, .. }) => {
                assert!(context.contains("reading table w"), "{context}");
                assert_eq!(code.as_deref(), Some("22012"));
            }
            other => panic!("expected a server error, got {other:?}"),
        }
        assert!(!batches.is_empty(), "the error came after some rows");
    }
    assert_eq!(wire.wire_refusal(), None);
    assert_eq!(ferry_sessions(&db, "idle in transaction%").await, 0);
}

#[tokio::test]
async fn a_reader_stopped_early_frees_the_server() {
    let db = PgDb::create("pg_wire_stop").await;
    db.execute(
        "CREATE TABLE big AS SELECT g AS id, repeat('x', 100) AS pad FROM generate_series(1, 300000) g",
    )
    .await;
    let (wire, _) = sources(&db.url).await;
    let schema = wire.introspect().await.unwrap();
    let table = schema.table("big").unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let options = ReadOptions {
        batch_rows: 1000,
        ..ReadOptions::default()
    };
    let consumer = async move {
        let first: RecordBatch = rx.recv().await.unwrap();
        assert_eq!(first.num_rows(), 1000);
        drop(rx);
    };
    let (read, ()) = tokio::join!(wire.read_table(table, options, tx), consumer);
    assert!(read.unwrap() < 300_000);
    assert_eq!(wire.wire_refusal(), None);
    // Its COPY ended with the closed session: nothing left running or open.
    assert_eq!(ferry_sessions(&db, "active").await, 0);
    assert_eq!(ferry_sessions(&db, "idle in transaction%").await, 0);
    // And the next read starts afresh.
    let (rows, _) = read_all(&wire, table, ReadOptions::default()).await;
    assert_eq!(rows.unwrap(), 300_000);
}

#[tokio::test]
async fn a_login_refused_mid_run_is_an_auth_error() {
    let db = PgDb::create("pg_wire_auth").await;
    let role = format!("{}_r", db.name);
    db.execute(&format!(
        "CREATE ROLE {role} LOGIN; CREATE TABLE t (id int); INSERT INTO t VALUES (1);
         GRANT SELECT ON t TO {role}"
    ))
    .await;
    let url = ferry_fixtures::pg::url_as(&role, None, &db.name);
    let (wire, _) = sources(&url).await;
    let schema = wire.introspect().await.unwrap();
    let table = schema.table("t").unwrap().clone();
    // The account is locked after the run connected: the next session is refused.
    db.execute(&format!("ALTER ROLE {role} NOLOGIN")).await;
    let (read, _) = read_all(&wire, &table, ReadOptions::default()).await;
    drop(wire);
    db.execute(&format!("DROP OWNED BY {role}")).await;
    match read {
        Err(ConnectorError::Auth { user, detail, .. }) => {
            assert_eq!(user, role);
            assert!(detail.contains("not permitted to log in"), "{detail}");
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    // Roles are cluster-wide: drop it, not just the database.
    db.execute(&format!("DROP ROLE {role}")).await;
}

/// The password-login server `scripts/servers.sh --passwords` starts: its endpoint
/// (superuser `ferry`, password included); `None` when it is not running.
fn password_server() -> Option<Endpoint> {
    let url = std::env::var("FERRY_TEST_PG_PASSWORD_URL").ok()?;
    let file = std::env::var("FERRY_TEST_PG_PASSWORD_FILE").ok()?;
    let mut admin = Endpoint::parse(&url).ok()?;
    admin.password = Some(std::fs::read_to_string(file).ok()?.trim().to_string());
    Some(admin)
}

/// A driver session as `user` with `password` on `server`'s database `db`.
async fn session_as(
    server: &Endpoint,
    user: &str,
    password: &str,
    db: &str,
) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::Config::new()
        .host(&server.host)
        .port(server.port)
        .user(user)
        .password(password)
        .dbname(db)
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{user} logs in to {db}: {e}"));
    tokio::spawn(connection);
    client
}

#[tokio::test]
async fn scram_and_md5_logins_read_over_direct_sessions() {
    let Some(server) = password_server() else {
        eprintln!(
            "skipped: FERRY_TEST_PG_PASSWORD_URL is not set (scripts/test.sh starts a \
             server with password logins when PostgreSQL's binaries are installed)"
        );
        return;
    };
    let superuser = server.password.clone().unwrap_or_default();
    let admin = session_as(&server, &server.user, &superuser, "postgres").await;
    let db = ferry_fixtures::unique_name("pg_wire_pw");
    let (scram, md5) = (format!("{db}_scram"), format!("{db}_md5"));
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .await
        .unwrap();
    admin
        .batch_execute(&format!(
            "CREATE ROLE {scram} LOGIN PASSWORD 'scram-pw';
             SET password_encryption = 'md5';
             CREATE ROLE {md5} LOGIN PASSWORD 'md5-pw' IN ROLE ferry_md5;"
        ))
        .await
        .unwrap();
    session_as(&server, &server.user, &superuser, &db)
        .await
        .batch_execute(&format!(
            "CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g;
             GRANT SELECT ON t TO {scram}, {md5}"
        ))
        .await
        .unwrap();

    let mut outcomes = Vec::new();
    for (role, password, method) in [
        (&scram, "scram-pw", "scram-sha-256"),
        (&md5, "md5-pw", "md5"),
    ] {
        let endpoint = Endpoint::parse(&format!(
            "postgres://{role}:{password}@{}:{}/{db}",
            server.host, server.port
        ))
        .unwrap();
        let source = PgSource::connect(&endpoint).await.unwrap();
        // Connected (its driver session logged in) but has read nothing yet.
        let later = PgSource::connect(&endpoint).await.unwrap();
        let schema = source.introspect().await.unwrap();
        let table = schema.table("t").unwrap().clone();
        let (rows, batches) = read_all(&source, &table, ReadOptions::default()).await;
        assert_eq!(rows.unwrap(), 5000, "{method}");
        assert_eq!(
            batches.iter().map(RecordBatch::num_rows).sum::<usize>(),
            5000
        );
        assert_eq!(
            source.wire_refusal(),
            None,
            "{method}: the direct session logged in"
        );

        // The password changes after the run connected: its first direct
        // session is refused, as the driver's would be.
        admin
            .batch_execute(&format!("ALTER ROLE {role} PASSWORD 'changed'"))
            .await
            .unwrap();
        let (read, _) = read_all(&later, &table, ReadOptions::default()).await;
        outcomes.push((method, read));
    }
    admin
        .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .await
        .unwrap();
    admin
        .batch_execute(&format!("DROP ROLE {scram}; DROP ROLE {md5}"))
        .await
        .unwrap();
    for (method, read) in outcomes {
        match read {
            Err(ConnectorError::Auth { detail, .. }) => {
                assert!(
                    detail.contains("password authentication failed"),
                    "{method}: {detail}"
                );
                assert!(
                    !detail.contains("changed"),
                    "{method}: the password was printed"
                );
            }
            other => panic!("{method}: expected an auth error, got {other:?}"),
        }
    }
}
