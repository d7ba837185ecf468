//! Blob objects in a local folder: written to `tmp/`, fsynced, then renamed into `objects/`, so
//! an object under `objects/` is always complete.

use std::io;
use std::path::{Path, PathBuf};

use tokio::fs::{self, File};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::{
    started_from_name, stream_hashing, BlobReader, ChunkSink, PutFailure, StoredBlob, StoredObject,
    OBJECTS,
};
use crate::error::{DomainError, DomainResult};

const TEMPORARY: &str = "tmp";
/// Where blobs were kept before the index existed: `sha256/ab/cd/<hash>`.
const LEGACY: &str = "sha256";

pub(super) struct FileObjects {
    root: PathBuf,
}

pub(super) fn legacy_location(hash: &str) -> String {
    format!("{LEGACY}/{}/{}/{hash}", &hash[0..2], &hash[2..4])
}

impl FileObjects {
    pub fn open(dir: &str) -> DomainResult<Self> {
        let root = PathBuf::from(dir);
        for folder in [OBJECTS, TEMPORARY] {
            std::fs::create_dir_all(root.join(folder)).map_err(|e| {
                DomainError::invalid(format!("cannot create the blob store at {dir}: {e}"))
            })?;
        }
        Ok(Self { root })
    }

    /// A location from the index as a path, refusing anything that would leave the folder.
    fn path_of(&self, location: &str) -> io::Result<PathBuf> {
        let inside = !location.is_empty()
            && !location.starts_with('/')
            && location
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..");
        if !inside {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("blob location {location:?} is outside the blob store"),
            ));
        }
        Ok(self.root.join(location))
    }

    /// Writes the object at `location` (`objects/<name>`), through `tmp/<name>`.
    pub async fn write(
        &self,
        location: &str,
        reader: impl AsyncRead + Unpin,
    ) -> Result<StoredBlob, PutFailure> {
        let destination = self
            .path_of(location)
            .map_err(|e| PutFailure::Backend(e.to_string()))?;
        let name = destination
            .file_name()
            .expect("a location names a file")
            .to_owned();
        let temporary = self.root.join(TEMPORARY).join(name);
        let outcome = self.write_temporary(&temporary, reader).await;
        let renamed = match outcome {
            Ok(blob) => fs::rename(&temporary, &destination)
                .await
                .map(|()| blob)
                .map_err(|e| PutFailure::Backend(e.to_string())),
            Err(failure) => Err(failure),
        };
        if renamed.is_err() {
            let _ = fs::remove_file(&temporary).await;
        }
        renamed
    }

    async fn write_temporary(
        &self,
        temporary: &Path,
        reader: impl AsyncRead + Unpin,
    ) -> Result<StoredBlob, PutFailure> {
        let backend = |e: io::Error| PutFailure::Backend(e.to_string());
        let mut file = File::create(temporary).await.map_err(backend)?;
        let blob = stream_hashing(reader, &mut file).await?;
        file.flush().await.map_err(backend)?;
        file.sync_all().await.map_err(backend)?;
        Ok(blob)
    }

    pub async fn read(&self, location: &str, range: Option<(u64, u64)>) -> io::Result<BlobReader> {
        let mut file = File::open(self.path_of(location)?).await?;
        match range {
            None => Ok(Box::pin(file)),
            Some((start, length)) => {
                file.seek(io::SeekFrom::Start(start)).await?;
                Ok(Box::pin(file.take(length)))
            }
        }
    }

    pub async fn open_std(&self, location: &str) -> io::Result<std::fs::File> {
        Ok(File::open(self.path_of(location)?).await?.into_std().await)
    }

    pub async fn delete(&self, location: &str) -> io::Result<()> {
        match fs::remove_file(self.path_of(location)?).await {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// Every object, every temporary file (an upload in flight or one a crash left) and every
    /// blob of the old layout.
    pub async fn list(&self) -> io::Result<Vec<StoredObject>> {
        let mut listed = Vec::new();
        for folder in [OBJECTS, TEMPORARY] {
            let mut entries = fs::read_dir(self.root.join(folder)).await?;
            while let Some(entry) = entries.next_entry().await? {
                let name = entry.file_name().to_string_lossy().into_owned();
                // An upload may rename, and another collector delete, a file as we list it.
                let Some(metadata) = still_there(entry.metadata().await)? else {
                    continue;
                };
                // A temporary file's last write is the freshest sign of its upload.
                let started = if folder == TEMPORARY {
                    metadata.modified().ok().map(chrono::DateTime::from)
                } else {
                    started_from_name(&name)
                };
                listed.push(StoredObject {
                    location: format!("{folder}/{name}"),
                    upload: format!("{OBJECTS}/{name}"),
                    size: metadata.len() as i64,
                    started: started.unwrap_or_else(chrono::Utc::now),
                });
            }
        }
        let legacy = self.root.join(LEGACY);
        if fs::try_exists(&legacy).await.unwrap_or(false) {
            let mut folders = vec![legacy];
            while let Some(folder) = folders.pop() {
                let mut entries = fs::read_dir(&folder).await?;
                while let Some(entry) = entries.next_entry().await? {
                    let Some(metadata) = still_there(entry.metadata().await)? else {
                        continue;
                    };
                    if metadata.is_dir() {
                        folders.push(entry.path());
                    } else {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        if super::is_sha256_hex(&name) {
                            listed.push(StoredObject {
                                location: legacy_location(&name),
                                upload: legacy_location(&name),
                                size: metadata.len() as i64,
                                started: metadata
                                    .modified()
                                    .map(chrono::DateTime::from)
                                    .unwrap_or_else(|_| chrono::Utc::now()),
                            });
                        }
                    }
                }
            }
        }
        Ok(listed)
    }
}

impl ChunkSink for &mut File {
    async fn accept(&mut self, chunk: bytes::Bytes) -> Result<(), String> {
        self.write_all(&chunk).await.map_err(|e| e.to_string())
    }
}

/// `None` for a file that went away since it was listed.
fn still_there<T>(result: io::Result<T>) -> io::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}
