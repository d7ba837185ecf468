//! The content-addressed blob store: file contents (dot files, artifact archives) kept once per
//! SHA-256, in a folder (`file:DIR`) or an S3-compatible bucket (`s3://BUCKET/PREFIX`).
//!
//! Both backends ([`files`], [`s3`]) write a blob as an object under a name of its own, hashing
//! it while it streams; the hash is known only at the end, and S3 has no rename. Once the object
//! is completely written (fsynced, or the multipart upload completed) its hash, size and name go
//! into the store's `blobs` index, and only then does the caller commit a row naming the hash.
//! So no row ever names a blob that is not completely written, and a client that disconnects
//! half-way leaves nothing the index knows of. A second upload of the same content finds the
//! hash in the index, deletes its own object and uses the first one: identical content is kept
//! once. Every upload of a hash marks its index row as touched, which is what keeps
//! [`gc`] from reclaiming a blob that a row is about to name.

pub mod direct;
mod files;
pub mod gc;
pub mod receive;
mod s3;

use std::io;
use std::pin::Pin;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::error::{DomainError, DomainResult};
use crate::Store;

/// How much of a stream is read at once while storing it.
const CHUNK_BYTES: usize = 256 * 1024;

/// A blob that is completely written: its SHA-256 (lower-case hex) and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlob {
    pub hash: String,
    pub size: i64,
}

/// A blob's bytes (or some of them), as they stream out of the backend.
pub type BlobReader = Pin<Box<dyn AsyncRead + Send>>;

/// What the backend holds: a folder or a bucket.
enum Objects {
    Files(files::FileObjects),
    S3(s3::S3Objects),
}

/// The folder (or key prefix) objects are written under, in either backend.
const OBJECTS: &str = "objects";

/// An object as a backend lists it, for the garbage collector.
pub struct StoredObject {
    pub location: String,
    /// The location the object's upload is marked under while in flight (`blob_uploads`).
    pub upload: String,
    pub size: i64,
    /// When the object's upload began, as far as the backend can tell: objects younger than
    /// the collector's grace period may belong to an upload that is still going on.
    pub started: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone)]
pub struct BlobStore {
    objects: Arc<Objects>,
    index: Store,
    spec: Arc<str>,
    /// Answer downloads with a redirect to a signed GET instead of streaming them (a function,
    /// whose responses are capped, sets this).
    redirect_downloads: bool,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore").field("at", &self.spec).finish()
    }
}

/// Why a stream could not be stored: the client's doing (it went away or sent a broken body),
/// or the backend's (a full disk, an unreachable bucket).
enum PutFailure {
    Source(io::Error),
    Backend(String),
}

impl From<PutFailure> for DomainError {
    fn from(failure: PutFailure) -> Self {
        match failure {
            PutFailure::Source(error) => {
                DomainError::invalid(format!("the upload did not complete: {error}"))
            }
            PutFailure::Backend(error) => {
                DomainError::Internal(format!("storing the upload failed: {error}"))
            }
        }
    }
}

impl BlobStore {
    /// The store `--blob-store` names: `file:DIR` (or a bare path), or `s3://BUCKET/PREFIX` with
    /// the endpoint, region and credentials from the usual `AWS_*` environment variables. Its
    /// index lives in `index`. A bucket that cannot be reached or read is refused here, at
    /// start-up.
    pub async fn open(spec: &str, index: Store) -> DomainResult<Self> {
        Self::open_with(spec, index, &std::env::vars().collect::<Vec<_>>()).await
    }

    /// [`BlobStore::open`] with the `AWS_*` settings taken from `variables` instead of the
    /// environment.
    pub async fn open_with(
        spec: &str,
        index: Store,
        variables: &[(String, String)],
    ) -> DomainResult<Self> {
        let objects = if let Some(bucket_and_prefix) = spec.strip_prefix("s3://") {
            Objects::S3(s3::S3Objects::open(bucket_and_prefix, variables).await?)
        } else {
            let dir = spec.strip_prefix("file:").unwrap_or(spec);
            if dir.is_empty() {
                return Err(DomainError::invalid(
                    "--blob-store needs a folder (file:DIR) or a bucket (s3://BUCKET/PREFIX)",
                ));
            }
            Objects::Files(files::FileObjects::open(dir)?)
        };
        Ok(Self {
            objects: Arc::new(objects),
            index,
            spec: spec.into(),
            redirect_downloads: false,
        })
    }

    /// Stores everything `reader` yields. On any failure the partial object is removed and
    /// nothing becomes visible.
    pub async fn put(&self, reader: impl AsyncRead + Unpin) -> DomainResult<StoredBlob> {
        let location = format!("{OBJECTS}/{}", object_name());
        self.mark_in_flight(&location).await?;
        let written = match &*self.objects {
            Objects::Files(files) => files.write(&location, reader).await,
            Objects::S3(s3) => s3.write(&location, reader).await,
        };
        let registered = match written {
            Ok(blob) => self
                .register(&location, &blob)
                .await
                .map(|kept| (blob, kept)),
            Err(failure) => Err(failure.into()),
        };
        match registered {
            Ok((blob, kept)) => {
                if kept != location {
                    // The same content was stored before: keep that object, drop this one.
                    self.delete_object(&location).await;
                }
                Ok(blob)
            }
            Err(error) => {
                self.delete_object(&location).await;
                self.end_in_flight(&location).await;
                Err(error)
            }
        }
    }

    /// Marks the object at `location` as being written, from before its first byte until it
    /// is indexed ([`BlobStore::register`] ends the mark), so the collector never takes it.
    async fn mark_in_flight(&self, location: &str) -> DomainResult<()> {
        sqlx::query("INSERT INTO blob_uploads (location, started_at) VALUES ($1, $2)")
            .bind(location)
            .bind(crate::time::now())
            .execute(self.index.pool())
            .await?;
        Ok(())
    }

    async fn is_in_flight(&self, location: &str) -> DomainResult<bool> {
        let found: Option<String> =
            sqlx::query_scalar("SELECT location FROM blob_uploads WHERE location = $1")
                .bind(location)
                .fetch_optional(self.index.pool())
                .await?;
        Ok(found.is_some())
    }

    /// Ends the in-flight mark of an upload that failed (its object is already gone).
    async fn end_in_flight(&self, location: &str) {
        let ended = sqlx::query("DELETE FROM blob_uploads WHERE location = $1")
            .bind(location)
            .execute(self.index.pool())
            .await;
        if let Err(error) = ended {
            tracing::warn!(%location, %error, "could not end an upload's in-flight mark");
        }
    }

    pub async fn put_bytes(&self, bytes: &[u8]) -> DomainResult<StoredBlob> {
        self.put(bytes).await
    }

    /// Records the object written at `location` in the index, or marks the hash's existing
    /// entry as touched, and ends the upload's in-flight mark. Returns the location that holds
    /// the hash from now on.
    async fn register(&self, location: &str, blob: &StoredBlob) -> DomainResult<String> {
        let mut tx = self.index.begin_write().await?;
        let kept: String = sqlx::query_scalar(
            "INSERT INTO blobs (hash, size_bytes, location, touched_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (hash) DO UPDATE SET touched_at = excluded.touched_at \
             RETURNING location",
        )
        .bind(&blob.hash)
        .bind(blob.size)
        .bind(location)
        .bind(crate::time::now())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM blob_uploads WHERE location = $1")
            .bind(location)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(kept)
    }

    /// Streams blob `hash`, all of it or `length` bytes from `start`.
    pub async fn read(&self, hash: &str, range: Option<(u64, u64)>) -> io::Result<BlobReader> {
        let location = self.locate(hash).await?;
        match &*self.objects {
            Objects::Files(files) => files.read(&location, range).await,
            Objects::S3(s3) => s3.read(&location, range).await,
        }
    }

    /// The whole blob as a blocking reader that can seek (what the zip reader of artifact
    /// archives needs), for use inside `spawn_blocking`: a file, or ranged reads of the object.
    pub async fn seekable(&self, hash: &str) -> io::Result<Box<dyn SeekableRead>> {
        let location = self.locate(hash).await?;
        match &*self.objects {
            Objects::Files(files) => Ok(Box::new(files.open_std(&location).await?)),
            Objects::S3(s3) => Ok(Box::new(s3.seekable(&location).await?)),
        }
    }

    /// The first `limit` bytes of blob `hash`.
    pub async fn read_prefix(&self, hash: &str, limit: u64) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.read(hash, None)
            .await?
            .take(limit)
            .read_to_end(&mut bytes)
            .await?;
        Ok(bytes)
    }

    async fn locate(&self, hash: &str) -> io::Result<String> {
        if !is_sha256_hex(hash) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a blob hash",
            ));
        }
        let location: Option<String> =
            sqlx::query_scalar("SELECT location FROM blobs WHERE hash = $1")
                .bind(hash)
                .fetch_optional(self.index.pool())
                .await
                .map_err(io::Error::other)?;
        match (location, &*self.objects) {
            (Some(location), _) => Ok(location),
            // Blobs written before the index existed sit at their hash's path.
            (None, Objects::Files(_)) => Ok(files::legacy_location(hash)),
            (None, Objects::S3(_)) => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("blob {hash} is not in the blob index"),
            )),
        }
    }

    async fn delete_object(&self, location: &str) {
        let deleted = match &*self.objects {
            Objects::Files(files) => files.delete(location).await,
            Objects::S3(s3) => s3.delete(location).await,
        };
        if let Err(error) = deleted {
            // Left for the garbage collector, which removes objects the index does not name.
            tracing::warn!(%location, %error, "could not delete a blob object");
        }
    }

    /// Every object the backend holds (and, in a folder, every temporary file), known to the
    /// index or not.
    pub async fn objects(&self) -> io::Result<Vec<StoredObject>> {
        match &*self.objects {
            Objects::Files(files) => files.list().await,
            Objects::S3(s3) => s3.list().await,
        }
    }

    /// Whether the backend answers (the home page's health): it is asked for an object that
    /// is never there, and "not found" is the healthy answer.
    pub async fn probe(&self) -> io::Result<()> {
        const NEVER_STORED: &str = "health-probe/absent";
        let asked = match &*self.objects {
            Objects::Files(files) => files.read(NEVER_STORED, None).await,
            Objects::S3(s3) => s3.read(NEVER_STORED, None).await,
        };
        match asked {
            Ok(_) => Ok(()),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// How many blobs the index holds and their bytes.
    pub async fn totals(&self) -> DomainResult<(i64, i64)> {
        // PostgreSQL sums a BIGINT as NUMERIC, which the Any driver cannot decode.
        let totals = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM blobs",
        )
        .fetch_one(self.index.pool())
        .await?;
        Ok(totals)
    }

    /// From now on [`BlobStore::download_url`] hands out signed GETs (an S3 store only).
    pub fn redirecting_downloads(mut self) -> Self {
        self.redirect_downloads = matches!(&*self.objects, Objects::S3(_));
        self
    }

    /// Whether clients can send bytes straight to the object store ([`BlobStore::begin_direct`]):
    /// only an S3 store hands out signed URLs.
    pub fn takes_direct_uploads(&self) -> bool {
        matches!(&*self.objects, Objects::S3(_))
    }

    /// Where a client should fetch blob `hash` itself, when downloads are redirected: a signed
    /// GET valid for [`direct::SIGNED_URL_LIFETIME`]. `None` when Depot streams it.
    pub async fn download_url(&self, hash: &str) -> io::Result<Option<String>> {
        let Objects::S3(s3) = &*self.objects else {
            return Ok(None);
        };
        if !self.redirect_downloads {
            return Ok(None);
        }
        let location = self.locate(hash).await?;
        s3.sign(
            object_store::signer::Method::GET,
            &location,
            direct::SIGNED_URL_LIFETIME,
        )
        .await
        .map(Some)
        .map_err(io::Error::other)
    }

    /// What `--blob-store` said, for messages.
    pub fn spec(&self) -> &str {
        &self.spec
    }
}

/// A blocking reader that can seek.
pub trait SeekableRead: io::Read + io::Seek + Send {}
impl<T: io::Read + io::Seek + Send> SeekableRead for T {}

/// Where [`stream_hashing`] hands each chunk: a file, or an object upload.
trait ChunkSink {
    async fn accept(&mut self, chunk: bytes::Bytes) -> Result<(), String>;
}

/// Reads `reader` to its end in chunks, hands each to `sink` and hashes it on the way. A
/// failure to read is the source's; a failure of `sink` the backend's.
async fn stream_hashing(
    mut reader: impl AsyncRead + Unpin,
    mut sink: impl ChunkSink,
) -> Result<StoredBlob, PutFailure> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut size: i64 = 0;
    loop {
        let mut buffer = bytes::BytesMut::with_capacity(CHUNK_BYTES);
        while buffer.len() < CHUNK_BYTES {
            let read = reader
                .read_buf(&mut buffer)
                .await
                .map_err(PutFailure::Source)?;
            if read == 0 {
                break;
            }
        }
        if buffer.is_empty() {
            break;
        }
        hasher.update(&buffer);
        size += buffer.len() as i64;
        sink.accept(buffer.freeze())
            .await
            .map_err(PutFailure::Backend)?;
    }
    Ok(StoredBlob {
        hash: hex::encode(hasher.finalize()),
        size,
    })
}

/// A fresh object name: when its upload began (milliseconds since the epoch, so the garbage
/// collector can tell an old orphan from an upload in flight) and 64 random bits.
fn object_name() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "{:013}-{}",
        chrono::Utc::now().timestamp_millis(),
        hex::encode(bytes)
    )
}

/// When the upload of an object named by [`object_name`] began.
fn started_from_name(name: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let millis: i64 = name.split('-').next()?.parse().ok()?;
    chrono::DateTime::from_timestamp_millis(millis)
}

pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_carry_their_start() {
        let before = chrono::Utc::now() - chrono::Duration::milliseconds(1);
        let name = object_name();
        let started = started_from_name(&name).unwrap();
        assert!(started >= before && started <= chrono::Utc::now(), "{name}");
        assert_ne!(object_name(), name);
    }
}
