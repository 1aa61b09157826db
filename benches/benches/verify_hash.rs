//! `ferry verify`'s hot path without a database: canonicalize and hash every
//! value of a batch (rayon across columns), then fold the row hashes into a
//! chunk digest, and the keyed merge of two identical sides.

use arrow_array::{Int32Array, RecordBatch};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferry_benches::{lineitem_batch, lineitem_table};
use ferry_engine::verify::{KeyedDiff, RowHasher};
use std::hint::black_box;
use std::sync::Arc;

const ROWS: usize = 8192;

fn hash(c: &mut Criterion) {
    let table = lineitem_table();
    let batch = lineitem_batch(ROWS);
    let logical: Vec<_> = table
        .copied_columns()
        .map(|c| c.logical_type.clone())
        .collect();
    let zero_sign = vec![true; logical.len()];
    let hasher = match RowHasher::new(batch.schema(), &logical, &zero_sign) {
        Ok(h) => h,
        Err(e) => panic!("bench setup: {e}"),
    };
    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("canonicalize_hash_batch", |b| {
        b.iter(|| hasher.hash_batch(black_box(&batch)))
    });
    group.bench_function("digest_batch", |b| {
        b.iter(|| hasher.digest_batch(black_box(&batch)))
    });
    // lineitem's key is (l_orderkey, l_linenumber); the bench data repeats line
    // numbers within an order, so renumber them 1..=4 to make the key ascending.
    let mut columns = batch.columns().to_vec();
    columns[1] = Arc::new(Int32Array::from_iter_values(
        (0..ROWS).map(|i| i32::try_from(i % 4 + 1).unwrap_or(0)),
    ));
    let keyed = match RecordBatch::try_new(batch.schema(), columns) {
        Ok(b) => b,
        Err(e) => panic!("bench setup: {e}"),
    };
    group.bench_function("keyed_merge_identical_batch", |b| {
        b.iter(|| {
            let mut diff = KeyedDiff::new(
                batch.schema(),
                vec![0, 1],
                logical.clone(),
                zero_sign.clone(),
                ROWS,
            );
            diff.push_source(keyed.clone());
            diff.push_target(keyed.clone());
            let diff = diff.finish();
            assert!(diff.is_match(), "{:?}", diff.error);
            black_box(diff)
        })
    });
    group.finish();
}

criterion_group!(benches, hash);
criterion_main!(benches);
