//! The content-addressed blob store: file contents (dot files, artifact archives) kept once per
//! SHA-256, on the local filesystem.
//!
//! A blob is written to a temporary name, hashed while it streams, fsynced, and only then
//! renamed to its hash. A row that names a blob is committed after that, so no row ever points
//! at a blob that is not completely written, and a client that disconnects half-way leaves
//! only a temporary file, which is removed at once.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::fs::{self, File};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use crate::error::{DomainError, DomainResult};

/// How much of a stream is read at once while storing it: memory use per upload is bounded by
/// this, whatever the size of the blob.
const CHUNK_BYTES: usize = 256 * 1024;

/// A blob that is completely written: its SHA-256 (lower-case hex) and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlob {
    pub hash: String,
    pub size: i64,
}

#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// The store described by `--blob-store`: `file:DIR` (or a bare path). Object stores are
    /// named in the contract but not built yet, and are refused with a message saying so.
    pub fn open(spec: &str) -> DomainResult<Self> {
        if spec.starts_with("s3://") {
            return Err(DomainError::invalid(
                "--blob-store s3://… is not supported yet; use file:DIR",
            ));
        }
        let dir = spec.strip_prefix("file:").unwrap_or(spec);
        if dir.is_empty() {
            return Err(DomainError::invalid(
                "--blob-store needs a folder: file:DIR",
            ));
        }
        let store = Self {
            root: PathBuf::from(dir),
        };
        std::fs::create_dir_all(store.temporary_dir()).map_err(|e| {
            DomainError::invalid(format!("cannot create the blob store at {dir}: {e}"))
        })?;
        Ok(store)
    }

    fn temporary_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Where a blob lives: fanned out over two folder levels so no folder grows huge.
    fn path_of(&self, hash: &str) -> PathBuf {
        self.root
            .join("sha256")
            .join(&hash[0..2])
            .join(&hash[2..4])
            .join(hash)
    }

    /// Stores everything `reader` yields. On any read or write error the partial temporary file
    /// is removed and the error returned; nothing becomes visible.
    pub async fn put(&self, reader: impl AsyncRead + Unpin) -> io::Result<StoredBlob> {
        let temporary = self.temporary_dir().join(random_name());
        let written = write_hashing(&temporary, reader).await;
        let (hash, size) = match written {
            Ok(done) => done,
            Err(error) => {
                let _ = fs::remove_file(&temporary).await;
                return Err(error);
            }
        };
        let path = self.path_of(&hash);
        if fs::try_exists(&path).await.unwrap_or(false) {
            // Identical content is kept once.
            fs::remove_file(&temporary).await?;
        } else {
            if let Some(folder) = path.parent() {
                fs::create_dir_all(folder).await?;
            }
            fs::rename(&temporary, &path).await?;
        }
        Ok(StoredBlob { hash, size })
    }

    pub async fn put_bytes(&self, bytes: &[u8]) -> io::Result<StoredBlob> {
        self.put(bytes).await
    }

    /// Opens a stored blob for reading.
    pub async fn open_blob(&self, hash: &str) -> io::Result<File> {
        if !is_sha256_hex(hash) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a blob hash",
            ));
        }
        File::open(self.path_of(hash)).await
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

async fn write_hashing(
    temporary: &Path,
    mut reader: impl AsyncRead + Unpin,
) -> io::Result<(String, i64)> {
    let mut file = File::create(temporary).await?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; CHUNK_BYTES];
    let mut size: i64 = 0;
    loop {
        let read = reader.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        file.write_all(&buffer[..read]).await?;
        size += read as i64;
    }
    file.flush().await?;
    file.sync_all().await?;
    Ok((hex::encode(hasher.finalize()), size))
}

fn random_name() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Why a [`BlobStore::put`] of a client's upload failed, as the caller should hear it: the
/// client's doing (it went away or sent a broken body: 400) or the server's (a full disk: 500).
pub fn upload_error(error: io::Error) -> DomainError {
    match error.kind() {
        io::ErrorKind::Other
        | io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::InvalidData => {
            DomainError::invalid(format!("the upload did not complete: {error}"))
        }
        _ => DomainError::Internal(format!("storing the upload failed: {error}")),
    }
}

pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> BlobStore {
        let dir = std::env::temp_dir().join(format!("depot-blobs-{}", random_name()));
        BlobStore::open(&format!("file:{}", dir.display())).unwrap()
    }

    #[tokio::test]
    async fn identical_content_is_stored_once_under_its_hash() {
        let store = scratch();
        let first = store.put_bytes(b"hello").await.unwrap();
        let second = store.put_bytes(b"hello").await.unwrap();
        assert_eq!(first, second);
        assert_eq!(
            first.hash,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        let mut text = String::new();
        store
            .open_blob(&first.hash)
            .await
            .unwrap()
            .read_to_string(&mut text)
            .await
            .unwrap();
        assert_eq!(text, "hello");
        assert_eq!(
            std::fs::read_dir(store.temporary_dir()).unwrap().count(),
            0,
            "no temporary file is left behind"
        );
    }

    /// A reader that yields some bytes and then fails, like a client that disconnects.
    struct Broken(bool);

    impl AsyncRead for Broken {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<io::Result<()>> {
            if self.0 {
                return std::task::Poll::Ready(Err(io::Error::other("connection reset")));
            }
            self.0 = true;
            buf.put_slice(b"half a file");
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn a_failed_stream_leaves_nothing_behind() {
        let store = scratch();
        assert!(store.put(Broken(false)).await.is_err());
        assert_eq!(std::fs::read_dir(store.temporary_dir()).unwrap().count(), 0);
        assert!(!store.root().join("sha256").exists());
    }

    #[test]
    fn object_stores_are_refused_with_a_reason() {
        let error = BlobStore::open("s3://bucket/prefix").unwrap_err();
        assert!(error.to_string().contains("not supported yet"), "{error}");
    }
}
