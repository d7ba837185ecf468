//! What each `depot` subcommand does.

use std::io::BufRead;

use depot_domain::auth::{api_keys, users, NewUser};
use depot_domain::{Actor, Store};

use depot_app::components::human_size;
use depot_domain::blobs::gc::GcOptions;
use depot_domain::blobs::BlobStore;

use crate::cli::{
    Cli, Command, GcArgs, ImportCommand, InventoryCommand, KeyCommand, ServeArgs, StoreArgs,
    UserCommand,
};
use crate::config::ServeConfig;
use crate::http;
use depot_domain::specs::token::TokenVerifier;

pub type CommandResult = Result<(), Box<dyn std::error::Error>>;

pub async fn run(cli: Cli) -> CommandResult {
    let (store, log_format, command) = cli.command();
    let default_level = if matches!(command, Command::Serve(_)) {
        "info"
    } else {
        "warn"
    };
    crate::logging::init(log_format, default_level);
    match command {
        Command::Serve(args) => serve(&store, &args).await,
        Command::Migrate => {
            let opened = open_store(&store).await?;
            println!("migrations applied to {}", redact(&store.url()));
            opened.close().await;
            Ok(())
        }
        Command::User(command) => user(&store, command).await,
        Command::Key(command) => key(&store, command).await,
        Command::Import(ImportCommand::Dot {
            dot,
            folder,
            branch,
            message,
            user,
            blob_store,
        }) => {
            let opened = open_store(&store).await?;
            let blobs = open_blobs(&store, &opened, blob_store).await?;
            let request = crate::import::DotImport {
                dot,
                folder,
                branch,
                message,
                user,
            };
            let outcome = crate::import::dot(&opened, &blobs, request).await;
            opened.close().await;
            outcome
        }
        Command::Import(ImportCommand::Inventory { file, format, user }) => {
            let opened = open_store(&store).await?;
            let request = crate::import::InventoryImport { file, format, user };
            let outcome = crate::import::inventory(&opened, request).await;
            opened.close().await;
            outcome
        }
        Command::Gc(args) => gc(&store, args).await,
        Command::Lambda(args) => crate::function::run(&store, &args).await,
        Command::Tick { dpp_url } => tick(&store, dpp_url).await,
        Command::Inventory(InventoryCommand::SeedDemo) => {
            let opened = open_store(&store).await?;
            depot_domain::inventory::seed::demo(&opened).await?;
            println!("demo inventory loaded");
            opened.close().await;
            Ok(())
        }
    }
}

/// Connects to the store and applies pending migrations.
async fn open_store(args: &StoreArgs) -> Result<Store, Box<dyn std::error::Error>> {
    let store = Store::connect(&args.url()).await?;
    store.migrate().await?;
    Ok(store)
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

async fn serve(store_args: &StoreArgs, args: &ServeArgs) -> CommandResult {
    let mut config = ServeConfig::from_args(args)?;
    config.token_verifier = token_verifier(args).await?;
    let store = open_store(store_args).await?;
    if let Some(key) = users::bootstrap_admin(&store).await? {
        println!(
            "\n  Depot created the user `admin`. Its API key, shown only this once:\n\n    {key}\n\n  \
             Sign in at http://{}/login as admin with this key as the password,\n  \
             or call the API with `Authorization: Bearer {key}`.\n",
            config.bind
        );
    }
    if config.no_auth {
        tracing::warn!("authentication is OFF (--no-auth): every request acts as an admin");
    }
    let catalog =
        depot_domain::tables::Catalog::open(&store_args.url(), config.attachments.clone())
            .await?
            .with_exact_count_limit(config.exact_count_limit);
    let blobs = open_blobs(store_args, &store, args.blob_store.clone()).await?;
    if let Some(folder) = &config.system_artifacts {
        let loaded = depot_domain::artifacts::service::load_system_folder(
            &store,
            &blobs,
            &depot_domain::Actor::Local,
            Some(folder),
        )
        .await?;
        tracing::info!(folder = %folder.display(), loaded, "system artifacts loaded");
    }
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    let shutdown = shutdown_signal()?;
    tracing::info!(address = %listener.local_addr()?, store = %redact(&store_args.url()), "Depot is serving");
    let dpp_url = config.dpp_url.clone();
    let header_timeout = config.header_timeout;
    let state = http::AppState::new(store.clone(), catalog, blobs.clone(), config);
    let work = crate::background::BackgroundWork {
        catalog: state.catalog.clone(),
        dpp_url,
        dispatching: state.dispatching.clone(),
        gc_every: args.gc_every,
        blobs,
    };
    let workers = crate::background::spawn(store.clone(), work);
    let app = http::router(state);
    http::serve(listener, app, header_timeout, shutdown).await;
    tracing::info!("in-flight requests finished; shutting down");
    workers.stop().await;
    store.close().await;
    Ok(())
}

/// The blob store `--blob-store` names, by default `file:<data-dir>/blobs`, indexed in `store`.
async fn open_blobs(
    store_args: &StoreArgs,
    store: &Store,
    given: Option<String>,
) -> Result<BlobStore, Box<dyn std::error::Error>> {
    let location = given.unwrap_or_else(|| format!("file:{}/blobs", store_args.data_dir.display()));
    Ok(BlobStore::open(&location, store.clone()).await?)
}

async fn tick(store_args: &StoreArgs, dpp_url: Option<String>) -> CommandResult {
    let store = Store::connect(&store_args.url()).await?;
    let dpp_url = dpp_url
        .or_else(|| std::env::var("DPP_URL").ok())
        .filter(|url| !url.trim().is_empty());
    let ticked =
        crate::background::tick(&store, dpp_url.as_deref(), crate::function::TICK_BUDGET).await;
    store.close().await;
    let ticked = ticked?;
    println!(
        "{} scheduled revisions made, {} sends to the pipeline runner",
        ticked.scheduled.len(),
        ticked.sends
    );
    Ok(())
}

async fn gc(store_args: &StoreArgs, args: GcArgs) -> CommandResult {
    let store = open_store(store_args).await?;
    let blobs = open_blobs(store_args, &store, args.blob_store).await?;
    let options = GcOptions {
        grace: args.grace,
        dry_run: args.dry_run,
    };
    let started = std::time::Instant::now();
    let report = depot_domain::blobs::gc::collect(&store, &blobs, &options).await;
    store.close().await;
    let report = report?;
    let verb = if report.dry_run {
        "would remove"
    } else {
        "removed"
    };
    println!(
        "{verb} {} blobs ({}), {} tree nodes and {} orphaned objects ({}); kept {} blobs ({}) in {:.1} s",
        report.blobs_removed.count,
        human_size(report.blobs_removed.bytes),
        report.tree_nodes_removed,
        report.orphans_removed.count,
        human_size(report.orphans_removed.bytes),
        report.blobs_kept.count,
        human_size(report.blobs_kept.bytes),
        started.elapsed().as_secs_f64(),
    );
    Ok(())
}

/// The verifier of the auth server's tokens: from `--auth-public-key`, else fetched once from
/// `AUTH_SERVER`, else none (then only Depot credentials upload specs).
pub(crate) async fn token_verifier(
    args: &ServeArgs,
) -> Result<Option<TokenVerifier>, Box<dyn std::error::Error>> {
    let (pem, source) = if let Some(path) = &args.auth_public_key {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| format!("--auth-public-key {}: cannot read it: {e}", path.display()))?;
        (pem, format!("--auth-public-key {}", path.display()))
    } else if let Some(server) = args.auth_server.as_deref().filter(|s| !s.trim().is_empty()) {
        (
            crate::background::fetch_public_key(server.trim()).await?,
            format!("the auth server {server}"),
        )
    } else {
        return Ok(None);
    };
    let verifier = TokenVerifier::from_pem(&pem)
        .map_err(|e| format!("the public key from {source} is unusable: {e}"))?;
    tracing::info!(%source, "auth server tokens are verified with its public key");
    Ok(Some(verifier))
}

/// Listens for Ctrl-C and SIGTERM from now on; the returned future resolves on either, and the
/// server then stops accepting and finishes what it has. Registered before the server says it
/// is ready, so a signal sent right after that is never missed.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        #[cfg(unix)]
        let terminate = terminate.recv();
        #[cfg(not(unix))]
        let terminate = std::future::pending::<Option<()>>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = terminate => {},
        }
    })
}

fn read_password_line() -> Result<String, Box<dyn std::error::Error>> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// Commands run with the operator's authority: whoever can run them can open the store anyway.
async fn user(store_args: &StoreArgs, command: UserCommand) -> CommandResult {
    let store = open_store(store_args).await?;
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            let password = if password_stdin {
                Some(read_password_line()?)
            } else {
                None
            };
            let user = users::create(
                &store,
                &Actor::Local,
                NewUser {
                    name,
                    role,
                    password,
                },
            )
            .await?;
            println!("created user {} ({})", user.name, user.role);
        }
        UserCommand::List => {
            for user in users::list(&store, &Actor::Local).await? {
                let password = if user.has_password {
                    "password"
                } else {
                    "no password"
                };
                println!(
                    "{}\t{}\t{}\t{}",
                    user.name, user.role, password, user.created_at
                );
            }
        }
        UserCommand::Passwd { name } => {
            users::set_password(&store, &Actor::Local, &name, &read_password_line()?).await?;
            println!("password of {name} set; their browser sessions were ended");
        }
    }
    store.close().await;
    Ok(())
}

async fn key(store_args: &StoreArgs, command: KeyCommand) -> CommandResult {
    let store = open_store(store_args).await?;
    match command {
        KeyCommand::Create { user, name } => {
            let created = api_keys::create(&store, &Actor::Local, Some(&user), &name).await?;
            eprintln!(
                "created key {} for {} (shown only this once):",
                created.key.id, created.key.user
            );
            println!("{}", created.secret);
        }
        KeyCommand::Revoke { id } => {
            let key = api_keys::revoke(&store, &Actor::Local, id).await?;
            println!("revoked key {} ({}) of {}", key.id, key.name, key.user);
        }
    }
    store.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_in_database_urls_are_hidden() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact("sqlite://./data/depot.db"),
            "sqlite://./data/depot.db"
        );
    }
}
