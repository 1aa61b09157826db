//! PostgreSQL writer hot path without a server: Arrow batch → binary COPY rows.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferry_benches::{lineitem_batch, lineitem_table};
use ferry_connectors::postgres::encode_copy_batch;
use std::hint::black_box;

const ROWS: usize = 8192;

fn encode(c: &mut Criterion) {
    let table = lineitem_table();
    let batch = lineitem_batch(ROWS);
    let mut group = c.benchmark_group("postgres");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("encode_arrow_to_binary_copy", |b| {
        b.iter(|| encode_copy_batch(black_box(&table), black_box(&batch)))
    });
    group.finish();
}

criterion_group!(benches, encode);
criterion_main!(benches);
