//! The Versioning surface, Dotmesh-compatible (API.md §3): JSON-RPC at `/rpc` ([`rpc`]) and the
//! REST face at `/dots/…` ([`rest`]), both over `depot_domain::versioning`.

mod rest;
mod rpc;

use depot_domain::blobs::direct::DirectUpload;
use depot_domain::versioning::{BranchInfo, CommitEntry, DotFile, GraphCommit, Volume};
use http::StatusCode;

use self::rest::*;
use super::routes::{delete, doc, get, post, put, Doc, Routes};

const DOT: &str = "/dots/{ns}/{dot}";
const TAG: &str = "Versioning (Dotmesh)";

fn files_listing() -> Doc {
    doc("The files of a branch's working tree or of a commit, with sizes, SHA-256 and dirty flags")
        .answers::<Vec<DotFile>>()
}

fn file_bytes() -> Doc {
    doc("A file's bytes, streamed; ETag = SHA-256; Range").answers_bytes("application/octet-stream")
}

/// Every route but file uploads, which [`upload_routes`] carries without the body limit.
pub fn routes() -> Routes {
    Routes::new(TAG)
        .route(
            "/rpc",
            post(
                rpc::handle,
                doc("Dotmesh JSON-RPC 2.0 (DotmeshRPC.Ping, Create, Lookup, Commit, Commits, \
                     Branch, Diff, Rollback …); HTTP Basic user:key or user:password")
                .takes::<rpc::JsonRpcCall>()
                .answers::<rpc::JsonRpcReply>(),
            ),
        )
        .route(
            "/dots/{ns}",
            get(list_dots, doc("The dots of a namespace").answers::<Vec<Volume>>())
                .post(
                    create_dot,
                    doc("Create a dot").takes::<NewDot>().created::<Volume>(),
                ),
        )
        .route(
            DOT,
            get(
                show_dot,
                doc("A dot with SizeBytes, DirtyBytes, CommitCount").answers::<Volume>(),
            )
            .delete(
                delete_dot,
                doc("Delete a dot (owner or admin)").answers_nothing(StatusCode::NO_CONTENT),
            ),
        )
        .route(
            &format!("{DOT}/branches"),
            get(
                list_branches,
                doc("Branches with head, origin and figures").answers::<Vec<BranchInfo>>(),
            )
            .post(
                create_branch,
                doc("Start a branch from a branch's head or one of its commits")
                    .takes::<NewBranch>()
                    .created::<CreatedBranch>(),
            ),
        )
        .route(
            &format!("{DOT}/branches/{{branch}}"),
            delete(
                delete_branch,
                doc("Delete a branch other than master").answers_nothing(StatusCode::NO_CONTENT),
            ),
        )
        .route(&format!("{DOT}/branches/{{branch}}/files"), get(list_files, files_listing()))
        .route(&format!("{DOT}/branches/{{branch}}/files/"), get(list_files, files_listing()))
        .route(
            &format!("{DOT}/branches/{{branch}}/commits"),
            get(
                list_commits,
                doc("The branch's own commits, oldest first").answers::<Vec<CommitEntry>>(),
            )
            .post(
                commit,
                doc("Commit the working tree").takes::<NewCommit>().created::<Committed>(),
            ),
        )
        .route(
            &format!("{DOT}/branches/{{branch}}/rollback"),
            post(
                rollback,
                doc("Move the branch back to a commit, dropping later commits")
                    .takes::<Rollback>()
                    .answers::<RolledBack>(),
            ),
        )
        .route(
            &format!("{DOT}/commits"),
            get(
                commit_graph,
                doc("Every commit with branch and parent (the commit graph)")
                    .answers::<Vec<GraphCommit>>(),
            ),
        )
        .route(&format!("{DOT}/commits/{{commit}}/files"), get(list_files, files_listing()))
        .route(&format!("{DOT}/commits/{{commit}}/files/"), get(list_files, files_listing()))
        .route(&format!("{DOT}/commits/{{commit}}/files/{{*path}}"), get(get_file, file_bytes()))
        .route(
            &format!("{DOT}/diff"),
            get(
                diff,
                doc("Files changed between two commits (empty: the branch's head, or its working tree)")
                    .query::<DiffQuery>()
                    .answers::<Changes>(),
            ),
        )
        .route(
            &format!("{DOT}/branches/{{branch}}/uploads"),
            post(
                begin_upload,
                doc("A signed S3 URL to PUT a file's bytes to (S3 blob store only)")
                    .takes::<UploadRequest>()
                    .created::<DirectUpload>(),
            ),
        )
        .route(
            &format!("{DOT}/branches/{{branch}}/uploads/{{upload}}"),
            post(
                finish_upload,
                doc("Confirm a signed upload: its size and SHA-256 checked, then written as a file")
                    .takes::<UploadConfirmation>()
                    .created::<DotFile>(),
            ),
        )
}

/// File contents in and out of a working tree. Uploads stream to the blob store in bounded
/// memory, so they take neither the request body limit nor the request timeout.
pub fn upload_routes() -> Routes {
    Routes::new(TAG).route(
        &format!("{DOT}/branches/{{branch}}/files/{{*path}}"),
        put(
            put_file,
            doc("Write a file into the working tree (raw bytes, streamed; no body limit)")
                .takes_bytes("application/octet-stream")
                .created::<DotFile>(),
        )
        .get(get_file, file_bytes())
        .delete(
            delete_file,
            doc("Remove a file from the working tree").answers_nothing(StatusCode::NO_CONTENT),
        ),
    )
}
