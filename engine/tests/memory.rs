//! Memory stays bounded whatever the table size: a table of 1 MB values is
//! copied (and verified) with a peak RSS far below the table's size. Loose
//! bound on purpose: the benchmark measures it precisely, this guards against
//! a pipeline that buffers whole tables.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferry_fixtures::PgDb;
use std::process::Command;
use std::time::Duration;

/// Peak resident set (VmHWM) of a running process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_of_large_values_is_copied_in_bounded_memory() {
    const ROWS: u64 = 300;
    let src = PgDb::create("mem_src").await;
    // 300 rows of 1 MiB each: 300 MiB of data, one distinct pattern per row.
    src.execute(&format!(
        "CREATE TABLE blobs (id int PRIMARY KEY, data bytea NOT NULL);
         INSERT INTO blobs SELECT g, decode(repeat(md5(g::text), 65536), 'hex') FROM generate_series(1, {ROWS}) g;"
    ))
    .await;
    let dst = PgDb::create("mem_dst").await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args([
            "migrate", "--source", &src.url, "--target", &dst.url, "--jobs", "2", "-q",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run ferry");
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(status.success(), "{text}");
    assert!(
        text.contains("blobs") && text.contains("verify: 1 of 1 table(s) match"),
        "{text}"
    );
    let peak_mib = peak / 1024;
    println!("peak RSS {peak_mib} MiB for a {ROWS} MiB table");
    assert!(peak > 0, "could not read the process's memory");
    assert!(
        peak_mib < 200,
        "peak RSS {peak_mib} MiB: the copy is not bounded (table is {ROWS} MiB)"
    );
}
