//! The PostgreSQL reader's Arrow values, checked against the value conventions
//! (`docs/value-conventions.md`) one column at a time — a round trip alone would
//! not catch a mistake made symmetrically by the reader and the writer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int64Type, IntervalMonthDayNanoType,
    Time64MicrosecondType, TimestampMicrosecondType,
};
use arrow_array::{Array, RecordBatch};
use arrow_buffer::IntervalMonthDayNano;
use ferry_connectors::postgres::PgSource;
use ferry_connectors::{Endpoint, ReadOptions, Source};
use ferry_fixtures::PgDb;

const TYPES_PG: &str = include_str!("../../fixtures/sql/types_pg.sql");

/// Reads the fixture in one batch; row i of the batch is id i + 1.
async fn read_fixture() -> (PgDb, RecordBatch) {
    let db = PgDb::create("pgread_types").await;
    db.execute(TYPES_PG).await;
    let source = PgSource::connect(&Endpoint::parse(&db.url).unwrap())
        .await
        .unwrap();
    let schema = source.introspect().await.unwrap();
    let table = schema.table("types_pg").unwrap().clone();
    // The COPY SELECT has no ORDER BY: the fixture's rows come back in insertion order.
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let rows = source
        .read_table(&table, ReadOptions::default(), tx)
        .await
        .unwrap();
    assert_eq!(rows, 6);
    let batch = rx.recv().await.unwrap();
    assert!(rx.recv().await.is_none());
    assert_eq!(batch.schema(), table.arrow_schema());
    (db, batch)
}

#[tokio::test]
async fn values_follow_the_conventions() {
    let (_db, b) = read_fixture().await;
    let col = |name: &str| b.column_by_name(name).unwrap().clone();
    let ids = col("id");
    assert_eq!(
        ids.as_primitive::<arrow_array::types::Int32Type>()
            .values()
            .to_vec(),
        [1, 2, 3, 4, 5, 6]
    );
    // Row 1 is NULL everywhere but the key.
    for (i, field) in b.schema().fields().iter().enumerate().skip(1) {
        assert!(b.column(i).is_null(0), "{}", field.name());
    }
    let num = col("c_num");
    let num = num.as_string::<i32>();
    assert_eq!(
        num.value(1),
        "-123456789012345678901234567890123456789012.000000000000000000000000000001"
    );
    assert_eq!(num.value(2), "NaN");
    assert_eq!(num.value(3), "0.0001");
    assert_eq!(num.value(4), "0.00000000000000000001");
    assert_eq!(num.value(5), "-0.00100");
    assert_eq!(
        col("c_num_20").as_string::<i32>().value(1),
        "18446744073709551615"
    );
    assert_eq!(
        col("c_num_10_2").as_string::<i32>().value(1),
        "-12345678.90"
    );
    let f4 = col("c_float4");
    let f4 = f4.as_primitive::<Float32Type>();
    assert!(f4.value(1).is_nan());
    assert_eq!(
        (f4.value(2), f4.value(3)),
        (f32::INFINITY, f32::NEG_INFINITY)
    );
    let f8 = col("c_float8");
    let f8 = f8.as_primitive::<Float64Type>();
    assert_eq!(f8.value(1).to_bits(), (-0.0f64).to_bits());
    assert_eq!(f8.value(2), f64::NEG_INFINITY);
    assert_eq!(col("c_int8").as_primitive::<Int64Type>().value(1), i64::MIN);
    // bpchar pad stripped; text exact.
    let ch = col("c_char");
    assert_eq!(
        (
            ch.as_string::<i32>().value(1),
            ch.as_string::<i32>().value(3)
        ),
        ("ab", "xyz")
    );
    assert_eq!(
        col("c_varchar").as_string::<i32>().value(1),
        "emoji 😀 and CJK 漢字"
    );
    assert_eq!(
        col("c_varchar").as_string::<i32>().value(3),
        "trailing space  "
    );
    let bytea = col("c_bytea");
    let bytea = bytea.as_binary::<i32>();
    assert_eq!(bytea.value(1), [0, 0xff, 0]);
    assert_eq!(bytea.value(2), [] as [u8; 0]);
    assert_eq!(bytea.value(3).len(), 2 * 1024 * 1024);
    let date = col("c_date");
    let date = date.as_primitive::<Date32Type>();
    assert_eq!(
        (date.value(1), date.value(2), date.value(3), date.value(4)),
        (10_957, 10_956, i32::MAX, i32::MIN)
    );
    assert_eq!(date.value(5), -719_162);
    let time = col("c_time");
    let time = time.as_primitive::<Time64MicrosecondType>();
    assert_eq!((time.value(1), time.value(2)), (0, 86_400_000_000));
    assert_eq!(time.value(3), 45_296_789_012);
    let ts = col("c_ts");
    let ts = ts.as_primitive::<TimestampMicrosecondType>();
    assert_eq!(ts.value(1), 1_709_210_096_123_456);
    assert_eq!(ts.value(2), -2_208_988_799_999_999);
    assert_eq!((ts.value(3), ts.value(4)), (i64::MAX, i64::MIN));
    let tstz = col("c_tstz");
    let tstz = tstz.as_primitive::<TimestampMicrosecondType>();
    assert_eq!(tstz.value(1), 1_719_791_999_999_999);
    // 1960-05-05 05:05:05.5-07 is 12:05:05.5 UTC.
    assert_eq!(tstz.value(2), -304_775_694_500_000);
    let iv = col("c_interval");
    let iv = iv.as_primitive::<IntervalMonthDayNanoType>();
    assert_eq!(
        iv.value(1),
        IntervalMonthDayNano {
            months: 14,
            days: 3,
            nanoseconds: 14_706_789_000_000
        }
    );
    assert_eq!(
        iv.value(2),
        IntervalMonthDayNano {
            months: -3,
            days: -2,
            nanoseconds: -1_000
        }
    );
    let json = col("c_json");
    assert_eq!(
        json.as_string::<i32>().value(1),
        r#"{"a": {"b": [1, 2, {"c": null}]}, "d": "é"}"#
    );
    // jsonb comes back normalized by the server, without its version byte.
    assert_eq!(
        col("c_jsonb").as_string::<i32>().value(1),
        r#"{"a": [true, false], "z": 1}"#
    );
    let uuid = col("c_uuid");
    let uuid = uuid.as_fixed_size_binary();
    assert_eq!(uuid.value(1)[..4], [0xa0, 0xee, 0xbc, 0x99]);
    assert_eq!(uuid.value(3), [0xff; 16]);
    // Bits travel right-aligned: B'10110' is 0b10110, B'1000000000000001' is 0x8001.
    let bit = col("c_bit5");
    assert_eq!(bit.as_binary::<i32>().value(1), [0b1_0110]);
    assert_eq!(bit.as_binary::<i32>().value(4), [0b1]);
    let varbit = col("c_varbit");
    assert_eq!(varbit.as_binary::<i32>().value(1), [0b1101]);
    assert_eq!(varbit.as_binary::<i32>().value(3), [0x80, 0x01]);
    assert_eq!(
        col("c_mood").as_string::<i32>().value(3),
        "ünïcode 'quoted'"
    );
    assert_eq!(
        col("c_domain")
            .as_primitive::<arrow_array::types::Int32Type>()
            .value(2),
        i32::MAX
    );
}

#[tokio::test]
async fn stops_quietly_when_the_receiver_is_gone() {
    let db = PgDb::create("pgread_stop").await;
    db.execute("CREATE TABLE big AS SELECT g AS id, repeat('x', 100) AS pad FROM generate_series(1, 200000) g")
        .await;
    let source = PgSource::connect(&Endpoint::parse(&db.url).unwrap())
        .await
        .unwrap();
    let schema = source.introspect().await.unwrap();
    let table = schema.table("big").unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let options = ReadOptions {
        batch_rows: 1000,
        batch_bytes: 1 << 20,
        ..ReadOptions::default()
    };
    let consumer = async move {
        let first: RecordBatch = rx.recv().await.unwrap();
        assert_eq!(first.num_rows(), 1000);
        drop(rx);
    };
    let (read, ()) = tokio::join!(source.read_table(table, options, tx), consumer);
    assert!(read.unwrap() < 200_000);
    // The session went back to the pool in a usable state.
    assert_eq!(source.count_rows("big").await.unwrap(), 200_000);
}

#[tokio::test]
async fn decode_errors_name_the_column_and_free_the_session() {
    let db = PgDb::create("pgread_bad").await;
    db.execute("CREATE TABLE t AS SELECT g::int4 AS n FROM generate_series(1, 50000) g")
        .await;
    let source = PgSource::connect(&Endpoint::parse(&db.url).unwrap())
        .await
        .unwrap();
    // A model that disagrees with the catalog: int8 where the column is int4.
    let table = ferry_schema::Table::new(
        "t",
        vec![ferry_schema::Column::new(
            "n",
            ferry_schema::LogicalType::Int {
                bits: 64,
                unsigned: false,
            },
        )],
    );
    let (tx, _rx) = tokio::sync::mpsc::channel(4);
    let err = source
        .read_table(&table, ReadOptions::default(), tx)
        .await
        .unwrap_err();
    match &err {
        ferry_connectors::ConnectorError::Data {
            table,
            column,
            detail,
        } => {
            assert_eq!((table.as_str(), column.as_str()), ("t", "n"));
            assert!(
                detail.contains("row 1") && detail.contains("int8"),
                "{detail}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(source.count_rows("t").await.unwrap(), 50_000);
}

/// With `ReadOptions::digests`, values longer than the threshold come back
/// as the server's digest text: length and MD5 of the UTF-8 bytes for text,
/// of the bytes for bytea; shorter ones whole. The expected MD5s were
/// computed apart from any database (Python hashlib).
#[tokio::test]
async fn long_values_are_read_as_the_servers_digest() {
    let db = PgDb::create("pgread_digest").await;
    db.execute(
        "CREATE TABLE d (id int PRIMARY KEY, body text, data bytea, note varchar(10));
         INSERT INTO d VALUES (1, repeat('é', 3000), decode(repeat('ab', 5000), 'hex'), 'n'),
                              (2, 'é', '\\x01', NULL);",
    )
    .await;
    let source = PgSource::connect(&Endpoint::parse(&db.url).unwrap())
        .await
        .unwrap();
    let table = source
        .introspect()
        .await
        .unwrap()
        .table("d")
        .unwrap()
        .clone();
    let options = ReadOptions {
        order_by_key: true,
        digests: Some(ferry_connectors::Digests {
            over: 1000,
            columns: vec!["body".into(), "data".into(), "note".into()],
        }),
        ..ReadOptions::default()
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    assert_eq!(source.read_table(&table, options, tx).await.unwrap(), 2);
    let b = rx.recv().await.unwrap();
    let body = b.column(1).as_string::<i32>();
    assert_eq!(
        body.value(0),
        "ferry long value: 6000 bytes, md5 55b10cd184eaebbbcd027fe68c252f62"
    );
    assert_eq!(body.value(1), "é");
    let data = b.column(2).as_binary::<i32>();
    assert_eq!(
        data.value(0),
        b"ferry long value: 5000 bytes, md5 d1d89a2e873f9942bc765be2027ef34c"
    );
    assert_eq!(data.value(1), [1u8]);
    // varchar(10) can never be long: read as it is.
    assert_eq!(b.column(3).as_string::<i32>().value(0), "n");
}
