//! Bytes arriving for a row: streamed through Depot, or PUT to a signed URL and confirmed by
//! size and SHA-256. Either way the same two steps surround the blob store — refuse what can be
//! refused before a byte is stored, then record the stored blob in a row — so each surface
//! writes them once, as a [`Destination`], and every way in runs them.

use std::future::Future;

use tokio::io::AsyncRead;

use super::direct::DirectUpload;
use super::{BlobStore, StoredBlob};
use crate::error::DomainResult;

/// Where received bytes go (a dot's working-tree file, an artifact version).
pub trait Destination {
    type Recorded;

    /// Refuses what can be refused before any byte is stored: the caller, names, the state.
    fn check(&self) -> impl Future<Output = DomainResult<()>> + Send;

    /// Makes the stored blob part of a row, with its audit record.
    fn record(&self, blob: StoredBlob)
        -> impl Future<Output = DomainResult<Self::Recorded>> + Send;
}

impl BlobStore {
    /// `content` streamed through Depot into the blob store, then recorded at `to`.
    pub async fn receive<D: Destination>(
        &self,
        to: &D,
        content: impl AsyncRead + Unpin,
    ) -> DomainResult<D::Recorded> {
        to.check().await?;
        let blob = self.put(content).await?;
        to.record(blob).await
    }

    /// The first step of bytes sent straight to the object store: where to PUT them.
    pub async fn begin_receiving<D: Destination>(&self, to: &D) -> DomainResult<DirectUpload> {
        to.check().await?;
        self.begin_direct().await
    }

    /// The second step: the bytes PUT for `upload`, checked against `size` and `sha256`, then
    /// recorded at `to`.
    pub async fn finish_receiving<D: Destination>(
        &self,
        to: &D,
        upload: &str,
        (size, sha256): (i64, &str),
    ) -> DomainResult<D::Recorded> {
        to.check().await?;
        let blob = self.finish_direct(upload, size, sha256).await?;
        to.record(blob).await
    }
}
