//! Blob objects in an S3-compatible bucket, through the `object_store` crate.
//!
//! An object is written straight to its final name `PREFIX/objects/<name>`: content up to one
//! part in a single PUT, larger content as a multipart upload whose parts are sent while the
//! stream goes on (memory per upload: about three parts). No copy is ever made, so S3's 5 GB
//! limit on a single copy does not apply, and a multipart upload that fails is aborted. An
//! object becomes visible only when its upload completes; the index names it only after that.

use std::io;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{GetOptions, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::AsyncRead;

use super::{
    started_from_name, stream_hashing, BlobReader, ChunkSink, PutFailure, StoredBlob, StoredObject,
    OBJECTS,
};
use crate::error::{DomainError, DomainResult};

/// One part of a multipart upload. S3 allows 10,000 parts, so this bounds an object at about
/// 160 GiB, above `--upload-limit`'s 64 GiB default.
const PART_BYTES: usize = 16 * 1024 * 1024;
/// Parts of one upload sent at the same time.
const PARTS_IN_FLIGHT: usize = 2;
/// How much a seekable reader fetches at once (archives are read at their end, then entry by
/// entry).
const SEEK_BLOCK_BYTES: u64 = 1024 * 1024;

pub(super) struct S3Objects {
    store: Arc<AmazonS3>,
    prefix: Path,
}

impl S3Objects {
    /// `BUCKET/PREFIX` from `s3://BUCKET/PREFIX`; endpoint, region and credentials come from
    /// the `AWS_*` variables among `variables` (`AWS_ENDPOINT_URL`, `AWS_REGION`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`…), read as the AWS tools read them.
    pub async fn open(
        bucket_and_prefix: &str,
        variables: &[(String, String)],
    ) -> DomainResult<Self> {
        let (bucket, prefix) = bucket_and_prefix
            .split_once('/')
            .unwrap_or((bucket_and_prefix, ""));
        if bucket.is_empty() {
            return Err(DomainError::invalid(
                "--blob-store s3://BUCKET/PREFIX needs a bucket name",
            ));
        }
        let described = format!("s3://{bucket_and_prefix}");
        let variable = |name: &str| {
            variables
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        let endpoint = variable("AWS_ENDPOINT_URL")
            .or_else(|| variable("AWS_ENDPOINT"))
            .unwrap_or_default();
        let mut builder = AmazonS3Builder::new();
        for (key, value) in variables {
            if key.starts_with("AWS_") {
                if let Ok(setting) = key.to_ascii_lowercase().parse() {
                    builder = builder.with_config(setting, value);
                }
            }
        }
        let store = builder
            .with_bucket_name(bucket)
            .with_allow_http(endpoint.starts_with("http://"))
            .build()
            .map_err(|e| DomainError::invalid(format!("--blob-store {described}: {e}")))?;
        let objects = Self {
            store: Arc::new(store),
            prefix: Path::from(prefix.trim_matches('/')),
        };
        objects
            .store
            .list_with_delimiter(Some(&objects.prefix))
            .await
            .map_err(|e| {
                DomainError::invalid(format!(
                    "--blob-store {described}: the bucket cannot be read ({}): {e}",
                    if endpoint.is_empty() {
                        "AWS_ENDPOINT_URL is not set".to_string()
                    } else {
                        format!("endpoint {endpoint}")
                    }
                ))
            })?;
        Ok(objects)
    }

    fn path_of(&self, location: &str) -> Path {
        location
            .split('/')
            .fold(self.prefix.clone(), |path, part| path.join(part))
    }

    pub async fn write(
        &self,
        location: &str,
        reader: impl AsyncRead + Unpin,
    ) -> Result<StoredBlob, PutFailure> {
        let mut upload = Upload {
            store: &self.store,
            path: self.path_of(location),
            state: UploadState::Buffering(BytesMut::new()),
        };
        let streamed = stream_hashing(reader, &mut upload).await;
        let blob = match streamed {
            Ok(blob) => blob,
            Err(failure) => {
                upload.abort().await;
                return Err(failure);
            }
        };
        upload.finish().await.map_err(PutFailure::Backend)?;
        Ok(blob)
    }

    pub async fn read(&self, location: &str, range: Option<(u64, u64)>) -> io::Result<BlobReader> {
        let options =
            GetOptions::default().with_range(range.map(|(start, length)| start..start + length));
        let result = self
            .store
            .get_opts(&self.path_of(location), options)
            .await
            .map_err(object_error)?;
        let stream = result.into_stream().map_err(object_error);
        Ok(Box::pin(tokio_util::io::StreamReader::new(stream)))
    }

    /// A URL that lets its holder `method` (PUT, GET) the object at `location` for `lifetime`,
    /// without credentials of their own.
    pub async fn sign(
        &self,
        method: object_store::signer::Method,
        location: &str,
        lifetime: std::time::Duration,
    ) -> Result<String, String> {
        use object_store::signer::Signer;
        self.store
            .signed_url(method, &self.path_of(location), lifetime)
            .await
            .map(|url| url.to_string())
            .map_err(|e| e.to_string())
    }

    pub async fn seekable(&self, location: &str) -> io::Result<RangedReader> {
        let path = self.path_of(location);
        let size = self.store.head(&path).await.map_err(object_error)?.size;
        Ok(RangedReader {
            store: self.store.clone(),
            path,
            size,
            position: 0,
            block: Bytes::new(),
            block_start: 0,
            runtime: tokio::runtime::Handle::current(),
        })
    }

    pub async fn delete(&self, location: &str) -> io::Result<()> {
        match self.store.delete(&self.path_of(location)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(object_error(error)),
        }
    }

    pub async fn list(&self) -> io::Result<Vec<StoredObject>> {
        let folder = self.prefix.clone().join(OBJECTS);
        let mut objects = self.store.list(Some(&folder));
        let mut listed = Vec::new();
        while let Some(meta) = objects.next().await {
            let meta = meta.map_err(object_error)?;
            let Some(name) = meta.location.filename() else {
                continue;
            };
            listed.push(StoredObject {
                location: format!("{OBJECTS}/{name}"),
                upload: format!("{OBJECTS}/{name}"),
                size: meta.size as i64,
                started: started_from_name(name).unwrap_or(meta.last_modified),
            });
        }
        Ok(listed)
    }
}

fn object_error(error: object_store::Error) -> io::Error {
    match error {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, error),
        other => io::Error::other(other),
    }
}

/// One object being written: buffered until it outgrows a part, then a multipart upload.
struct Upload<'a> {
    store: &'a Arc<AmazonS3>,
    path: Path,
    state: UploadState,
}

enum UploadState {
    Buffering(BytesMut),
    Multipart(WriteMultipart),
    Done,
}

impl ChunkSink for &mut Upload<'_> {
    async fn accept(&mut self, chunk: Bytes) -> Result<(), String> {
        if let UploadState::Buffering(buffer) = &mut self.state {
            if buffer.len() + chunk.len() <= PART_BYTES {
                buffer.extend_from_slice(&chunk);
                return Ok(());
            }
            let first = std::mem::take(buffer).freeze();
            let upload = self
                .store
                .put_multipart(&self.path)
                .await
                .map_err(|e| e.to_string())?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
            writer.put(first);
            self.state = UploadState::Multipart(writer);
        }
        let UploadState::Multipart(writer) = &mut self.state else {
            return Err("the upload has already ended".into());
        };
        writer.put(chunk);
        writer
            .wait_for_capacity(PARTS_IN_FLIGHT)
            .await
            .map_err(|e| e.to_string())
    }
}

impl Upload<'_> {
    async fn finish(&mut self) -> Result<(), String> {
        match std::mem::replace(&mut self.state, UploadState::Done) {
            UploadState::Buffering(buffer) => self
                .store
                .put(&self.path, PutPayload::from(buffer.freeze()))
                .await
                .map(drop),
            UploadState::Multipart(writer) => writer.finish().await.map(drop),
            UploadState::Done => Ok(()),
        }
        .map_err(|e| e.to_string())
    }

    async fn abort(&mut self) {
        if let UploadState::Multipart(writer) =
            std::mem::replace(&mut self.state, UploadState::Done)
        {
            if let Err(error) = writer.abort().await {
                tracing::warn!(path = %self.path, %error, "could not abort a multipart upload");
            }
        }
    }
}

/// A blocking `Read + Seek` over an object, fetching a block at a time with ranged GETs. Only
/// for use off the async runtime (`spawn_blocking`), where it may block on the runtime.
pub(super) struct RangedReader {
    store: Arc<AmazonS3>,
    path: Path,
    size: u64,
    position: u64,
    block: Bytes,
    block_start: u64,
    runtime: tokio::runtime::Handle,
}

impl io::Read for RangedReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.position >= self.size || out.is_empty() {
            return Ok(0);
        }
        let block_end = self.block_start + self.block.len() as u64;
        if self.position < self.block_start || self.position >= block_end {
            let end = (self.position + SEEK_BLOCK_BYTES).min(self.size);
            self.block = self
                .runtime
                .block_on(self.store.get_range(&self.path, self.position..end))
                .map_err(object_error)?;
            self.block_start = self.position;
        }
        let offset = (self.position - self.block_start) as usize;
        let available = &self.block[offset..];
        let count = available.len().min(out.len());
        out[..count].copy_from_slice(&available[..count]);
        self.position += count as u64;
        Ok(count)
    }
}

impl io::Seek for RangedReader {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        let target = match to {
            io::SeekFrom::Start(at) => Some(at),
            io::SeekFrom::End(delta) => self.size.checked_add_signed(delta),
            io::SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        self.position = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.position)
    }
}
