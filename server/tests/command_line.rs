//! API.md §7: the `depot` binary's commands, run as an operator would run them.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

struct DataDir(std::path::PathBuf);

impl DataDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("depot_cli_{name}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Self(path)
    }

    fn depot(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_depot"));
        command
            .arg("--data-dir")
            .arg(&self.0)
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("DEPOT_DATABASE_URL");
        command
    }

    fn run(&self, args: &[&str], stdin: &str) -> (bool, String, String) {
        let mut child = self
            .depot(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into(),
            String::from_utf8_lossy(&output.stderr).into(),
        )
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn no_auth_is_refused_on_a_non_loopback_address() {
    let data = DataDir::new("noauth");
    let (ok, _, stderr) = data.run(&["serve", "--no-auth", "--bind", "0.0.0.0:0"], "");
    assert!(!ok);
    assert!(
        stderr.contains("--no-auth") && stderr.contains("loopback"),
        "{stderr}"
    );
}

#[test]
fn users_and_keys_are_managed_from_the_command_line() {
    let data = DataDir::new("users");
    let (ok, stdout, stderr) = data.run(&["migrate"], "");
    assert!(ok, "{stderr}");
    assert!(stdout.contains("migrations applied"));

    let (ok, stdout, stderr) = data.run(
        &["user", "add", "ana", "--role", "writer", "--password-stdin"],
        "s3cret-pass\n",
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), "created user ana (writer)");

    let (ok, _, stderr) = data.run(&["user", "add", "ana"], "");
    assert!(!ok);
    assert!(
        stderr.contains("a user named \"ana\" already exists"),
        "{stderr}"
    );

    let (ok, _, stderr) = data.run(&["user", "add", "bo", "--role", "root"], "");
    assert!(!ok);
    assert!(
        stderr.contains("role must be one of admin, writer, reader"),
        "{stderr}"
    );

    let (_, stdout, _) = data.run(&["user", "list"], "");
    assert!(stdout.starts_with("ana\twriter\tpassword\t"), "{stdout}");

    let (ok, key, stderr) = data.run(&["key", "create", "ana", "--name", "deploy"], "");
    assert!(ok, "{stderr}");
    assert!(key.trim().starts_with("depot_"));
    assert!(stderr.contains("shown only this once"));

    let (ok, stdout, _) = data.run(&["key", "revoke", "1"], "");
    assert!(ok);
    assert_eq!(stdout.trim(), "revoked key 1 (deploy) of ana");

    let (ok, _, stderr) = data.run(&["user", "passwd", "ana"], "short\n");
    assert!(!ok);
    assert!(stderr.contains("at least 8 characters"), "{stderr}");
}

/// Starts `depot serve` and returns it with the lines it printed before "Depot is serving".
fn serve_until_ready(
    data: &DataDir,
    extra: &[&str],
) -> (std::process::Child, Vec<String>, Vec<String>) {
    let mut args = vec!["serve", "--bind", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut child = data
        .depot(&args)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let printed = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let logs = std::thread::spawn(move || {
        let mut logs = Vec::new();
        for line in stderr.lines().map_while(Result::ok) {
            if line.contains("Depot is serving") {
                let _ = ready_tx.send(());
            }
            logs.push(line);
        }
        logs
    });
    ready_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server starts");
    // Stop it gracefully (SIGTERM) and collect what it printed.
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let logs = logs.join().unwrap();
    assert!(
        status.success(),
        "a graceful shutdown exits 0, not {status}: {logs:?}"
    );
    assert!(logs.iter().any(|l| l.contains("shutting down")), "{logs:?}");
    (child, printed.join().unwrap(), logs)
}

#[test]
fn the_first_start_prints_the_admin_key_once_and_sigterm_stops_cleanly() {
    let data = DataDir::new("first");
    let (_, first, _) = serve_until_ready(&data, &[]);
    let key_line = first
        .iter()
        .find(|l| l.trim().starts_with("depot_"))
        .unwrap_or_else(|| panic!("no key in {first:?}"));
    assert_eq!(key_line.trim().len(), "depot_".len() + 40);
    let (_, second, _) = serve_until_ready(&data, &[]);
    assert!(
        !second.iter().any(|l| l.contains("depot_")),
        "the key is shown only once: {second:?}"
    );
}

#[test]
fn json_logs_are_one_json_object_per_line() {
    let data = DataDir::new("json");
    let (_, _, logs) = serve_until_ready(&data, &["--log-format", "json"]);
    let lines: Vec<serde_json::Value> = logs
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}")))
        .collect();
    assert!(lines.iter().all(|line| line.is_object()), "{logs:?}");
    // Not necessarily the first line: on a busy machine sqlx may warn of a slow statement first.
    let ready = lines
        .iter()
        .find(|line| line["fields"]["message"] == "Depot is serving")
        .unwrap_or_else(|| panic!("no start line in {logs:?}"));
    assert_eq!(ready["level"], "INFO");
}

#[test]
fn system_artifacts_are_loaded_at_start_up() {
    let data = DataDir::new("system_artifacts");
    let folder = data.0.with_extension("artifacts");
    std::fs::create_dir_all(&folder).unwrap();
    let mut jar = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    jar.start_file(
        "META-INF/MANIFEST.MF",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    jar.write_all(b"Manifest-Version: 1.0\r\n").unwrap();
    std::fs::write(
        folder.join("etl-3.1.0.jar"),
        jar.finish().unwrap().into_inner(),
    )
    .unwrap();
    let folder_arg = folder.to_str().unwrap().to_string();
    let (_, _, logs) = serve_until_ready(&data, &["--system-artifacts", &folder_arg]);
    assert!(
        logs.iter()
            .any(|l| l.contains("system artifacts loaded") && l.contains("loaded=1")),
        "{logs:?}"
    );
    // Loading again finds nothing new: the same archive is the same version.
    let (_, _, again) = serve_until_ready(&data, &["--system-artifacts", &folder_arg]);
    assert!(
        again
            .iter()
            .any(|l| l.contains("system artifacts loaded") && l.contains("loaded=0")),
        "{again:?}"
    );
    std::fs::remove_dir_all(&folder).ok();
}
