//! MySQL hot paths without a server: rows → Arrow (the reader: binary and
//! text row packets as the direct protocol reader holds them, and text cell
//! vectors as the mysql_async fallback holds them), and Arrow → LOAD DATA text
//! (the writer).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferry_benches::{
    lineitem_batch, lineitem_binary_row_packets, lineitem_row_packets, lineitem_table,
    lineitem_text_rows, LINEITEM_WIRE_TYPES,
};
use ferry_connectors::mysql::{
    decode_binary_row_packets, decode_row_packets, decode_text_rows, encode_load_data,
};
use std::hint::black_box;

const ROWS: usize = 8192;

fn decode(c: &mut Criterion) {
    let table = lineitem_table();
    let owned = lineitem_text_rows(ROWS);
    let rows: Vec<Vec<Option<&[u8]>>> = owned
        .iter()
        .map(|r| r.iter().map(|v| Some(v.as_slice())).collect())
        .collect();
    let mut group = c.benchmark_group("mysql");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("decode_text_rows_to_arrow", |b| {
        b.iter(|| decode_text_rows(black_box(&table), black_box(&rows), 0))
    });
    let packets = lineitem_row_packets(ROWS);
    let packets: Vec<&[u8]> = packets.iter().map(Vec::as_slice).collect();
    // Includes splitting each packet into cells, as the streaming reader does.
    group.bench_function("decode_row_packets_to_arrow", |b| {
        b.iter(|| decode_row_packets(black_box(&table), black_box(&packets)))
    });
    let binary = lineitem_binary_row_packets(ROWS);
    let binary: Vec<&[u8]> = binary.iter().map(Vec::as_slice).collect();
    group.bench_function("decode_binary_row_packets_to_arrow", |b| {
        b.iter(|| {
            decode_binary_row_packets(
                black_box(&table),
                black_box(&LINEITEM_WIRE_TYPES),
                black_box(&binary),
            )
        })
    });
    let batch = lineitem_batch(ROWS);
    group.bench_function("encode_arrow_to_load_data", |b| {
        b.iter(|| encode_load_data(black_box(&table), black_box(&batch)))
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
