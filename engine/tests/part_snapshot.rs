//! A split table's shared snapshot holds nothing on the source until its first
//! part starts, and nothing once its last part has ended: the sessions and
//! read views of tables still waiting for `--jobs` permits do not exist yet.
//! Checked on the servers' own views of open transactions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferry_connectors::{open_source, Endpoint, ReadOptions, SnapshotId, Source};
use ferry_engine::part_snapshot::{Joined, PartSnapshot};
use ferry_fixtures::{MySqlDb, PgDb};
use mysql_async::prelude::Queryable;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn source_and_table(url: &str, table: &str) -> (Arc<dyn Source>, ferry_schema::Table) {
    let source: Arc<dyn Source> = open_source(&Endpoint::parse(url).unwrap())
        .await
        .unwrap()
        .into();
    let model = source
        .introspect()
        .await
        .unwrap()
        .tables
        .into_iter()
        .find(|t| t.name == table)
        .unwrap();
    (source, model)
}

/// Polls `count` until it returns `want` or 10 s pass; the last value seen.
/// Sessions closed by a released snapshot end on the server a moment later.
async fn settles_at<F, Fut>(want: u64, mut count: F) -> u64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = u64>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let seen = count().await;
        if seen == want || Instant::now() > deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Joins `parts` parts one after another (each joining, then ending), as
/// parts queued behind one permit would; returns the ids they read in.
async fn run_parts(snapshot: &PartSnapshot, parts: usize) -> Vec<SnapshotId> {
    let mut ids = Vec::new();
    for _ in 0..parts {
        match snapshot.join().await.unwrap() {
            Joined::Shared { id, hold } => {
                ids.push(id);
                drop(hold);
            }
            Joined::Unshared { why, .. } => panic!("no shared snapshot: {why}"),
        }
        snapshot.part_ended().await;
    }
    ids
}

/// Rows of `table` read in the snapshot `id`, as a part's reader would.
async fn read_in(source: &dyn Source, table: &ferry_schema::Table, id: SnapshotId) -> u64 {
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let options = ReadOptions {
        snapshot: Some(id),
        ..ReadOptions::default()
    };
    let (read, _) = tokio::join!(source.read_table(table, options, tx), async {
        while rx.recv().await.is_some() {}
    });
    read.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_sessions_exist_from_the_first_part_to_the_last() {
    let db = MySqlDb::create("lazy_snap_my").await;
    db.execute("CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)")
        .await;
    let (source, table) = source_and_table(&db.url, "t").await;
    let count = |sql: &'static str| {
        let db = &db;
        async move {
            let mut conn = db.conn().await;
            let n: Option<u64> = conn.exec_first(sql, (db.name.as_str(),)).await.unwrap();
            conn.disconnect().await.unwrap();
            n.unwrap_or(0)
        }
    };
    let sessions = || {
        count("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()")
    };
    // MariaDB lists a read-only transaction once it has read a table.
    let transactions = || {
        count(
            "SELECT COUNT(*) FROM information_schema.INNODB_TRX t \
             JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
             WHERE p.DB = ? AND p.ID <> CONNECTION_ID()",
        )
    };
    // Three parts, two of which may read at once.
    let snapshot = PartSnapshot::new(Arc::clone(&source), table.clone(), 3, 2);
    let before = sessions().await;
    let Joined::Shared { id, hold } = snapshot.join().await.unwrap() else {
        panic!("MariaDB's direct reader shares snapshots")
    };
    let joined = sessions().await;
    assert!(
        joined >= before + 2,
        "the first part opens one session per part that can read at once: {before} sessions before, {joined} after"
    );
    assert_eq!(read_in(&*source, &table, id).await, 3);
    assert!(
        transactions().await >= 1,
        "the part's session stays in its snapshot for the next part"
    );
    drop(hold);
    snapshot.part_ended().await;
    assert_eq!(run_parts(&snapshot, 2).await.len(), 2);
    assert_eq!(
        settles_at(0, transactions).await,
        0,
        "the sessions outlived the table's last part"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_exporting_session_exists_from_the_first_part_to_the_last() {
    let db = PgDb::create("lazy_snap_pg").await;
    db.execute("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)")
        .await;
    let (source, table) = source_and_table(&db.url, "t").await;
    let admin = db.client().await;
    let open = || async {
        let row = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL \
                   AND state LIKE 'idle in transaction%'",
                &[&db.name],
            )
            .await
            .unwrap();
        u64::try_from(row.get::<_, i64>(0)).unwrap()
    };
    let snapshot = PartSnapshot::new(Arc::clone(&source), table, 3, 2);
    assert_eq!(
        open().await,
        0,
        "a snapshot was begun before any part started"
    );
    let ids = {
        let joined = snapshot.join().await.unwrap();
        assert_eq!(open().await, 1, "one exporting session holds the snapshot");
        let Joined::Shared { id, hold } = joined else {
            panic!("PostgreSQL exports snapshots")
        };
        drop(hold);
        snapshot.part_ended().await;
        let mut ids = vec![id];
        ids.extend(run_parts(&snapshot, 2).await);
        ids
    };
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "every part read the same snapshot: {ids:?}"
    );
    assert_eq!(
        settles_at(0, open).await,
        0,
        "the exporting session outlived the table's last part"
    );
}
