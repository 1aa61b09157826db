//! The direct protocol reader (`mysql/wire`) against the real MariaDB: it gives
//! exactly the batches the mysql_async reader gives, reassembles values over
//! 16 MiB (which the mysql_async path refuses), reports server errors
//! mid-stream and a wrong password as the driver path does, and stops quietly
//! when its receiver goes away.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use arrow_array::cast::AsArray;
use arrow_array::Array;
use common::read_all;
use ferry_connectors::mysql::MySqlSource;
use ferry_connectors::{ConnectorError, Endpoint, ReadOptions, Result, Source};
use ferry_fixtures::MySqlDb;
use ferry_schema::Table;
use mysql_async::prelude::Queryable;
use std::time::Duration;

const TYPES_SQL: &str = include_str!("../../fixtures/sql/types_mysql.sql");

/// Values at the protocol's edges: bytes equal to the NULL marker (0xFB) and
/// to the length prefixes (0xFC-0xFE), empty values, NULLs, 4-byte UTF-8, and
/// lengths around the 1-, 3- and 4-byte length prefixes (250/251, 65535/65536).
const EDGE_SQL: &str = "CREATE TABLE edge (id INT PRIMARY KEY, b MEDIUMBLOB, \
       t TEXT, m MEDIUMTEXT, n INT NULL) CHARACTER SET utf8mb4;
     INSERT INTO edge VALUES
       (1, x'FB', '', REPEAT('a', 250), NULL),
       (2, x'FB00FCFDFEFF', '😀', REPEAT('b', 251), 0),
       (3, x'', NULL, REPEAT('c', 65535), -1),
       (4, NULL, 'x', REPEAT('d', 65536), NULL),
       (5, REPEAT(x'FE', 70000), REPEAT('é', 20000), '', 7)";

async fn sources(db: &MySqlDb) -> (MySqlSource, MySqlSource) {
    let endpoint = Endpoint::parse(&db.url).unwrap();
    let wire = MySqlSource::connect(&endpoint)
        .await
        .unwrap()
        .with_driver_reader(false);
    let driver = MySqlSource::connect(&endpoint)
        .await
        .unwrap()
        .with_driver_reader(true);
    (wire, driver)
}

#[tokio::test]
async fn both_readers_give_identical_batches() {
    let db = MySqlDb::create("my_wire_same").await;
    db.execute(TYPES_SQL).await;
    db.execute(EDGE_SQL).await;
    let (wire, driver) = sources(&db).await;
    let schema = wire.introspect().await.unwrap();
    let cuts = [
        ReadOptions::default(),
        // Batches cut by rows.
        ReadOptions {
            batch_rows: 1,
            ..ReadOptions::default()
        },
        ReadOptions {
            batch_rows: 3,
            ..ReadOptions::default()
        },
        // Batches cut by bytes: at the 2 MB LONGBLOB, and at almost every row.
        ReadOptions {
            batch_bytes: 1 << 20,
            ..ReadOptions::default()
        },
        ReadOptions {
            batch_bytes: 300,
            order_by_key: true,
            ..ReadOptions::default()
        },
    ];
    for name in ["types_mysql", "edge"] {
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
            if options.batch_rows == 1 {
                assert_eq!(batches_w.len(), if name == "edge" { 5 } else { 4 });
            }
        }
    }
    assert_eq!(wire.wire_refusal(), None, "the direct reader was used");

    // Spot checks that the comparison is not vacuous.
    let edge = schema.table("edge").unwrap();
    let (_, batches) = read_all(&wire, edge, ReadOptions::default()).await;
    let b = batches[0].column(1).as_binary::<i32>();
    assert_eq!(b.value(0), [0xFB]);
    assert_eq!(b.value(1), [0xFB, 0x00, 0xFC, 0xFD, 0xFE, 0xFF]);
    assert_eq!(b.value(2), b"");
    assert!(b.is_null(3));
    let t = batches[0].column(2).as_string::<i32>();
    assert_eq!(t.value(0), "");
    assert_eq!(t.value(1), "😀");
    assert!(t.is_null(2));
    let m = batches[0].column(3).as_string::<i32>();
    assert_eq!(m.value(3).len(), 65536);
}

/// Loads `(bytes, id)` rows into `table` with LOAD DATA LOCAL, sent in 1 MiB
/// chunks. The server refuses a packet over its max_allowed_packet (16 MiB) —
/// an INSERT, a function result, or one chunk of the upload — but not a value
/// built from many chunks.
async fn load_escaped(db: &MySqlDb, table: &str, rows: &[(&[u8], i32)]) {
    use futures_util::StreamExt;
    let mut text = Vec::new();
    for (bytes, id) in rows {
        for &b in *bytes {
            match b {
                b'\\' => text.extend_from_slice(b"\\\\"),
                b'\t' => text.extend_from_slice(b"\\t"),
                b'\n' => text.extend_from_slice(b"\\n"),
                0 => text.extend_from_slice(b"\\0"),
                other => text.push(other),
            }
        }
        text.extend_from_slice(format!("\t{id}\n").as_bytes());
    }
    let chunks: Vec<std::io::Result<bytes::Bytes>> = text
        .chunks(1 << 20)
        .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
        .collect();
    let stream = std::sync::Mutex::new(Some(futures_util::stream::iter(chunks).boxed()));
    let mut conn = db.conn().await;
    conn.set_infile_handler(
        async move { Ok(stream.into_inner().ok().flatten().expect("one upload")) },
    );
    conn.query_drop(format!("LOAD DATA LOCAL INFILE 'big' INTO TABLE {table}"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_value_over_16_mib_is_reassembled() {
    let db = MySqlDb::create("my_wire_big").await;
    // The LONGBLOB first: its row packet starts with 0xFE (an 8-byte length),
    // like an EOF packet, but is longer than one packet.
    db.execute("CREATE TABLE big (b LONGBLOB, id INT PRIMARY KEY)")
        .await;
    let (wire, driver) = sources(&db).await;
    let table = common::table_model(&wire, "big").await;
    // 20 MiB + 3, with every byte value (0xFB NULL marker, 0xFE, 0xFF included).
    let big: Vec<u8> = (0..=255u8).cycle().take((20 << 20) + 3).collect();
    load_escaped(&db, "big", &[(&big, 1), (b"small", 2)]).await;
    let (rows, batches) = read_all(&wire, &table, ReadOptions::default()).await;
    assert_eq!(rows.unwrap(), 2);
    assert_eq!(wire.wire_refusal(), None);
    let values: Vec<&[u8]> = batches
        .iter()
        .flat_map(|b| b.column(0).as_binary::<i32>().iter().flatten())
        .collect();
    assert_eq!(values.len(), 2);
    assert!(values[0] == &big[..], "the 20 MiB value came back intact");
    assert_eq!(values[1], b"small");

    // The mysql_async path cannot read this row: the driver refuses packets
    // over the server's max_allowed_packet, which the direct reader need not.
    let (via_driver, _) = read_all(&driver, &table, ReadOptions::default()).await;
    assert!(
        via_driver.is_err_and(|e| e.to_string().contains("max_allowed_packet")),
        "the driver path refuses rows over max_allowed_packet"
    );
}

#[tokio::test]
async fn a_server_error_mid_stream_names_the_table() {
    let db = MySqlDb::create("my_wire_err").await;
    // The scalar subquery returns two rows once seq passes 30000: error 1242
    // after many rows were already sent.
    db.execute(
        "CREATE VIEW v AS SELECT seq AS a, \
         (SELECT 1 UNION SELECT 2 FROM DUAL WHERE seq > 30000) AS b FROM seq_1_to_60000",
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
    let table = Table::new("v", vec![int("a"), int("b")]);
    let (wire, driver) = sources(&db).await;
    let options = ReadOptions {
        batch_rows: 1000,
        ..ReadOptions::default()
    };
    for source in [&wire, &driver] {
        // Bounded, so a reader that waits for rows after the error fails here
        // by name instead of hanging the suite.
        let (read, batches) = tokio::time::timeout(
            Duration::from_secs(120),
            read_all(source, &table, options.clone()),
        )
        .await
        .expect("the read ended within 2 minutes of its server error");
        match read {
            Err(ConnectorError::Server { context, code, .. }) => {
                assert!(context.contains("reading table v"), "{context}");
                assert_eq!(code.as_deref(), Some("1242"));
            }
            other => panic!("expected a server error, got {other:?}"),
        }
        assert!(!batches.is_empty(), "the error came after some rows");
        assert_eq!(
            open_transactions(&db).await,
            0,
            "a reader left its transaction open"
        );
    }
    assert_eq!(wire.wire_refusal(), None);
}

/// Transactions still open on other sessions whose database is `db`'s, once
/// they had up to 10 s to end.
///
/// A reader that stops early closes its socket (direct reader) or drops its
/// pooled connection with rows pending (mysql_async, which then closes or
/// resets it in a task of the runtime). Either way the server ends the
/// transaction a moment later, not at once, so the count is taken again until
/// it reaches zero. This runs on the caller's runtime so those tasks can run:
/// what it catches is a transaction that stays open, as on a connection a
/// reader kept.
async fn open_transactions(db: &MySqlDb) -> u64 {
    let mut conn = db.conn().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let open = loop {
        let open: Option<u64> = conn
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.INNODB_TRX t \
                 JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
                 WHERE p.DB = ? AND p.ID <> CONNECTION_ID()",
                (db.name.as_str(),),
            )
            .await
            .unwrap();
        let open = open.unwrap_or(0);
        if open == 0 || std::time::Instant::now() > deadline {
            break open;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    conn.disconnect().await.unwrap();
    open
}

/// A value ferry refuses mid-table (a zero date) stops the read with a data
/// error naming the row, and neither reader leaves its snapshot transaction
/// open on a connection: the direct reader closes its own, and mysql_async
/// closes a pooled connection dropped with rows pending. An open one would
/// hold its read view, and any metadata locks, until the pool reused it.
#[tokio::test]
async fn a_refused_value_mid_stream_leaves_no_transaction_open() {
    let db = MySqlDb::create("my_wire_zero").await;
    db.execute(
        "SET SESSION sql_mode = ''; \
         CREATE TABLE z (id INT PRIMARY KEY, d DATE NOT NULL); \
         INSERT INTO z SELECT seq, '2000-01-01' + INTERVAL (seq % 1000) DAY FROM seq_1_to_40000; \
         UPDATE z SET d = '0000-00-00' WHERE id = 30000",
    )
    .await;
    let (wire, driver) = sources(&db).await;
    let table = common::table_model(&wire, "z").await;
    let options = ReadOptions {
        batch_rows: 1000,
        ..ReadOptions::default()
    };
    let mut details = Vec::new();
    for (source, reader) in [(&wire, "direct"), (&driver, "driver")] {
        let (read, batches) = read_all(source, &table, options.clone()).await;
        match read {
            Err(ConnectorError::Data { column, detail, .. }) => {
                assert_eq!(column, "d");
                assert!(detail.contains("row 30000"), "{detail}");
                assert!(detail.contains("\"0000-00-00\""), "{detail}");
                details.push(detail);
            }
            other => panic!("{reader} reader: expected a data error, got {other:?}"),
        }
        assert_eq!(
            batches.len(),
            29,
            "{reader} reader: the batches before the bad one were sent"
        );
        assert_eq!(
            open_transactions(&db).await,
            0,
            "the {reader} reader left its transaction open"
        );
    }
    // The direct reader's binary DATE cell is quoted as the driver's text.
    assert_eq!(details[0], details[1]);
}

#[tokio::test]
async fn both_readers_stop_quietly_and_release_the_table() {
    let db = MySqlDb::create("my_wire_stop").await;
    db.execute(
        "CREATE TABLE n (id INT PRIMARY KEY, pad CHAR(200)); \
         INSERT INTO n SELECT seq, 'x' FROM seq_1_to_50000",
    )
    .await;
    let (wire, driver) = sources(&db).await;
    let table = common::table_model(&wire, "n").await;
    for source in [wire, driver] {
        let (tx, mut rx) = tokio::sync::mpsc::channel(1);
        let options = ReadOptions {
            batch_rows: 100,
            ..ReadOptions::default()
        };
        let reading = tokio::spawn({
            let table = table.clone();
            async move { source.read_table(&table, options, tx).await }
        });
        assert_eq!(rx.recv().await.unwrap().num_rows(), 100);
        drop(rx);
        let read = reading.await.unwrap().unwrap();
        assert!(read < 50000, "stopped early after {read} rows");
    }
    // No connection still holds the snapshot's metadata lock.
    let mut conn = db.conn().await;
    tokio::time::timeout(Duration::from_secs(20), conn.query_drop("DROP TABLE n"))
        .await
        .expect("DROP TABLE waited on a reader's lock")
        .unwrap();
}

#[tokio::test]
async fn a_wrong_password_is_auth_without_the_password() {
    let db = MySqlDb::create("my_wire_auth").await;
    db.execute("CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)")
        .await;
    let user = db.create_user("first-Pw-123").await;
    let url = ferry_fixtures::mysql::url_as(&user, Some("first-Pw-123"), &db.name);
    let source = MySqlSource::connect(&Endpoint::parse(&url).unwrap())
        .await
        .unwrap();
    let table = common::table_model(&source, "t").await;
    let (ok, _) = read_all(&source, &table, ReadOptions::default()).await;
    assert_eq!(ok.unwrap(), 1);
    // The password changes after the pool connected: the direct reader's own
    // connection is refused, and says so like a refused pool would.
    db.set_password("second-Pw-456").await;
    let (err, _) = read_all(&source, &table, ReadOptions::default()).await;
    let err = err.unwrap_err();
    let text = format!("{err} {err:?}");
    match &err {
        ConnectorError::Auth { user: u, .. } => assert_eq!(u, &user),
        other => panic!("expected Auth, got {other}"),
    }
    assert!(!text.contains("first-Pw-123"), "{text}");
    assert!(text.contains("MYSQL_PWD"), "{text}");
    assert_eq!(source.wire_refusal(), None, "a refusal is not a fallback");
}

/// Informal timing, not an assertion: reads a lineitem-shaped table of
/// `FERRY_WIRE_BENCH_ROWS` rows (default 1.5M) through both readers and prints
/// the elapsed times. Run with
/// `cargo test -p ferry-connectors --test mysql_wire -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn time_both_readers_on_lineitem() {
    let rows: u64 = std::env::var("FERRY_WIRE_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_500_000);
    let db = MySqlDb::create("my_wire_time").await;
    db.execute(&format!(
        "CREATE TABLE lineitem (l_orderkey BIGINT NOT NULL, l_partkey BIGINT NOT NULL, \
         l_suppkey BIGINT NOT NULL, l_linenumber INT NOT NULL, l_quantity DECIMAL(15,2), \
         l_extendedprice DECIMAL(15,2), l_discount DECIMAL(15,2), l_tax DECIMAL(15,2), \
         l_returnflag CHAR(1), l_linestatus CHAR(1), l_shipdate DATE, l_commitdate DATE, \
         l_receiptdate DATE, l_shipinstruct CHAR(25), l_shipmode CHAR(10), \
         l_comment VARCHAR(44), PRIMARY KEY (l_orderkey, l_linenumber));
         INSERT INTO lineitem SELECT seq DIV 4, seq MOD 200000, seq MOD 10000, seq MOD 4, \
         seq MOD 50 + 1, 900 + (seq MOD 100000) / 100, (seq MOD 11) / 100, (seq MOD 9) / 100, \
         IF(seq MOD 3 = 0, 'R', 'N'), IF(seq MOD 2 = 0, 'O', 'F'), \
         '1992-01-01' + INTERVAL seq MOD 2500 DAY, '1992-02-01' + INTERVAL seq MOD 2500 DAY, \
         '1992-03-01' + INTERVAL seq MOD 2500 DAY, 'DELIVER IN PERSON', 'TRUCK', \
         CONCAT('carefully final deposits ', seq, ' haggle') FROM seq_1_to_{rows}"
    ))
    .await;
    let (wire, driver) = sources(&db).await;
    let table = common::table_model(&wire, "lineitem").await;
    for round in 1..=2 {
        for (name, source) in [("direct", &wire), ("mysql_async", &driver)] {
            let start = std::time::Instant::now();
            let (read, _) = read_all_dropping(source, &table).await;
            let secs = start.elapsed().as_secs_f64();
            let read = read.unwrap();
            assert_eq!(read, rows);
            println!(
                "round {round}: {name:12} {read} rows in {secs:.2} s ({:.0} rows/s)",
                read as f64 / secs
            );
        }
    }
}

/// [`read_all`] that drops the batches as they come (a 1.5M-row table kept in
/// memory would distort the timing).
async fn read_all_dropping(source: &MySqlSource, table: &Table) -> (Result<u64>, ()) {
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let drain = async { while rx.recv().await.is_some() {} };
    tokio::join!(source.read_table(table, ReadOptions::default(), tx), drain)
}

/// With `ReadOptions::digests`, both readers replace values longer than the
/// threshold (as stored) by the server's digest text: length and MD5 of
/// the UTF-8 form for text (a latin1 'é' counts two bytes there), of the
/// bytes for a BLOB. Shorter values arrive whole, latin1 converted as usual.
/// The expected MD5s were computed apart from any database (Python hashlib).
#[tokio::test]
async fn long_values_are_read_as_the_servers_digest() {
    let db = MySqlDb::create("my_wire_digest").await;
    db.execute(
        "CREATE TABLE d (id INT PRIMARY KEY, legacy TEXT CHARACTER SET latin1,
                         body TEXT CHARACTER SET utf8mb4, data BLOB);
         INSERT INTO d VALUES (1, REPEAT(_latin1 X'E9', 3000), REPEAT('\u{1f600}', 500), REPEAT(X'AB', 5000)),
                              (2, _latin1 X'E9', 'x', X'01');",
    )
    .await;
    let (wire, driver) = sources(&db).await;
    let table = common::table_model(&wire, "d").await;
    let options = ReadOptions {
        digests: Some(ferry_connectors::Digests {
            over: 1000,
            columns: vec!["legacy".into(), "body".into(), "data".into()],
        }),
        ..ReadOptions::default()
    };
    for (name, source) in [("wire", &wire), ("driver", &driver)] {
        let (rows, batches) = read_all(source, &table, options.clone()).await;
        assert_eq!(rows.unwrap(), 2, "{name}");
        let b = &batches[0];
        let text = |c: usize, r: usize| b.column(c).as_string::<i32>().value(r).to_string();
        assert_eq!(
            text(1, 0),
            "ferry long value: 6000 bytes, md5 55b10cd184eaebbbcd027fe68c252f62",
            "{name}"
        );
        assert_eq!(
            text(2, 0),
            "ferry long value: 2000 bytes, md5 b82b4e13f4f4eb1053eddd070d803f16",
            "{name}"
        );
        let data = b.column(3).as_binary::<i32>();
        assert_eq!(
            data.value(0),
            b"ferry long value: 5000 bytes, md5 d1d89a2e873f9942bc765be2027ef34c",
            "{name}"
        );
        assert_eq!((text(1, 1), text(2, 1)), ("é".to_string(), "x".to_string()));
        assert_eq!(data.value(1), [1u8], "{name}");
    }
}
