//! Property tests of the value path Arrow → target encoding → a real server →
//! source decoding → Arrow, for PostgreSQL, MariaDB and SQLite.
//!
//! Per dialect a table holds one column per logical type the dialect stores
//! natively. Each case is a random batch (0..40 rows, NULLs mixed in) keyed by an
//! `id` column holding the row index: the table is emptied, the batch written by
//! the dialect's `Target`, read back by its `Source` in small batches, and every
//! cell compared with the written one (Arrow equality, so floats are bit-exact).
//! Value ranges are those the server can hold; each narrowing says why.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use arrow_array::builder::BinaryBuilder;
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, DurationMicrosecondArray, FixedSizeBinaryArray,
    Float32Array, Float64Array, Int16Array, Int32Array, Int64Array, Int8Array,
    IntervalMonthDayNanoArray, RecordBatch, StringArray, Time64MicrosecondArray,
    TimestampMicrosecondArray, UInt16Array, UInt32Array, UInt64Array, UInt8Array,
};
use arrow_buffer::IntervalMonthDayNano;
use chrono::NaiveDate;
use ferry_connectors::{open_source, open_target, Endpoint, ReadOptions, Source, Target};
use ferry_schema::{create_table, Column, Dialect, LogicalType, PrimaryKey, Table, UTC_OFFSET};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestError, TestRunner};
use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::Arc;
use tokio::runtime::Runtime;

const TABLE: &str = "prop_values";
const MAX_ROWS: usize = 40;
const DAY_MICROS: i64 = 86_400_000_000;
/// MySQL `TIME` spans −838:59:59 to 838:59:59 (no fraction beyond).
const MYSQL_TIME_MICROS: i64 = (838 * 3600 + 59 * 60 + 59) * 1_000_000;

/// How the values of one column are generated.
#[derive(Clone)]
enum Values {
    Bool,
    I8,
    I16,
    I32(RangeInclusive<i32>),
    I64,
    U8,
    U16,
    U32(RangeInclusive<u32>),
    U64,
    /// Finite values over the whole bit range (subnormals included), plus NaN,
    /// ±Inf and -0.0 when `specials`.
    F32 {
        specials: bool,
    },
    /// As `F32`; -0.0 also comes up when `neg_zero` (without `specials`).
    F64 {
        specials: bool,
        neg_zero: bool,
    },
    /// Canonical plain decimal text: up to `int_digits` integer digits, exactly
    /// `scale` fraction digits (any 0..=12 when `None`), never `-0`; PostgreSQL's
    /// `NaN` / `Infinity` / `-Infinity` when `specials`.
    Decimal {
        int_digits: usize,
        scale: Option<usize>,
        specials: bool,
    },
    /// Any Unicode scalar values, up to `max_chars`; without NUL unless `nul`;
    /// never ending in a space when `char_padded` (CHAR strips trailing spaces).
    Text {
        max_chars: usize,
        nul: bool,
        char_padded: bool,
    },
    Bytes(RangeInclusive<usize>),
    /// `BIT(12)`: two big-endian bytes, right-aligned.
    Bit12,
    /// Days since 1970; PostgreSQL's ±infinity (`i32::MAX` / `i32::MIN`) when `infinities`.
    Date {
        range: RangeInclusive<i32>,
        infinities: bool,
    },
    Time,
    Duration(RangeInclusive<i64>),
    Timestamp {
        range: RangeInclusive<i64>,
        zoned: bool,
        infinities: bool,
    },
    Interval,
    /// JSON documents (scalars included), compact or pretty-printed; strings may
    /// hold `\u0000` escapes when `nul`.
    Json {
        nul: bool,
    },
    Uuid,
    Year,
    /// An ENUM label, or a SET value (labels in declaration order joined by `,`).
    Labels {
        labels: &'static [&'static str],
        set: bool,
    },
}

/// How a read value is compared with the written one.
#[derive(Clone, Copy, PartialEq)]
enum Compare {
    /// Arrow equality.
    Exact,
    /// As parsed JSON values (servers that normalize the document text).
    JsonValue,
}

struct Spec {
    name: &'static str,
    logical: LogicalType,
    values: Values,
    compare: Compare,
}

fn spec(name: &'static str, logical: LogicalType, values: Values) -> Spec {
    Spec {
        name,
        logical,
        values,
        compare: Compare::Exact,
    }
}

fn int(bits: u8, unsigned: bool) -> LogicalType {
    LogicalType::Int { bits, unsigned }
}

fn days(y: i32, m: u32, d: u32) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
    i32::try_from((date - epoch).num_days()).unwrap()
}

fn micros(y: i32, m: u32, d: u32) -> i64 {
    i64::from(days(y, m, d)) * DAY_MICROS
}

fn text(max_chars: usize, nul: bool) -> Values {
    Values::Text {
        max_chars,
        nul,
        char_padded: false,
    }
}

/// `rows` cells of `values`, about one in six NULL, built into an array by `build`.
fn column<T, A>(
    rows: usize,
    values: impl Strategy<Value = T> + 'static,
    build: fn(Vec<Option<T>>) -> A,
) -> BoxedStrategy<ArrayRef>
where
    T: std::fmt::Debug + Clone + 'static,
    A: Array + 'static,
{
    vec(proptest::option::weighted(0.85, values), rows)
        .prop_map(move |cells| Arc::new(build(cells)) as ArrayRef)
        .boxed()
}

fn f64_values(specials: bool, neg_zero: bool) -> BoxedStrategy<f64> {
    let finite = any::<u64>()
        .prop_map(f64::from_bits)
        .prop_filter("finite", |v| v.is_finite());
    if neg_zero && !specials {
        prop_oneof![6 => finite, 1 => Just(-0.0)].boxed()
    } else if specials {
        prop_oneof![
            6 => finite,
            1 => prop_oneof![
                Just(f64::NAN),
                Just(f64::INFINITY),
                Just(f64::NEG_INFINITY),
                Just(-0.0),
            ],
        ]
        .boxed()
    } else {
        finite.boxed()
    }
}

fn f32_values(specials: bool) -> BoxedStrategy<f32> {
    let finite = any::<u32>()
        .prop_map(f32::from_bits)
        .prop_filter("finite", |v| v.is_finite());
    if specials {
        prop_oneof![
            6 => finite,
            1 => prop_oneof![
                Just(f32::NAN),
                Just(f32::INFINITY),
                Just(f32::NEG_INFINITY),
                Just(-0.0f32),
            ],
        ]
        .boxed()
    } else {
        finite.boxed()
    }
}

fn decimal_values(int_digits: usize, scale: Option<usize>) -> BoxedStrategy<String> {
    let scale = match scale {
        Some(s) => (s..=s).boxed(),
        None => (0usize..=12).boxed(),
    };
    (
        any::<bool>(),
        vec(0u8..10, 1..=int_digits),
        scale.prop_flat_map(|s| vec(0u8..10, s)),
    )
        .prop_map(|(negative, int, frac)| {
            let digit = |d: &u8| char::from(b'0' + d);
            let int: String = int.iter().map(digit).collect();
            let int = match int.trim_start_matches('0') {
                "" => "0",
                rest => rest,
            };
            let frac: String = frac.iter().map(digit).collect();
            let zero = int == "0" && frac.bytes().all(|b| b == b'0');
            let mut out = String::new();
            if negative && !zero {
                out.push('-');
            }
            out.push_str(int);
            if !frac.is_empty() {
                out.push('.');
                out.push_str(&frac);
            }
            out
        })
        .boxed()
}

fn text_values(max_chars: usize, nul: bool, char_padded: bool) -> BoxedStrategy<String> {
    let chars = any::<char>().prop_filter("NUL", move |c| nul || *c != '\0');
    vec(chars, 0..=max_chars)
        .prop_map(move |chars| {
            let s: String = chars.into_iter().collect();
            if char_padded {
                s.trim_end_matches(' ').to_string()
            } else {
                s
            }
        })
        .boxed()
}

fn json_values(nul: bool) -> BoxedStrategy<String> {
    use serde_json::Value;
    let string = text_values(12, nul, false);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        // Binary fractions print exactly in every decimal form, so a server that
        // stores numbers as decimals (jsonb) gives back the same f64.
        any::<i32>().prop_map(|n| Value::from(f64::from(n) / 1024.0)),
        string.clone().prop_map(Value::String),
    ];
    let document = leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((string.clone(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    });
    let printed = (document, any::<bool>()).prop_map(|(doc, pretty)| {
        if pretty {
            serde_json::to_string_pretty(&doc).unwrap()
        } else {
            serde_json::to_string(&doc).unwrap()
        }
    });
    // Number spellings serde_json does not print, and documents padded with
    // whitespace: valid JSON text the document must keep as written.
    let spelled = prop_oneof![
        (any::<i32>(), -30i32..30).prop_map(|(m, e)| format!("{m}e{e}")),
        (any::<i16>(), 1usize..4).prop_map(|(n, zeros)| format!("{n}.{}", "0".repeat(zeros))),
        (any::<i32>(), "[ \t\n]{1,3}").prop_map(|(n, pad)| format!("{pad}{n}{pad}")),
    ];
    prop_oneof![6 => printed, 1 => spelled].boxed()
}

/// The strategy for one column of `rows` cells.
fn strategy(values: &Values, rows: usize) -> BoxedStrategy<ArrayRef> {
    match values.clone() {
        Values::Bool => column(rows, any::<bool>(), BooleanArray::from),
        Values::I8 => column(rows, any::<i8>(), Int8Array::from),
        Values::I16 => column(rows, any::<i16>(), Int16Array::from),
        Values::I32(range) => column(rows, range, Int32Array::from),
        Values::I64 => column(rows, any::<i64>(), Int64Array::from),
        Values::U8 => column(rows, any::<u8>(), UInt8Array::from),
        Values::U16 => column(rows, any::<u16>(), UInt16Array::from),
        Values::U32(range) => column(rows, range, UInt32Array::from),
        Values::U64 => column(rows, any::<u64>(), UInt64Array::from),
        Values::F32 { specials } => column(rows, f32_values(specials), Float32Array::from),
        Values::F64 { specials, neg_zero } => {
            column(rows, f64_values(specials, neg_zero), Float64Array::from)
        }
        Values::Decimal {
            int_digits,
            scale,
            specials,
        } => {
            let numbers = decimal_values(int_digits, scale);
            let values = if specials {
                prop_oneof![
                    8 => numbers,
                    1 => prop_oneof![
                        Just("NaN".to_string()),
                        Just("Infinity".to_string()),
                        Just("-Infinity".to_string()),
                    ],
                ]
                .boxed()
            } else {
                numbers
            };
            column(rows, values, StringArray::from)
        }
        Values::Text {
            max_chars,
            nul,
            char_padded,
        } => column(
            rows,
            text_values(max_chars, nul, char_padded),
            StringArray::from,
        ),
        Values::Bytes(len) => column(rows, vec(any::<u8>(), len), binary),
        Values::Bit12 => column(
            rows,
            (0u16..0x1000).prop_map(|v| v.to_be_bytes().to_vec()),
            binary,
        ),
        Values::Date { range, infinities } => {
            let values = if infinities {
                prop_oneof![8 => range, 1 => Just(i32::MAX), 1 => Just(i32::MIN)].boxed()
            } else {
                range.boxed()
            };
            column(rows, values, Date32Array::from)
        }
        Values::Time => column(rows, 0..=DAY_MICROS, Time64MicrosecondArray::from),
        Values::Duration(range) => column(rows, range, DurationMicrosecondArray::from),
        Values::Timestamp {
            range,
            zoned,
            infinities,
        } => {
            let values = if infinities {
                prop_oneof![8 => range, 1 => Just(i64::MAX), 1 => Just(i64::MIN)].boxed()
            } else {
                range.boxed()
            };
            if zoned {
                column(rows, values, |cells| {
                    TimestampMicrosecondArray::from(cells).with_timezone(UTC_OFFSET)
                })
            } else {
                column(rows, values, TimestampMicrosecondArray::from)
            }
        }
        Values::Interval => column(
            rows,
            (
                -1_000_000i32..=1_000_000,
                -1_000_000i32..=1_000_000,
                // Whole microseconds (the convention) that fit i64 as nanoseconds.
                -9_000_000_000_000_000i64..=9_000_000_000_000_000,
            )
                .prop_map(|(months, days, micros)| {
                    IntervalMonthDayNano::new(months, days, micros * 1000)
                }),
            IntervalMonthDayNanoArray::from,
        ),
        Values::Json { nul } => column(rows, json_values(nul), StringArray::from),
        Values::Uuid => column(rows, any::<[u8; 16]>(), |cells| {
            FixedSizeBinaryArray::try_from_sparse_iter_with_size(cells.into_iter(), 16).unwrap()
        }),
        Values::Year => column(
            rows,
            prop_oneof![1 => Just(0i16), 8 => 1901i16..=2155],
            Int16Array::from,
        ),
        Values::Labels { labels, set } => {
            let values = if set {
                vec(any::<bool>(), labels.len())
                    .prop_map(move |picked| {
                        labels
                            .iter()
                            .zip(picked)
                            .filter(|(_, p)| *p)
                            .map(|(l, _)| *l)
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .boxed()
            } else {
                proptest::sample::select(labels)
                    .prop_map(str::to_string)
                    .boxed()
            };
            column(rows, values, StringArray::from)
        }
    }
}

fn binary(cells: Vec<Option<Vec<u8>>>) -> arrow_array::BinaryArray {
    let mut builder = BinaryBuilder::new();
    for cell in cells {
        builder.append_option(cell);
    }
    builder.finish()
}

/// The table model: `id` (non-null primary key) followed by the spec columns.
fn table_of(specs: &[Spec]) -> Table {
    let id = Column::new("id", int(64, false)).not_null();
    let mut columns = vec![id];
    columns.extend(specs.iter().map(|s| Column::new(s.name, s.logical.clone())));
    let mut table = Table::new(TABLE, columns);
    table.primary_key = Some(PrimaryKey {
        name: None,
        columns: vec!["id".into()],
    });
    table
}

/// Random batches for `table`: `id` = row index, then one array per spec.
fn batches(table: &Table, specs: &[Spec]) -> impl Strategy<Value = RecordBatch> {
    let schema = table.arrow_schema();
    let values: Vec<Values> = specs.iter().map(|s| s.values.clone()).collect();
    (0..MAX_ROWS)
        .prop_flat_map(move |rows| values.iter().map(|v| strategy(v, rows)).collect::<Vec<_>>())
        .prop_map(move |arrays| {
            let rows = arrays.first().map_or(0, |a| a.len());
            let ids: Vec<i64> = (0..rows).map(|i| i64::try_from(i).unwrap()).collect();
            let mut columns: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(ids))];
            columns.extend(arrays);
            RecordBatch::try_new(schema.clone(), columns).unwrap()
        })
}

/// One case: empty the table, write `batch`, read it back, compare cell by cell.
async fn round_trip(
    source: &dyn Source,
    target: &dyn Target,
    table: &Table,
    specs: &[Spec],
    batch: &RecordBatch,
) -> Result<(), TestCaseError> {
    let fail = |what: &str, e: ferry_connectors::ConnectorError| {
        TestCaseError::fail(format!("{what}: {e}"))
    };
    target
        .execute("emptying the table", &[format!("DELETE FROM {TABLE}")])
        .await
        .map_err(|e| fail("DELETE", e))?;
    let (tx, rx) = ferry_connectors::batch_channel(2);
    tx.send(batch.clone()).await.unwrap();
    tx.finish().await.unwrap();
    let stats = target
        .write_table(table, rx)
        .await
        .map_err(|e| fail("write_table", e))?;
    prop_assert_eq!(stats.rows, batch.num_rows() as u64);

    // Room for every batch, so the reader never waits on this task.
    let (tx, mut rx) = tokio::sync::mpsc::channel(MAX_ROWS + 1);
    let options = ReadOptions {
        batch_rows: 7,
        ..ReadOptions::default()
    };
    let read_rows = source
        .read_table(table, options, tx)
        .await
        .map_err(|e| fail("read_table", e))?;
    let mut read = Vec::new();
    while let Some(b) = rx.recv().await {
        prop_assert_eq!(b.schema(), table.arrow_schema());
        read.push(b);
    }
    prop_assert_eq!(read_rows, batch.num_rows() as u64);

    let mut by_id = HashMap::new();
    for (b, part) in read.iter().enumerate() {
        let ids = part
            .column(0)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap();
        for r in 0..part.num_rows() {
            by_id.insert(ids.value(r), (b, r));
        }
    }
    prop_assert_eq!(by_id.len(), batch.num_rows());
    for row in 0..batch.num_rows() {
        let id = i64::try_from(row).unwrap();
        let Some(&(b, r)) = by_id.get(&id) else {
            return Err(TestCaseError::fail(format!("row id {id} not read back")));
        };
        for (c, spec) in specs.iter().enumerate() {
            let wrote = batch.column(c + 1).slice(row, 1);
            let got = read[b].column(c + 1).slice(r, 1);
            let same = match spec.compare {
                Compare::Exact => wrote.as_ref() == got.as_ref(),
                Compare::JsonValue => same_json(&wrote, &got),
            };
            prop_assert!(
                same,
                "column {}, row {}: wrote {:?}, read {:?}",
                spec.name,
                row,
                wrote,
                got
            );
        }
    }
    Ok(())
}

/// Two one-cell Utf8 arrays hold the same JSON document (both NULL, both the
/// same unparsable text, or equal parsed values).
fn same_json(a: &ArrayRef, b: &ArrayRef) -> bool {
    let (Some(a), Some(b)) = (
        a.as_any().downcast_ref::<StringArray>(),
        b.as_any().downcast_ref::<StringArray>(),
    ) else {
        return false;
    };
    match (a.is_null(0), b.is_null(0)) {
        (true, true) => return true,
        (false, false) => {}
        _ => return false,
    }
    let (a, b) = (a.value(0), b.value(0));
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(a), Ok(b)) => json_eq(&a, &b),
        _ => a == b,
    }
}

/// JSON equality with numbers compared as f64 within a few ulps: a server storing
/// numbers as decimals re-spells `1e19` as `10000000000000000000` (parsed as u64),
/// and serde_json's default float parser is not always correctly rounded.
fn json_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs(),
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Creates the table through `target` and runs the property over random batches.
fn check(
    rt: &Runtime,
    source: &dyn Source,
    target: &dyn Target,
    namespace: Option<&str>,
    dialect: Dialect,
    specs: &[Spec],
) {
    let table = table_of(specs);
    let ddl = create_table(&table, namespace, dialect).unwrap();
    rt.block_on(target.execute("creating the table", &[ddl]))
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 48,
        // Shrunk failures are printed below; no regression files in the tree.
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&batches(&table, specs), |batch| {
        rt.block_on(round_trip(source, target, &table, specs, &batch))
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, batch)) => {
            panic!(
                "{dialect}: {reason} (in a batch of {} rows)",
                batch.num_rows()
            )
        }
        Err(e) => panic!("{dialect}: {e}"),
    }
}

fn connect(rt: &Runtime, url: &str) -> (Box<dyn Source>, Box<dyn Target>) {
    let endpoint = Endpoint::parse(url).unwrap();
    rt.block_on(async {
        let target = open_target(&endpoint, 1).await.unwrap();
        (open_source(&endpoint).await.unwrap(), target)
    })
}

fn pg_specs() -> Vec<Spec> {
    vec![
        spec("b", LogicalType::Boolean, Values::Bool),
        spec("i16", int(16, false), Values::I16),
        spec("i32", int(32, false), Values::I32(i32::MIN..=i32::MAX)),
        spec("i64", int(64, false), Values::I64),
        spec("f32", LogicalType::Float32, Values::F32 { specials: true }),
        spec(
            "f64",
            LogicalType::Float64,
            Values::F64 {
                specials: true,
                neg_zero: true,
            },
        ),
        spec(
            "dec",
            LogicalType::Decimal {
                precision: Some(20),
                scale: Some(6),
            },
            Values::Decimal {
                int_digits: 14,
                scale: Some(6),
                specials: false,
            },
        ),
        // Unconstrained numeric keeps each value's own scale, and the infinities
        // (a constrained numeric holds NaN but refuses them).
        spec(
            "num",
            LogicalType::Decimal {
                precision: None,
                scale: None,
            },
            Values::Decimal {
                int_digits: 40,
                scale: None,
                specials: true,
            },
        ),
        // PostgreSQL text cannot hold NUL (U+0000).
        spec(
            "ch",
            LogicalType::Char { length: 8 },
            Values::Text {
                max_chars: 8,
                nul: false,
                char_padded: true,
            },
        ),
        spec(
            "vc",
            LogicalType::Varchar { length: Some(30) },
            text(30, false),
        ),
        spec(
            "txt",
            LogicalType::Text { max_bytes: None },
            text(200, false),
        ),
        spec(
            "bin",
            LogicalType::Varbinary { length: None },
            Values::Bytes(0..=64),
        ),
        spec(
            "bits",
            LogicalType::Bit {
                length: 12,
                varying: false,
            },
            Values::Bit12,
        ),
        // PostgreSQL dates span 4713 BC ..= 5874897 AD; this stays within years -4000..=260000 (chrono's range).
        spec(
            "d",
            LogicalType::Date,
            Values::Date {
                range: days(-4000, 1, 1)..=days(260_000, 12, 31),
                infinities: true,
            },
        ),
        spec("t", LogicalType::Time { precision: 6 }, Values::Time),
        // Timestamps span 4713 BC ..= 294276 AD.
        spec(
            "ts",
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: false,
            },
            Values::Timestamp {
                range: micros(-4000, 1, 1)..=micros(260_000, 12, 31),
                zoned: false,
                infinities: true,
            },
        ),
        spec(
            "tstz",
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: true,
            },
            Values::Timestamp {
                range: micros(-4000, 1, 1)..=micros(260_000, 12, 31),
                zoned: true,
                infinities: true,
            },
        ),
        spec("iv", LogicalType::Interval, Values::Interval),
        // `json` keeps the document text as given, `\u0000` escapes included.
        spec(
            "js",
            LogicalType::Json { binary: false },
            Values::Json { nul: true },
        ),
        // `jsonb` re-prints documents (key order, whitespace) and refuses `\u0000`:
        // compared as parsed values.
        Spec {
            compare: Compare::JsonValue,
            ..spec(
                "jsb",
                LogicalType::Json { binary: true },
                Values::Json { nul: false },
            )
        },
        spec("u", LogicalType::Uuid, Values::Uuid),
    ]
}

fn mysql_specs() -> Vec<Spec> {
    vec![
        spec("b", LogicalType::Boolean, Values::Bool),
        spec("i8", int(8, false), Values::I8),
        spec("u8", int(8, true), Values::U8),
        spec("i16", int(16, false), Values::I16),
        spec("u16", int(16, true), Values::U16),
        spec(
            "i24",
            int(24, false),
            Values::I32(-(1 << 23)..=(1 << 23) - 1),
        ),
        spec("u24", int(24, true), Values::U32(0..=(1 << 24) - 1)),
        spec("i32", int(32, false), Values::I32(i32::MIN..=i32::MAX)),
        spec("u32", int(32, true), Values::U32(0..=u32::MAX)),
        spec("i64", int(64, false), Values::I64),
        spec("u64", int(64, true), Values::U64),
        // MySQL refuses NaN and ±Inf, and stores -0.0 as 0 (ATAN2(d, -1) gives +π).
        spec("f32", LogicalType::Float32, Values::F32 { specials: false }),
        spec(
            "f64",
            LogicalType::Float64,
            Values::F64 {
                specials: false,
                neg_zero: false,
            },
        ),
        spec(
            "dec",
            LogicalType::Decimal {
                precision: Some(20),
                scale: Some(6),
            },
            Values::Decimal {
                int_digits: 14,
                scale: Some(6),
                specials: false,
            },
        ),
        spec(
            "dec65",
            LogicalType::Decimal {
                precision: Some(65),
                scale: Some(30),
            },
            Values::Decimal {
                int_digits: 35,
                scale: Some(30),
                specials: false,
            },
        ),
        // utf8mb4 holds every Unicode scalar value, NUL included.
        spec(
            "ch",
            LogicalType::Char { length: 8 },
            Values::Text {
                max_chars: 8,
                nul: true,
                char_padded: true,
            },
        ),
        spec(
            "vc",
            LogicalType::Varchar { length: Some(30) },
            text(30, true),
        ),
        spec(
            "txt",
            LogicalType::Text {
                max_bytes: Some(65_535),
            },
            text(200, true),
        ),
        // BINARY(n) pads shorter values with NUL: only full-length values compare.
        spec(
            "bn",
            LogicalType::Binary { length: 4 },
            Values::Bytes(4..=4),
        ),
        spec(
            "vb",
            LogicalType::Varbinary { length: Some(64) },
            Values::Bytes(0..=64),
        ),
        spec(
            "bits",
            LogicalType::Bit {
                length: 12,
                varying: false,
            },
            Values::Bit12,
        ),
        // DATE and DATETIME span years 1000..=9999.
        spec(
            "d",
            LogicalType::Date,
            Values::Date {
                range: days(1000, 1, 1)..=days(9999, 12, 31),
                infinities: false,
            },
        ),
        spec(
            "dur",
            LogicalType::Duration { precision: 6 },
            Values::Duration(-MYSQL_TIME_MICROS..=MYSQL_TIME_MICROS),
        ),
        spec(
            "ts",
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: false,
            },
            Values::Timestamp {
                range: micros(1000, 1, 1)..=micros(10_000, 1, 1) - 1,
                zoned: false,
                infinities: false,
            },
        ),
        // TIMESTAMP spans 1970-01-01 00:00:01 ..= 2038-01-19 03:14:07.999999 UTC
        // (0 is the "zero date", not an instant).
        spec(
            "tstz",
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: true,
            },
            Values::Timestamp {
                range: 1_000_000..=2_147_483_647_999_999,
                zoned: true,
                infinities: false,
            },
        ),
        spec("y", LogicalType::Year, Values::Year),
        // MySQL 8 stores JSON in binary form and re-prints it: compared parsed.
        Spec {
            compare: Compare::JsonValue,
            ..spec(
                "js",
                LogicalType::Json { binary: false },
                Values::Json { nul: true },
            )
        },
        spec("u", LogicalType::Uuid, Values::Uuid),
        spec(
            "en",
            LogicalType::Enum {
                values: vec!["a".into(), "b c".into(), "Ünï".into()],
            },
            Values::Labels {
                labels: &["a", "b c", "Ünï"],
                set: false,
            },
        ),
        spec(
            "st",
            LogicalType::Set {
                values: vec!["x".into(), "y".into(), "zz".into()],
            },
            Values::Labels {
                labels: &["x", "y", "zz"],
                set: true,
            },
        ),
    ]
}

fn sqlite_specs() -> Vec<Spec> {
    vec![
        spec("b", LogicalType::Boolean, Values::Bool),
        spec("i8", int(8, false), Values::I8),
        spec("i16", int(16, false), Values::I16),
        spec("i32", int(32, false), Values::I32(i32::MIN..=i32::MAX)),
        spec("i64", int(64, false), Values::I64),
        // SQLite stores NaN as NULL (the writer refuses it), and a REAL column
        // keeps integral values as integers on disk, so -0.0 comes back 0.0.
        spec("f32", LogicalType::Float32, Values::F32 { specials: false }),
        spec(
            "f64",
            LogicalType::Float64,
            Values::F64 {
                specials: false,
                neg_zero: false,
            },
        ),
        // DECIMAL(20,6) and JSON are spelled with TEXT affinity (`DECIMAL_TEXT`,
        // `JSON_TEXT`): NUMERIC affinity would round the one and re-spell the other.
        spec(
            "dec",
            LogicalType::Decimal {
                precision: Some(20),
                scale: Some(6),
            },
            Values::Decimal {
                int_digits: 14,
                scale: Some(6),
                specials: false,
            },
        ),
        spec(
            "unc",
            LogicalType::Decimal {
                precision: None,
                scale: None,
            },
            Values::Decimal {
                int_digits: 30,
                scale: None,
                specials: false,
            },
        ),
        spec(
            "js",
            LogicalType::Json { binary: false },
            Values::Json { nul: true },
        ),
        spec(
            "ch",
            LogicalType::Char { length: 8 },
            Values::Text {
                max_chars: 8,
                nul: true,
                char_padded: true,
            },
        ),
        spec(
            "vc",
            LogicalType::Varchar { length: Some(30) },
            text(30, true),
        ),
        spec(
            "txt",
            LogicalType::Text { max_bytes: None },
            text(200, true),
        ),
        spec(
            "bin",
            LogicalType::Varbinary { length: None },
            Values::Bytes(0..=64),
        ),
        // The SQLite codec writes years 0000..=9999 (what its date functions read).
        spec(
            "d",
            LogicalType::Date,
            Values::Date {
                range: days(0, 1, 1)..=days(9999, 12, 31),
                infinities: false,
            },
        ),
        spec("t", LogicalType::Time { precision: 6 }, Values::Time),
        spec(
            "dur",
            LogicalType::Duration { precision: 6 },
            // i64::MIN has no magnitude to spell: the writer refuses it.
            Values::Duration(i64::MIN + 1..=i64::MAX),
        ),
        spec(
            "ts",
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: false,
            },
            Values::Timestamp {
                range: micros(0, 1, 1)..=micros(10_000, 1, 1) - 1,
                zoned: false,
                infinities: false,
            },
        ),
        spec(
            "tstz",
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: true,
            },
            Values::Timestamp {
                range: micros(0, 1, 1)..=micros(10_000, 1, 1) - 1,
                zoned: true,
                infinities: false,
            },
        ),
        spec("iv", LogicalType::Interval, Values::Interval),
        spec("u", LogicalType::Uuid, Values::Uuid),
    ]
}

fn run_postgres(specs: &[Spec]) {
    let rt = Runtime::new().unwrap();
    let db = rt.block_on(ferry_fixtures::PgDb::create("proppg"));
    let (source, target) = connect(&rt, &db.url_with_schema("public"));
    let namespace = Some("public");
    check(
        &rt,
        source.as_ref(),
        target.as_ref(),
        namespace,
        Dialect::Postgres,
        specs,
    );
}

fn run_mysql(specs: &[Spec]) {
    let rt = Runtime::new().unwrap();
    let db = rt.block_on(ferry_fixtures::MySqlDb::create("propmy"));
    let (source, target) = connect(&rt, &db.url);
    let namespace = Some(db.name.as_str());
    check(
        &rt,
        source.as_ref(),
        target.as_ref(),
        namespace,
        Dialect::MySql,
        specs,
    );
}

/// A temp SQLite file removed on drop (also when the test panics).
struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

fn run_sqlite(specs: &[Spec]) {
    let rt = Runtime::new().unwrap();
    let file = TempFile(
        std::env::temp_dir().join(format!("{}.sqlite", ferry_fixtures::unique_name("propsq"))),
    );
    // The target creates the file; the source opens only an existing one.
    let (source, target) = connect(&rt, &format!("sqlite://{}", file.0.display()));
    check(
        &rt,
        source.as_ref(),
        target.as_ref(),
        None,
        Dialect::Sqlite,
        specs,
    );
}

#[test]
fn postgres_values_round_trip() {
    run_postgres(&pg_specs());
}

#[test]
fn mysql_values_round_trip() {
    run_mysql(&mysql_specs());
}

#[test]
fn sqlite_values_round_trip() {
    run_sqlite(&sqlite_specs());
}
