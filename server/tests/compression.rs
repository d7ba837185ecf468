//! Text answers are compressed for clients that accept it; stored files are sent as stored.

mod support;

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use reqwest::StatusCode;
use serde_json::json;
use support::{Backend, TestServer};

async fn fetched(
    server: &TestServer,
    path: &str,
    encodings: Option<&str>,
) -> (Option<String>, usize) {
    let mut request = server.as_admin(server.get(path));
    if let Some(encodings) = encodings {
        request = request.header(ACCEPT_ENCODING, encodings);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let encoding = response
        .headers()
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap().to_string());
    (encoding, response.bytes().await.unwrap().len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_and_pages_are_compressed_for_clients_that_accept_it() {
    let server = TestServer::start(Backend::Sqlite).await;
    let (plain_encoding, plain) = fetched(&server, "/openapi.json", None).await;
    assert_eq!(plain_encoding, None, "nothing asked, nothing compressed");
    let (encoding, brotli) = fetched(&server, "/openapi.json", Some("br, gzip")).await;
    assert_eq!(encoding.as_deref(), Some("br"));
    assert!(
        brotli * 5 < plain,
        "{brotli} bytes of brotli for {plain} of JSON"
    );
    let (encoding, _) = fetched(&server, "/openapi.json", Some("gzip")).await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let (encoding, _) = fetched(&server, "/audit", Some("br")).await;
    assert_eq!(encoding.as_deref(), Some("br"), "a page's HTML");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_files_are_sent_as_stored() {
    let server = TestServer::start(Backend::Sqlite).await;
    let created = server
        .as_admin(server.post("/dots/admin"))
        .json(&json!({"name": "texts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let file = "/dots/admin/texts/branches/master/files/words.txt";
    let text = "the same words again and again ".repeat(400);
    let put = server
        .as_admin(server.client.put(server.url(file)))
        .body(text.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::CREATED);
    let (encoding, length) = fetched(&server, file, Some("br, gzip")).await;
    assert_eq!(encoding, None, "a file's bytes keep their ETag and ranges");
    assert_eq!(length, text.len());
}
