//! PostgreSQL hot paths without a server: Arrow batch → binary COPY rows (the
//! writer) and a binary COPY stream → Arrow batch (the reader).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferry_benches::{lineitem_batch, lineitem_copy_stream, lineitem_table};
use ferry_connectors::postgres::{decode_copy_stream, encode_copy_batch};
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
    let stream = lineitem_copy_stream(&batch);
    group.bench_function("decode_binary_copy_to_arrow", |b| {
        b.iter(|| decode_copy_stream(black_box(&table), black_box(&stream)))
    });
    group.finish();
}

criterion_group!(benches, encode);
criterion_main!(benches);
