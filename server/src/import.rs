//! `depot import`: bulk loads from the command line, with a progress line on standard error.
//! Each load is all-or-nothing: a failure names what failed and leaves the store as it was.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use depot_domain::auth::users;
use depot_domain::blobs::BlobStore;
use depot_domain::inventory::import::{self, Document};
use depot_domain::versioning::{files, service, DotPath};
use depot_domain::{Actor, DomainError, Store};

type ImportResult = Result<(), Box<dyn std::error::Error>>;

/// `depot import dot NAMESPACE/NAME FOLDER`.
pub struct DotImport {
    pub dot: String,
    pub folder: PathBuf,
    pub branch: String,
    pub message: Option<String>,
    pub user: Option<String>,
}

/// Writes every regular file under the folder into the branch's working tree (streamed to the
/// blob store), then commits them in one commit. Nothing is committed unless every file was
/// written; a failure names the file.
pub async fn dot(store: &Store, blobs: &BlobStore, request: DotImport) -> ImportResult {
    let (namespace, name) = request
        .dot
        .split_once('/')
        .ok_or_else(|| format!("give the dot as NAMESPACE/NAME, not {:?}", request.dot))?;
    let path = DotPath::new(namespace, name)?;
    let actor = actor_named(store, request.user.as_deref().unwrap_or(namespace)).await?;
    let found = files_under(&request.folder)
        .map_err(|e| format!("cannot read {}: {e}", request.folder.display()))?;
    if found.is_empty() {
        return Err(format!("{} has no files to import", request.folder.display()).into());
    }
    match service::create(store, &actor, &path).await {
        Ok(_) | Err(DomainError::Conflict(_)) => {}
        Err(error) => return Err(error.into()),
    }
    let total: u64 = found.iter().map(|(_, size)| size).sum();
    let mut progress = Progress::new("files", found.len(), total);
    for (relative, size) in &found {
        let file = tokio::fs::File::open(request.folder.join(relative))
            .await
            .map_err(|e| format!("cannot open {relative}: {e}"))?;
        let to = files::WorkingFile {
            store,
            actor: &actor,
            dot: &path,
            branch: &request.branch,
            path: relative,
        };
        blobs
            .receive(&to, file)
            .await
            .map_err(|e| format!("{relative}: {e} (nothing was committed)"))?;
        progress.advance(*size);
    }
    progress.finish();
    let message = request
        .message
        .unwrap_or_else(|| format!("Import of {}", request.folder.display()));
    let commit = service::commit(
        store,
        &actor,
        &path,
        &request.branch,
        &message,
        &Default::default(),
    )
    .await?;
    println!(
        "committed {commit} to {}@{}: {} files, {} bytes",
        path.label(),
        request.branch,
        found.len(),
        total
    );
    Ok(())
}

/// The user an import is done as: its role is checked and its name is in the audit log.
async fn actor_named(store: &Store, name: &str) -> Result<Actor, Box<dyn std::error::Error>> {
    let user = users::find(store, name)
        .await
        .map_err(|_| format!("no user {name:?} to import as; name one with --as USER"))?;
    Ok(Actor::User {
        id: user.id,
        name: user.name,
        role: user.role,
    })
}

/// The formats `depot import inventory` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InventoryFormat {
    Json,
    Csv,
}

/// `depot import inventory FILE`.
pub struct InventoryImport {
    pub file: PathBuf,
    /// Told by the file's extension when not given.
    pub format: Option<InventoryFormat>,
    pub user: String,
}

/// Loads the entities of a JSON or CSV file in one transaction (see
/// `depot_domain::inventory::import`); a refused line is named and nothing is written.
pub async fn inventory(store: &Store, request: InventoryImport) -> ImportResult {
    let shown = request.file.display();
    let text =
        std::fs::read_to_string(&request.file).map_err(|e| format!("cannot read {shown}: {e}"))?;
    // Spreadsheets often begin a CSV file with a byte-order mark; it is not part of the header.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let extension = request.file.extension().and_then(|e| e.to_str());
    let format = match (request.format, extension) {
        (Some(format), _) => format,
        (None, Some(e)) if e.eq_ignore_ascii_case("json") => InventoryFormat::Json,
        (None, Some(e)) if e.eq_ignore_ascii_case("csv") => InventoryFormat::Csv,
        _ => return Err(format!("say whether {shown} is --format json or csv").into()),
    };
    let refused = |e: import::ImportError| format!("{shown}: {e} (nothing was imported)");
    let document = match format {
        InventoryFormat::Json => Document::from_json(text),
        InventoryFormat::Csv => Document::from_csv(text),
    }
    .map_err(refused)?;
    if document.is_empty() {
        return Err(format!("{shown} has no entities to import").into());
    }
    let actor = actor_named(store, &request.user).await?;
    // Counted as each entity is loaded; none is committed until all are.
    let mut progress = Progress::new("entities", document.len(), 0);
    let loaded = import::load(store, &actor, &document, |_, _| progress.advance(0))
        .await
        .map_err(refused)?;
    progress.finish();
    println!(
        "imported {} entities from {shown}: {} created, {} there already; {} attributes, {} memberships",
        document.len(),
        loaded.created,
        loaded.existing,
        loaded.attributes,
        loaded.memberships
    );
    Ok(())
}

/// Every regular file under `root` as (path relative to it with `/` separators, size), sorted.
/// Symbolic links are not followed.
fn files_under(root: &Path) -> std::io::Result<Vec<(String, u64)>> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                folders.push(entry.path());
            } else if kind.is_file() {
                let relative = entry
                    .path()
                    .strip_prefix(root)
                    .expect("found under the root")
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push((relative, entry.metadata()?.len()));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// `imported 12/340 files, 1.2 of 40.0 MiB` (or `imported 12/340 entities`) — redrawn in place
/// on a terminal, every tenth of the way otherwise (so a log is not flooded).
struct Progress {
    what: &'static str,
    items: usize,
    bytes: u64,
    done_items: usize,
    done_bytes: u64,
    shown_tenths: usize,
    terminal: bool,
}

impl Progress {
    fn new(what: &'static str, items: usize, bytes: u64) -> Self {
        Self {
            what,
            items,
            bytes,
            done_items: 0,
            done_bytes: 0,
            shown_tenths: 0,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// One more item done, of `bytes` bytes.
    fn advance(&mut self, bytes: u64) {
        self.done_items += 1;
        self.done_bytes += bytes;
        let tenths = self.done_items * 10 / self.items.max(1);
        if self.terminal {
            eprint!("\r{}", self.line());
            let _ = std::io::stderr().flush();
        } else if tenths > self.shown_tenths {
            self.shown_tenths = tenths;
            eprintln!("{}", self.line());
        }
    }

    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }

    fn line(&self) -> String {
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        let counted = format!("imported {}/{} {}", self.done_items, self.items, self.what);
        match self.bytes {
            0 => counted,
            bytes => format!(
                "{counted}, {:.1} of {:.1} MiB",
                mib(self.done_bytes),
                mib(bytes)
            ),
        }
    }
}
