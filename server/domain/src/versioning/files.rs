//! The files of a dot: writing into a branch's working tree, deleting, reading as of the
//! working tree or any commit, and listing. Contents stream through the blob store; only a
//! completely written blob is ever named by a row.

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::model::{DotFile, FileTextDiff};
use super::service::{self, Branch, Dot, DotPath};
use super::text_diff;
use super::tree::{FileRef, Trees};
use crate::audit::Surface;
use crate::auth::actor::Actor;
use crate::blobs::receive::Destination;
use crate::blobs::{BlobStore, StoredBlob};
use crate::error::{DomainError, DomainResult};
use crate::store::Store;
use crate::time;

const MAX_PATH_BYTES: usize = 1024;

/// A file path inside a dot: relative, `/`-separated, no empty, `.` or `..` segments.
pub fn check_file_path(path: &str) -> DomainResult<()> {
    let problem = if path.is_empty() {
        Some("it is empty")
    } else if path.len() > MAX_PATH_BYTES {
        Some("it is longer than 1024 bytes")
    } else if path.chars().any(char::is_control) {
        Some("it contains control characters")
    } else if path
        .split('/')
        .any(|segment| segment.is_empty() || segment == "." || segment == "..")
    {
        Some("segments must not be empty, '.' or '..'")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(DomainError::invalid(format!(
            "File path {path:?} is invalid: {problem}"
        ))),
        None => Ok(()),
    }
}

fn no_such_file(dot: &Dot, at: &str, path: &str) -> DomainError {
    DomainError::not_found(format!("No file '{path}' in {} at {at}", dot.path.label()))
}

/// A file on its way into a branch's working tree (`PUT …/files/{path}`, or the two steps of a
/// signed URL), received by the blob store
/// ([`BlobStore::receive`](crate::blobs::BlobStore::receive) and its two-step forms). Writing it
/// makes the file dirty, unless the content is what the head commit already has.
pub struct WorkingFile<'a> {
    pub store: &'a Store,
    pub actor: &'a Actor,
    pub dot: &'a DotPath,
    pub branch: &'a str,
    pub path: &'a str,
}

impl Destination for WorkingFile<'_> {
    type Recorded = DotFile;

    /// Refuses before anything is stored when the caller may not write, the path is bad, or
    /// the dot or branch is not there.
    async fn check(&self) -> DomainResult<()> {
        self.actor.require_write()?;
        check_file_path(self.path)?;
        let mut conn = self.store.pool().acquire().await?;
        let dot = service::dot(&mut conn, self.dot).await?;
        service::branch(&mut conn, &dot, self.branch).await?;
        Ok(())
    }

    /// The stored blob as the file of the working tree, with its audit entry.
    async fn record(&self, blob: StoredBlob) -> DomainResult<DotFile> {
        let mut tx = self.store.begin_write().await?;
        let dot = service::dot(&mut tx, self.dot).await?;
        let branch = service::lock_branch(&mut tx, &dot, self.branch).await?;
        let head = service::head(&mut tx, &branch).await?;
        let in_head = Trees::default()
            .find(&mut tx, &head.root, self.path)
            .await?;
        let dirty = in_head.as_ref().map(|f| &f.blob) != Some(&blob.hash);
        if dirty {
            sqlx::query(
                "INSERT INTO dot_changes (branch_id, path, blob, size_bytes, base_size_bytes, written_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (branch_id, path) DO UPDATE SET blob = excluded.blob, \
                     size_bytes = excluded.size_bytes, written_at = excluded.written_at",
            )
            .bind(&branch.id)
            .bind(self.path)
            .bind(&blob.hash)
            .bind(blob.size)
            .bind(in_head.map(|f| f.size).unwrap_or(0))
            .bind(time::now())
            .execute(&mut *tx)
            .await?;
        } else {
            forget_change(&mut tx, &branch, self.path).await?;
        }
        Surface::Versioning.record(&mut tx,
            self.actor,
            &dot.path.label(),
            "write file",
            json!({ "branch": branch.name, "path": self.path, "size": blob.size, "sha256": blob.hash }),
        )
        .await?;
        tx.commit().await?;
        Ok(DotFile {
            path: self.path.to_string(),
            size_bytes: blob.size,
            sha256: blob.hash,
            dirty,
        })
    }
}

async fn forget_change(
    conn: &mut AnyConnection,
    branch: &Branch,
    file_path: &str,
) -> DomainResult<()> {
    sqlx::query("DELETE FROM dot_changes WHERE branch_id = $1 AND path = $2")
        .bind(&branch.id)
        .bind(file_path)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes `file_path` from the branch's working tree.
pub async fn delete(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
    branch_given: &str,
    file_path: &str,
) -> DomainResult<()> {
    actor.require_write()?;
    check_file_path(file_path)?;
    let mut tx = store.begin_write().await?;
    let dot = service::dot(&mut tx, path).await?;
    let branch = service::lock_branch(&mut tx, &dot, branch_given).await?;
    let head = service::head(&mut tx, &branch).await?;
    let in_head = Trees::default()
        .find(&mut tx, &head.root, file_path)
        .await?;
    let written: Option<Option<String>> =
        sqlx::query("SELECT blob FROM dot_changes WHERE branch_id = $1 AND path = $2")
            .bind(&branch.id)
            .bind(file_path)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get("blob"))
            .transpose()?;
    let exists = match &written {
        Some(blob) => blob.is_some(),
        None => in_head.is_some(),
    };
    if !exists {
        return Err(no_such_file(&dot, &branch.name, file_path));
    }
    match in_head {
        Some(old) => {
            sqlx::query(
                "INSERT INTO dot_changes (branch_id, path, blob, size_bytes, base_size_bytes, written_at) \
                 VALUES ($1, $2, NULL, 0, $3, $4) \
                 ON CONFLICT (branch_id, path) DO UPDATE SET blob = NULL, size_bytes = 0, \
                     written_at = excluded.written_at",
            )
            .bind(&branch.id)
            .bind(file_path)
            .bind(old.size)
            .bind(time::now())
            .execute(&mut *tx)
            .await?;
        }
        None => forget_change(&mut tx, &branch, file_path).await?,
    }
    Surface::Versioning
        .record(
            &mut tx,
            actor,
            &dot.path.label(),
            "delete file",
            json!({ "branch": branch.name, "path": file_path }),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Where a file is read from: a branch's working tree or a commit.
#[derive(Clone, Copy, Debug)]
pub enum Version<'a> {
    WorkingTree { branch: &'a str },
    Commit(&'a str),
}

/// The content of `file_path` as of `version`.
pub async fn read(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
    version: Version<'_>,
    file_path: &str,
) -> DomainResult<FileRef> {
    actor.require_read()?;
    check_file_path(file_path)?;
    let mut conn = store.pool().acquire().await?;
    let dot = service::dot(&mut conn, path).await?;
    let mut trees = Trees::default();
    let (root, at) = root_of(&mut conn, &mut trees, &dot, version).await?;
    trees
        .find(&mut conn, &root, file_path)
        .await?
        .ok_or_else(|| no_such_file(&dot, &at, file_path))
}

async fn root_of(
    conn: &mut AnyConnection,
    trees: &mut Trees,
    dot: &Dot,
    version: Version<'_>,
) -> DomainResult<(String, String)> {
    match version {
        Version::WorkingTree { branch } => {
            let branch = service::branch(conn, dot, branch).await?;
            let root = service::working_root(conn, trees, &branch).await?;
            Ok((root, branch.name))
        }
        Version::Commit(commit) => Ok((
            service::commit_root(conn, dot, commit).await?,
            commit.to_string(),
        )),
    }
}

/// Every file as of `version`, sorted by path; in a working tree, files written since the last
/// commit are marked dirty.
pub async fn list(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
    version: Version<'_>,
) -> DomainResult<Vec<DotFile>> {
    let mut conn = store.reading_as(actor).await?;
    let dot = service::dot(&mut conn, path).await?;
    let mut trees = Trees::default();
    let (root, _) = root_of(&mut conn, &mut trees, &dot, version).await?;
    let dirty_paths = match version {
        Version::WorkingTree { branch } => {
            let branch = service::branch(&mut conn, &dot, branch).await?;
            service::changes(&mut conn, &branch).await?
        }
        Version::Commit(_) => Default::default(),
    };
    Ok(trees
        .files(&mut conn, &root)
        .await?
        .into_iter()
        .map(|(file_path, file)| DotFile {
            dirty: dirty_paths.contains_key(&file_path),
            path: file_path,
            size_bytes: file.size,
            sha256: file.blob,
        })
        .collect())
}

/// The most bytes of each side read for a line diff.
const MAX_TEXT_BYTES: u64 = 512 * 1024;

/// The line diff of one file between the same two versions [`service::diff`] compares. A side
/// where the file does not exist counts as empty; binary or very large content gets a note
/// instead of lines.
#[allow(clippy::too_many_arguments)]
pub async fn text_diff(
    store: &Store,
    blobs: &BlobStore,
    actor: &Actor,
    path: &DotPath,
    branch_given: &str,
    from: &str,
    to: &str,
    file_path: &str,
) -> DomainResult<FileTextDiff> {
    actor.require_read()?;
    check_file_path(file_path)?;
    let mut conn = store.pool().acquire().await?;
    let dot = service::dot(&mut conn, path).await?;
    let mut trees = Trees::default();
    let (from_root, to_root) =
        service::diff_roots(&mut conn, &mut trees, &dot, branch_given, from, to).await?;
    let before = trees.find(&mut conn, &from_root, file_path).await?;
    let after = trees.find(&mut conn, &to_root, file_path).await?;
    drop(conn);
    if before.is_none() && after.is_none() {
        return Err(no_such_file(&dot, "either version", file_path));
    }
    let note = |text: &str| FileTextDiff {
        path: file_path.to_string(),
        lines: Vec::new(),
        note: Some(text.to_string()),
    };
    if [&before, &after]
        .iter()
        .any(|f| f.as_ref().is_some_and(|f| f.size as u64 > MAX_TEXT_BYTES))
    {
        return Ok(note(
            "The file is too large to compare line by line (over 512 KiB).",
        ));
    }
    let (Some(old), Some(new)) = (
        text_of(blobs, before.as_ref()).await?,
        text_of(blobs, after.as_ref()).await?,
    ) else {
        return Ok(note("Binary content: not compared line by line."));
    };
    match text_diff::line_diff(&old, &new) {
        Some(lines) => Ok(FileTextDiff {
            path: file_path.to_string(),
            lines,
            note: None,
        }),
        None => Ok(note("The file has too many lines to compare line by line.")),
    }
}

/// The file's content as text: empty when the file is absent, `None` when it is not UTF-8.
async fn text_of(blobs: &BlobStore, file: Option<&FileRef>) -> DomainResult<Option<String>> {
    let Some(file) = file else {
        return Ok(Some(String::new()));
    };
    let bytes = blobs
        .read_prefix(&file.blob, MAX_TEXT_BYTES)
        .await
        .map_err(|e| DomainError::Internal(format!("blob {}: {e}", file.blob)))?;
    Ok(String::from_utf8(bytes).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_stay_inside_the_dot() {
        assert!(check_file_path("data/2026/readings.csv").is_ok());
        for bad in ["", "/etc/passwd", "a//b", "a/../b", "./a", "a/", "a\0b"] {
            let error = check_file_path(bad).unwrap_err();
            assert!(
                error.to_string().starts_with("File path"),
                "{bad:?}: {error}"
            );
        }
    }
}
