//! `/openapi.json` checked by tools that did not write it: `openapi-spec-validator` says the
//! document is valid OpenAPI 3.1, and schemathesis (both from PyPI) sends every operation it
//! documents thousands of generated requests, as the admin, against `depot serve` with Chinook
//! attached: no answer may be a 5xx, and no refusal may contradict the schema the document
//! gives it (each surface's own error format).

mod support;

use std::process::Command;

use support::{python_venv, Backend, Chinook, DepotProcess, TestStore};

const TOOLS: [&str; 2] = ["schemathesis==4.32.5", "openapi-spec-validator==0.9.0"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_find_no_server_error_and_no_refusal_off_its_schema() {
    let venv = python_venv("openapi-tools", &TOOLS);
    let store = TestStore::new(Backend::Sqlite).await;
    let key = store.admin_key().await;
    let chinook = Chinook::attach(Backend::Sqlite).await;
    let attach = format!("chinook={}", chinook.attachment.url);
    let depot = DepotProcess::start(&store.url, &["--attach", &attach], &[]);
    let document = depot.url("/openapi.json");

    let saved = std::env::temp_dir().join(format!("depot-openapi-{}.json", std::process::id()));
    let body = reqwest::get(&document)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    std::fs::write(&saved, &body).unwrap();
    let validated = Command::new(venv.join("bin/openapi-spec-validator"))
        .arg(&saved)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&saved);
    assert!(
        validated.status.success(),
        "the document is not valid OpenAPI: {}",
        String::from_utf8_lossy(&validated.stdout)
    );

    // Its caches go to the working folder: a temporary one, not the checkout.
    let fuzzed = Command::new(venv.join("bin/schemathesis"))
        .current_dir(std::env::temp_dir())
        .args([
            "run",
            &document,
            "--no-color",
            "--workers",
            "2",
            "--max-examples",
            "10",
        ])
        .args(["--checks", "not_a_server_error,response_schema_conformance"])
        .args(["--header", &format!("Authorization: Bearer {key}")])
        .args(["--seed", "20261204", "--generation-database", "none"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&fuzzed.stdout);
    assert!(
        fuzzed.status.success(),
        "schemathesis found failures:\n{report}"
    );
    assert!(report.contains("passed"), "{report}");
    let logs = depot.logs().join("\n");
    assert!(!logs.contains("panicked"), "the server panicked: {logs}");
    depot.stop();
}
