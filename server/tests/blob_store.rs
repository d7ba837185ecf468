//! The blob store's promises on both backends (a folder, and S3 through SeaweedFS): content kept
//! once by hash, streamed in and out in parts, nothing visible from a failed upload — and
//! garbage collection that reclaims what no row names without ever taking what a row is about
//! to name.

mod support;

use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

use depot_domain::blobs::gc::{self, GcOptions, GcReport};
use depot_domain::DomainError;
use reqwest::StatusCode;
use serde_json::json;
use support::{Answered, Stores, TestServer};
use tokio::io::AsyncReadExt;

const NS: &str = "/v3/namespaces/default";

async fn read_all(server: &TestServer, hash: &str, range: Option<(u64, u64)>) -> Vec<u8> {
    let mut bytes = Vec::new();
    server
        .blobs
        .read(hash, range)
        .await
        .unwrap()
        .read_to_end(&mut bytes)
        .await
        .unwrap();
    bytes
}

async fn identical_content_is_stored_once_under_its_hash(stores: Stores) {
    let server = TestServer::start(stores).await;
    let first = server.blobs.put_bytes(b"hello").await.unwrap();
    let second = server.blobs.put_bytes(b"hello").await.unwrap();
    assert_eq!(first, second);
    assert_eq!(
        first.hash,
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert_eq!(server.blobs.objects().await.unwrap().len(), 1);
    assert_eq!(server.blobs.totals().await.unwrap(), (1, 5));
    assert_eq!(read_all(&server, &first.hash, None).await, b"hello");
    assert_eq!(read_all(&server, &first.hash, Some((1, 3))).await, b"ell");
    assert!(
        server.blobs.read(&"0".repeat(64), None).await.is_err(),
        "an unknown hash is an error, not an empty blob"
    );
}

/// A reader that yields some bytes and then fails, like a client that disconnects.
struct Broken(bool);

impl tokio::io::AsyncRead for Broken {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.0 {
            return std::task::Poll::Ready(Err(std::io::Error::other("connection reset")));
        }
        self.0 = true;
        buf.put_slice(&vec![7u8; 256 * 1024]);
        std::task::Poll::Ready(Ok(()))
    }
}

async fn a_failed_stream_leaves_nothing_behind(stores: Stores) {
    let server = TestServer::start(stores).await;
    let error = server.blobs.put(Broken(false)).await.unwrap_err();
    assert!(
        matches!(&error, DomainError::Invalid(m) if m.starts_with("the upload did not complete")),
        "{error:?}"
    );
    assert!(server.blobs.objects().await.unwrap().is_empty());
    assert_eq!(server.blobs.totals().await.unwrap(), (0, 0));
    let in_flight: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blob_uploads")
        .fetch_one(server.db.store.pool())
        .await
        .unwrap();
    assert_eq!(in_flight, 0, "the upload's in-flight mark is gone");
}

/// 40 MiB: on S3 a multipart upload of three parts, sent while the stream goes on.
async fn large_blobs_stream_in_parts_and_read_back_by_range(stores: Stores) {
    let server = TestServer::start(stores).await;
    let content: Vec<u8> = (0..40 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let stored = server.blobs.put_bytes(&content).await.unwrap();
    assert_eq!(stored.size, content.len() as i64);
    assert!(read_all(&server, &stored.hash, None).await == content);
    let middle = 20 * 1024 * 1024 - 5;
    assert_eq!(
        read_all(&server, &stored.hash, Some((middle, 10))).await,
        &content[middle as usize..middle as usize + 10]
    );
    // The blocking reader the archive inspection uses: seek to the end, read back.
    let mut seekable = server.blobs.seekable(&stored.hash).await.unwrap();
    let expected_tail = content[content.len() - 100..].to_vec();
    let tail = tokio::task::spawn_blocking(move || {
        seekable.seek(SeekFrom::End(-100)).unwrap();
        let mut tail = Vec::new();
        seekable.read_to_end(&mut tail).unwrap();
        tail
    })
    .await
    .unwrap();
    assert_eq!(tail, expected_tail);
}

async fn collect(server: &TestServer, grace: Duration, dry_run: bool) -> GcReport {
    gc::collect(
        &server.db.store,
        &server.blobs,
        &GcOptions { grace, dry_run },
    )
    .await
    .unwrap()
}

async fn make_dot(server: &TestServer, name: &str, files: &[(&str, &[u8])]) {
    let created = server
        .as_admin(server.post("/dots/admin"))
        .json(&json!({ "name": name }))
        .response()
        .await;
    assert_eq!(created.status(), StatusCode::CREATED, "{name}");
    for (path, content) in files {
        let url = server.url(&format!("/dots/admin/{name}/branches/master/files/{path}"));
        let put = server
            .as_admin(server.client.put(url))
            .body(content.to_vec())
            .response()
            .await;
        assert_eq!(put.status(), StatusCode::CREATED, "{name}/{path}");
    }
    let committed = server
        .as_admin(server.post(&format!("/dots/admin/{name}/branches/master/commits")))
        .json(&json!({ "message": "files" }))
        .response()
        .await;
    assert_eq!(committed.status(), StatusCode::CREATED, "commit {name}");
}

async fn delete_dot(server: &TestServer, name: &str) {
    let deleted = server
        .as_admin(
            server
                .client
                .delete(server.url(&format!("/dots/admin/{name}"))),
        )
        .response()
        .await;
    assert!(deleted.status().is_success(), "delete {name}");
}

async fn dot_file(server: &TestServer, name: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let response = server
        .as_admin(server.get(&format!("/dots/admin/{name}/branches/master/files/{path}")))
        .response()
        .await;
    (response.status(), response.bytes().await.unwrap().to_vec())
}

fn archive(filler: &str) -> Vec<u8> {
    support::jar(None, None, filler)
}

async fn upload_artifact(
    server: &TestServer,
    name: &str,
    version: &str,
    body: Vec<u8>,
) -> StatusCode {
    server
        .as_admin(server.post(&format!("{NS}/artifacts/{name}")))
        .header("Artifact-Version", version)
        .body(body)
        .answer_status()
        .await
}

async fn delete_artifact(server: &TestServer, name: &str, version: &str) {
    let url = server.url(&format!("{NS}/artifacts/{name}/versions/{version}"));
    let deleted = server.as_admin(server.client.delete(url)).response().await;
    assert!(deleted.status().is_success(), "delete {name} {version}");
}

async fn artifact_download(
    server: &TestServer,
    name: &str,
    version: &str,
) -> (StatusCode, Vec<u8>) {
    let response = server
        .as_admin(server.get(&format!(
            "{NS}/artifacts/{name}/versions/{version}/download"
        )))
        .response()
        .await;
    (response.status(), response.bytes().await.unwrap().to_vec())
}

/// Deleted dots and artifact versions, refused uploads and orphaned objects are reclaimed; a
/// dry run says what and how much and removes nothing; what rows still name stays readable.
async fn gc_reclaims_what_no_row_names(stores: Stores) {
    let server = TestServer::start(stores).await;
    make_dot(
        &server,
        "kept",
        &[("a.csv", b"kept a"), ("shared.csv", b"shared")],
    )
    .await;
    make_dot(
        &server,
        "gone",
        &[("b.csv", b"gone b!"), ("shared.csv", b"shared")],
    )
    .await;
    let kept_archive = archive("kept");
    assert_eq!(
        upload_artifact(&server, "app", "1.0.0", kept_archive.clone()).await,
        StatusCode::OK
    );
    assert_eq!(
        upload_artifact(&server, "app", "2.0.0", archive("version two")).await,
        StatusCode::OK
    );
    assert_eq!(
        upload_artifact(&server, "app", "3.0.0", b"not a zip".to_vec()).await,
        StatusCode::BAD_REQUEST,
        "a refused upload leaves an unnamed blob behind"
    );
    delete_dot(&server, "gone").await;
    delete_artifact(&server, "app", "2.0.0").await;
    // An object the index does not know, as a crash between upload and index would leave.
    let orphan = server
        .blobs
        .put_bytes(b"orphaned by a crash")
        .await
        .unwrap();
    sqlx::query("DELETE FROM blobs WHERE hash = $1")
        .bind(&orphan.hash)
        .execute(server.db.store.pool())
        .await
        .unwrap();
    let (count_before, _) = server.blobs.totals().await.unwrap();
    let objects_before = server.blobs.objects().await.unwrap().len();

    // Everything was touched just now: within an hour's grace nothing goes.
    let cautious = collect(&server, Duration::from_secs(3600), false).await;
    assert_eq!(
        cautious.blobs_removed.count + cautious.orphans_removed.count,
        0,
        "{cautious:?}"
    );

    let dry = collect(&server, Duration::ZERO, true).await;
    // b.csv, archive 2.0.0 and the refused "not a zip"; shared.csv is still named by `kept`.
    assert_eq!(dry.blobs_removed.count, 3, "{dry:?}");
    assert_eq!(
        dry.blobs_removed.bytes,
        7 + archive("version two").len() as i64 + 9
    );
    assert_eq!(dry.orphans_removed.count, 1, "{dry:?}");
    assert!(
        dry.tree_nodes_removed > 0,
        "the deleted dot's tree: {dry:?}"
    );
    assert_eq!(
        server.blobs.totals().await.unwrap().0,
        count_before,
        "a dry run removes nothing"
    );
    assert_eq!(server.blobs.objects().await.unwrap().len(), objects_before);

    let done = collect(&server, Duration::ZERO, false).await;
    assert_eq!(done.blobs_removed, dry.blobs_removed);
    assert_eq!(done.orphans_removed, dry.orphans_removed);
    assert_eq!(done.tree_nodes_removed, dry.tree_nodes_removed);
    assert_eq!(done.blobs_kept.count, count_before as u64 - 3);
    assert_eq!(
        server.blobs.objects().await.unwrap().len(),
        objects_before - 4,
        "the objects went with their index rows"
    );
    assert_eq!(
        dot_file(&server, "kept", "a.csv").await,
        (StatusCode::OK, b"kept a".to_vec())
    );
    assert_eq!(
        dot_file(&server, "kept", "shared.csv").await,
        (StatusCode::OK, b"shared".to_vec())
    );
    assert_eq!(
        artifact_download(&server, "app", "1.0.0").await,
        (StatusCode::OK, kept_archive)
    );
    let again = collect(&server, Duration::ZERO, false).await;
    assert_eq!(
        (
            again.blobs_removed.count,
            again.orphans_removed.count,
            again.tree_nodes_removed
        ),
        (0, 0, 0),
        "a second collection finds nothing: {again:?}"
    );
    let metrics = server.get_text_as_admin("/metrics").await;
    assert!(
        metrics.contains(&format!("depot_blobs {}\n", done.blobs_kept.count)),
        "{metrics}"
    );
    assert!(metrics.contains(&format!("depot_blob_bytes {}\n", done.blobs_kept.bytes)));
}

/// Uploads race a collector that runs without pause: each round, content is stored and its
/// holder deleted, its index row is aged past the grace period (as an hour passing would), and
/// the same content is uploaded and committed again while the collector is deciding to take
/// it. Every file and archive acknowledged in the end downloads intact.
async fn gc_racing_uploads_never_takes_an_acknowledged_blob(stores: Stores) {
    let server = std::sync::Arc::new(TestServer::start(stores).await);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let collector = {
        let (server, stop) = (server.clone(), stop.clone());
        tokio::spawn(async move {
            let (mut runs, mut removed) = (0u32, 0u64);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let report = collect(&server, Duration::from_secs(60), false).await;
                removed += report.blobs_removed.count;
                runs += 1;
            }
            (runs, removed)
        })
    };
    // Ages what this round wrote, so the collector may take it; never what an earlier round
    // kept: touched times only move forward in Depot, and a collector still deciding about an
    // earlier round would otherwise see a kept node made old again.
    let age_this_round = |since: String| {
        let server = server.clone();
        async move {
            for table in ["blobs", "dot_trees"] {
                sqlx::query(&format!(
                    "UPDATE {table} SET touched_at = '2000-01-01T00:00:00.000Z' WHERE touched_at >= $1"
                ))
                .bind(&since)
                .execute(server.db.store.pool())
                .await
                .unwrap();
            }
        }
    };
    let rounds = 10;
    for round in 0..rounds {
        let round_start = depot_domain::time::now();
        let content = format!("round {round} ").repeat(500).into_bytes();
        let jar = archive(&format!("archive of round {round}"));
        make_dot(&server, &format!("gone{round}"), &[("data.bin", &content)]).await;
        delete_dot(&server, &format!("gone{round}")).await;
        assert_eq!(
            upload_artifact(&server, "gone", &format!("1.0.{round}"), jar.clone()).await,
            StatusCode::OK
        );
        delete_artifact(&server, "gone", &format!("1.0.{round}")).await;
        age_this_round(round_start).await;
        make_dot(&server, &format!("kept{round}"), &[("data.bin", &content)]).await;
        assert_eq!(
            upload_artifact(&server, "kept", &format!("1.0.{round}"), jar).await,
            StatusCode::OK
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (runs, removed) = collector.await.unwrap();
    assert!(runs >= rounds, "the collector ran throughout ({runs} runs)");
    for round in 0..rounds {
        let content = format!("round {round} ").repeat(500).into_bytes();
        let (status, body) = dot_file(&server, &format!("kept{round}"), "data.bin").await;
        assert_eq!(
            status,
            StatusCode::OK,
            "round {round} (the collector removed {removed} blobs in {runs} runs): {}",
            String::from_utf8_lossy(&body)
        );
        assert!(body == content, "round {round}: the file is intact");
        assert_eq!(
            artifact_download(&server, "kept", &format!("1.0.{round}")).await,
            (
                StatusCode::OK,
                archive(&format!("archive of round {round}"))
            ),
            "round {round}"
        );
    }
}

on_every_store!(
    identical_content_is_stored_once_under_its_hash,
    a_failed_stream_leaves_nothing_behind,
    large_blobs_stream_in_parts_and_read_back_by_range,
    gc_reclaims_what_no_row_names,
    gc_racing_uploads_never_takes_an_acknowledged_blob,
);
