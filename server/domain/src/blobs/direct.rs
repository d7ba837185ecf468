//! Uploads that bypass Depot: the client PUTs the bytes to a signed S3 URL, then asks Depot to
//! confirm them. Where Depot cannot take large bodies (a function behind a URL takes 6 MB) the
//! bytes still reach the bucket; Depot only reads them back once, to check the size and SHA-256
//! the client named, before any row may name the blob.

use std::time::Duration;

use super::{object_name, stream_hashing, BlobStore, ChunkSink, Objects, StoredBlob, OBJECTS};
use crate::error::{DomainError, DomainResult};

/// How long a signed URL (an upload, a download) stays valid.
pub const SIGNED_URL_LIFETIME: Duration = Duration::from_secs(3600);

/// The first step of a two-step upload: where to PUT the bytes.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DirectUpload {
    /// Names the upload in the confirmation.
    pub upload: String,
    pub method: &'static str,
    pub url: String,
    pub expires_in_seconds: u64,
}

/// A sink that keeps nothing: the confirmation only hashes what the bucket holds.
struct Discard;

impl ChunkSink for &mut Discard {
    async fn accept(&mut self, _: bytes::Bytes) -> Result<(), String> {
        Ok(())
    }
}

impl BlobStore {
    /// A signed URL for one object, marked in flight so the collector leaves it alone until
    /// it is confirmed (or abandoned for a week). Only an S3 blob store can hand one out.
    pub async fn begin_direct(&self) -> DomainResult<DirectUpload> {
        let Objects::S3(s3) = &*self.objects else {
            return Err(DomainError::invalid(
                "uploads through a signed URL need an S3 blob store (--blob-store s3://…); \
                 send the file in the request body instead",
            ));
        };
        let name = object_name();
        let location = format!("{OBJECTS}/{name}");
        let url = s3
            .sign(
                object_store::signer::Method::PUT,
                &location,
                SIGNED_URL_LIFETIME,
            )
            .await
            .map_err(|e| DomainError::Internal(format!("signing an upload URL: {e}")))?;
        self.mark_in_flight(&location).await?;
        Ok(DirectUpload {
            upload: name,
            method: "PUT",
            url,
            expires_in_seconds: SIGNED_URL_LIFETIME.as_secs(),
        })
    }

    /// The second step: the object of `upload` must hold `size` bytes hashing to `sha256`;
    /// then it is indexed like any upload. A mismatch removes the object.
    pub async fn finish_direct(
        &self,
        upload: &str,
        size: i64,
        sha256: &str,
    ) -> DomainResult<StoredBlob> {
        let Objects::S3(s3) = &*self.objects else {
            return Err(DomainError::invalid(
                "uploads through a signed URL need an S3 blob store",
            ));
        };
        let location = format!("{OBJECTS}/{upload}");
        let known = super::started_from_name(upload).is_some()
            && upload.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
            && self.is_in_flight(&location).await?;
        if !known {
            return Err(DomainError::not_found(format!(
                "no upload {upload:?} is waiting to be confirmed"
            )));
        }
        let stored = match s3.read(&location, None).await {
            Ok(reader) => stream_hashing(reader, &mut Discard)
                .await
                .map_err(DomainError::from),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Err(DomainError::invalid(format!(
                    "nothing was uploaded for {upload:?}: PUT the bytes to its URL first"
                )))
            }
            Err(error) => Err(DomainError::Internal(format!(
                "reading {location}: {error}"
            ))),
        };
        let blob = stored?;
        let problem = if blob.size != size {
            Some(format!(
                "the upload holds {} bytes, not the {size} its confirmation names",
                blob.size
            ))
        } else if !blob.hash.eq_ignore_ascii_case(sha256) {
            Some(format!(
                "the upload's SHA-256 is {}, not the {sha256} its confirmation names",
                blob.hash
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            self.delete_object(&location).await;
            self.end_in_flight(&location).await;
            return Err(DomainError::invalid(problem));
        }
        let kept = self.register(&location, &blob).await?;
        if kept != location {
            self.delete_object(&location).await;
        }
        Ok(blob)
    }
}
