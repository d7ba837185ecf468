//! Garbage collection: reclaiming blobs no row names any more (deleted dots and artifact
//! versions, refused uploads), the tree nodes no commit reaches, and objects the index does not
//! know (left by a crash).
//!
//! What is live is read in one snapshot: every commit's tree (walked node by node), every
//! working-tree change and every artifact. A blob or tree node is removed only if that snapshot
//! does not name it *and* it was not touched within the grace period — checked again by the
//! `DELETE` itself, so an upload or commit that touches it while the collector runs wins. Every
//! way of naming a blob goes through an upload (which touches its index row) or through a tree
//! that a live commit reaches, so nothing a row is about to name is ever taken. An object
//! missing from the index is removed only when its upload is not in flight (`blob_uploads`)
//! and began before the grace period; an in-flight mark older than [`ABANDONED_AFTER`]
//! belongs to an upload whose process died.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde::Serialize;
use sqlx::Row;

use super::BlobStore;
use crate::error::{DomainError, DomainResult};
use crate::Store;

/// The grace period of `depot gc` and `--gc-every` unless told otherwise.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(3600);

/// An upload still marked in flight after this long was cut off by a crash.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// Rows deleted per statement.
const BATCH: usize = 500;

#[derive(Clone, Debug)]
pub struct GcOptions {
    /// Nothing touched more recently than this is removed.
    pub grace: Duration,
    /// Report what would be removed, remove nothing.
    pub dry_run: bool,
}

/// A number of things and their bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Tally {
    pub count: u64,
    pub bytes: i64,
}

impl Tally {
    fn add(&mut self, bytes: i64) {
        self.count += 1;
        self.bytes += bytes;
    }
}

/// What a collection removed (or, in a dry run, would remove) and what it kept.
#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GcReport {
    pub dry_run: bool,
    /// Blobs in the index that no row names.
    pub blobs_removed: Tally,
    pub blobs_kept: Tally,
    pub tree_nodes_removed: u64,
    /// Objects the index does not know: leftovers of crashed or refused uploads.
    pub orphans_removed: Tally,
}

/// What the snapshot found live, and the candidates it saw.
struct Marked {
    live_blobs: HashSet<String>,
    dead_nodes: Vec<String>,
    /// Index rows not touched since the cutoff: hash → (size, location).
    old_index_rows: HashMap<String, (i64, String)>,
    indexed_locations: HashSet<String>,
    uploads_in_flight: HashSet<String>,
    abandoned_uploads: Vec<String>,
}

pub async fn collect(
    store: &Store,
    blobs: &BlobStore,
    options: &GcOptions,
) -> DomainResult<GcReport> {
    let now = chrono::Utc::now();
    let cutoff = crate::time::format(now - options.grace);
    let abandoned = crate::time::format(now - ABANDONED_AFTER);
    let marked = mark(store, &cutoff, &abandoned).await?;
    // StoredObject after the snapshot: an object written since is either in flight or younger than
    // the cutoff, and is left alone below.
    let listed = blobs
        .objects()
        .await
        .map_err(|e| DomainError::Internal(format!("listing {}: {e}", blobs.spec())))?;

    let mut report = GcReport {
        dry_run: options.dry_run,
        ..GcReport::default()
    };
    let dead_blobs: Vec<String> = marked
        .old_index_rows
        .keys()
        .filter(|hash| !marked.live_blobs.contains(*hash))
        .cloned()
        .collect();
    if options.dry_run {
        for hash in &dead_blobs {
            report.blobs_removed.add(marked.old_index_rows[hash].0);
        }
        report.tree_nodes_removed = marked.dead_nodes.len() as u64;
    } else {
        report.tree_nodes_removed = delete_tree_nodes(store, &marked.dead_nodes, &cutoff).await?;
        for (_, size, location) in delete_index_rows(store, &dead_blobs, &cutoff).await? {
            blobs.delete_object(&location).await;
            report.blobs_removed.add(size);
        }
        for location in &marked.abandoned_uploads {
            blobs.delete_object(location).await;
            sqlx::query("DELETE FROM blob_uploads WHERE location = $1")
                .bind(location)
                .execute(store.pool())
                .await?;
        }
    }

    for object in listed {
        let known = marked.indexed_locations.contains(&object.location)
            || marked.uploads_in_flight.contains(&object.upload);
        if known || crate::time::format(object.started) >= cutoff {
            continue;
        }
        let legacy_hash = object.location.rsplit('/').next().unwrap_or_default();
        if object.location.starts_with("sha256/") && marked.live_blobs.contains(legacy_hash) {
            // A blob of the layout before the index, still named: index it where it lies.
            if !options.dry_run {
                adopt(store, legacy_hash, object.size, &object.location).await?;
            }
            continue;
        }
        if !options.dry_run {
            blobs.delete_object(&object.location).await;
        }
        report.orphans_removed.add(object.size);
    }

    let (count, bytes) = blobs.totals().await?;
    report.blobs_kept = Tally {
        count: count as u64,
        bytes,
    };
    if options.dry_run {
        report.blobs_kept.count -= report.blobs_removed.count.min(report.blobs_kept.count);
        report.blobs_kept.bytes -= report.blobs_removed.bytes;
    }
    Ok(report)
}

/// Reads, in one snapshot, everything live and every candidate for removal.
async fn mark(store: &Store, cutoff: &str, abandoned: &str) -> DomainResult<Marked> {
    let mut tx = store.begin_read().await?;
    let roots: Vec<String> = sqlx::query_scalar("SELECT DISTINCT root FROM dot_commits")
        .fetch_all(&mut *tx)
        .await?;
    let (live_nodes, mut live_blobs) = crate::versioning::tree::reachable(&mut tx, roots).await?;
    for sql in [
        "SELECT DISTINCT blob FROM dot_changes WHERE blob IS NOT NULL",
        "SELECT DISTINCT blob FROM artifacts",
    ] {
        let named: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut *tx).await?;
        live_blobs.extend(named);
    }
    let old_nodes: Vec<String> =
        sqlx::query_scalar("SELECT hash FROM dot_trees WHERE touched_at < $1")
            .bind(cutoff)
            .fetch_all(&mut *tx)
            .await?;
    let dead_nodes = old_nodes
        .into_iter()
        .filter(|hash| !live_nodes.contains(hash))
        .collect();
    let mut old_index_rows = HashMap::new();
    let mut indexed_locations = HashSet::new();
    for row in sqlx::query("SELECT hash, size_bytes, location, touched_at FROM blobs")
        .fetch_all(&mut *tx)
        .await?
    {
        let location: String = row.try_get("location")?;
        let touched: String = row.try_get("touched_at")?;
        if touched.as_str() < cutoff {
            old_index_rows.insert(
                row.try_get("hash")?,
                (row.try_get("size_bytes")?, location.clone()),
            );
        }
        indexed_locations.insert(location);
    }
    let mut uploads_in_flight = HashSet::new();
    let mut abandoned_uploads = Vec::new();
    for row in sqlx::query("SELECT location, started_at FROM blob_uploads")
        .fetch_all(&mut *tx)
        .await?
    {
        let location: String = row.try_get("location")?;
        let started: String = row.try_get("started_at")?;
        if started.as_str() < abandoned {
            abandoned_uploads.push(location);
        } else {
            uploads_in_flight.insert(location);
        }
    }
    tx.commit().await?;
    Ok(Marked {
        live_blobs,
        dead_nodes,
        old_index_rows,
        indexed_locations,
        uploads_in_flight,
        abandoned_uploads,
    })
}

fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn delete_tree_nodes(store: &Store, hashes: &[String], cutoff: &str) -> DomainResult<u64> {
    let mut removed = 0;
    for chunk in hashes.chunks(BATCH) {
        let sql = format!(
            "DELETE FROM dot_trees WHERE touched_at < $1 AND hash IN ({})",
            placeholders(2, chunk.len())
        );
        let mut query = sqlx::query(&sql).bind(cutoff);
        for hash in chunk {
            query = query.bind(hash);
        }
        removed += query.execute(store.pool()).await?.rows_affected();
    }
    Ok(removed)
}

/// Deletes the index rows of `hashes` that are still untouched since `cutoff`; returns the
/// rows deleted (hash, size, location), whose objects may go now.
async fn delete_index_rows(
    store: &Store,
    hashes: &[String],
    cutoff: &str,
) -> DomainResult<Vec<(String, i64, String)>> {
    let mut deleted = Vec::new();
    for chunk in hashes.chunks(BATCH) {
        let sql = format!(
            "DELETE FROM blobs WHERE touched_at < $1 AND hash IN ({}) \
             RETURNING hash, size_bytes, location",
            placeholders(2, chunk.len())
        );
        let mut query = sqlx::query(&sql).bind(cutoff);
        for hash in chunk {
            query = query.bind(hash);
        }
        for row in query.fetch_all(store.pool()).await? {
            deleted.push((
                row.try_get("hash")?,
                row.try_get("size_bytes")?,
                row.try_get("location")?,
            ));
        }
    }
    Ok(deleted)
}

async fn adopt(store: &Store, hash: &str, size: i64, location: &str) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO blobs (hash, size_bytes, location, touched_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (hash) DO NOTHING",
    )
    .bind(hash)
    .bind(size)
    .bind(location)
    .bind(crate::time::now())
    .execute(store.pool())
    .await?;
    Ok(())
}
