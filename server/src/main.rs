//! `depot`: parse the command line and hand over to the command.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = depot::cli::Cli::parse();
    match depot::commands::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("depot: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
