//! Three `depot serve` processes on one PostgreSQL database and one S3 bucket (SeaweedFS),
//! behind a real HAProxy doing round robin: through its one address they act as one Depot.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use reqwest::header::COOKIE;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use support::{
    eventually, has_entry, plain_jar, session_cookie, Answered, Blobs, DepotProcess, Fake, HaProxy,
    TestStore,
};

/// HAProxy in front of `servers`, balancing each request round robin and naming the replica
/// that answered in `X-Depot-Replica`.
struct LoadBalancer {
    base: String,
    _haproxy: HaProxy,
}

impl LoadBalancer {
    fn start(servers: &[&DepotProcess]) -> Self {
        let backends: String = servers
            .iter()
            .enumerate()
            .map(|(i, s)| format!("  server r{i} {}\n", s.base.trim_start_matches("http://")))
            .collect();
        let haproxy = HaProxy::start(|port| {
            format!(
                "defaults\n  mode http\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n  \
                 option http-server-close\n\
                 frontend depot\n  bind 127.0.0.1:{port}\n  default_backend replicas\n\
                 backend replicas\n  balance roundrobin\n  http-response set-header X-Depot-Replica %s\n{backends}"
            )
        });
        Self {
            base: format!("http://127.0.0.1:{}", haproxy.port),
            _haproxy: haproxy,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

fn replica_of(response: &reqwest::Response) -> String {
    response.headers()["x-depot-replica"]
        .to_str()
        .unwrap()
        .to_string()
}

/// `GET path` six times through the balancer: each answer's status and body, and which
/// replicas gave them.
async fn six_reads(
    client: &Client,
    balancer: &LoadBalancer,
    path: &str,
    auth: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> (Vec<(StatusCode, Vec<u8>)>, HashSet<String>) {
    let mut answers = Vec::new();
    let mut replicas = HashSet::new();
    for _ in 0..6 {
        let response = auth(client.get(balancer.url(path))).response().await;
        replicas.insert(replica_of(&response));
        answers.push((response.status(), response.bytes().await.unwrap().to_vec()));
    }
    (answers, replicas)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_behind_haproxy_act_as_one_depot() {
    let db = TestStore::new(support::Backend::Postgres).await;
    let key = db.admin_key().await;
    let (blob_store, variables) = db.blob_store(Blobs::S3);
    let variables: Vec<(&str, &str)> = variables
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut runner = Fake::listening().await;
    runner.start_runner().await;
    let dpp_url = format!("http://127.0.0.1:{}/flows", runner.port);
    // An attached SQLite file all three serve (on one machine; replicas on several would attach
    // one PostgreSQL database).
    let attached = db.blob_dir.with_extension("attached.sqlite");
    let attached_url = format!("sqlite://{}", attached.display());
    let tables = depot_domain::Store::connect(&attached_url).await.unwrap();
    sqlx::query("CREATE TABLE first (id INTEGER PRIMARY KEY)")
        .execute(tables.pool())
        .await
        .unwrap();
    let attach = format!("shared={attached_url}");
    let args = [
        "--blob-store",
        &blob_store,
        "--dpp-url",
        &dpp_url,
        "--attach",
        &attach,
    ];
    let replicas: Vec<DepotProcess> = (0..3)
        .map(|_| DepotProcess::start(&db.url, &args, &variables))
        .collect();
    let balancer = LoadBalancer::start(&replicas.iter().collect::<Vec<_>>());
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let as_admin = |request: reqwest::RequestBuilder| request.bearer_auth(&key);

    // A session signed in through one replica works on every other, and so does signing out.
    let login = client
        .post(balancer.url("/auth/login"))
        .form(&[
            ("username", "admin"),
            ("password", key.as_str()),
            ("next", "/"),
        ])
        .response()
        .await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&login);
    let with_session = |request: reqwest::RequestBuilder| request.header(COOKIE, &cookie);
    let (answers, seen) = six_reads(&client, &balancer, "/dots/admin", with_session).await;
    assert_eq!(seen.len(), 3, "round robin reaches every replica: {seen:?}");
    assert!(
        answers.iter().all(|(s, _)| *s == StatusCode::OK),
        "{answers:?}"
    );

    // A file uploaded through one replica downloads through every other.
    let created = as_admin(client.post(balancer.url("/dots/admin")))
        .json(&json!({"name": "shared"}))
        .answer_status()
        .await;
    assert_eq!(created, StatusCode::CREATED);
    let content = b"uploaded once, read everywhere\n".repeat(1000);
    let file = "/dots/admin/shared/branches/master/files/data.txt";
    let put = as_admin(client.put(balancer.url(file))).body(content.clone());
    assert_eq!(put.answer_status().await, StatusCode::CREATED);
    let (answers, seen) = six_reads(&client, &balancer, file, as_admin).await;
    assert_eq!(seen.len(), 3);
    assert!(answers
        .iter()
        .all(|a| *a == (StatusCode::OK, content.clone())));

    // So does an artifact archive.
    let uploaded = as_admin(client.post(balancer.url("/v3/namespaces/default/artifacts/app")))
        .body(plain_jar())
        .answer_status()
        .await;
    assert_eq!(uploaded, StatusCode::OK);
    let download = "/v3/namespaces/default/artifacts/app/versions/1.0.0/download";
    let (answers, seen) = six_reads(&client, &balancer, download, as_admin).await;
    assert_eq!(seen.len(), 3);
    assert!(answers.iter().all(|a| *a == (StatusCode::OK, plain_jar())));

    // A spec revision reaches the pipeline runner exactly once, though three dispatchers look.
    let spec = json!({
        "meta": {"ownerid": "admin", "owner": "admin", "dataset": "ds", "version": 1},
        "inputs": [{"kind": "datapackage", "url": "http://example.com/datapackage.json", "parameters": {}}],
        "outputs": [{"kind": "csv"}],
        "schedule": "every 1m"
    });
    let (_, answer) = as_admin(client.post(balancer.url("/source/upload")))
        .json(&spec)
        .answer()
        .await;
    assert_eq!(answer["flow_id"], "admin/ds/1", "{answer}");
    eventually("the delivery", async || runner.received().len() == 1).await;
    // A schedule runs once, though three schedulers look.
    db.make_schedules_due().await;
    eventually("the scheduled revision's delivery", async || {
        runner.received().len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let flows: Vec<String> = runner.received().into_iter().map(|(key, _)| key).collect();
    assert_eq!(flows, ["admin/ds/1", "admin/ds/2"], "each revision once");

    // 200 concurrent IP allocations through the one address: 200 distinct addresses.
    let manager = as_admin(client.post(balancer.url("/inventory/resourcemanager/ipmanager")))
        .form(&[
            ("name", "net1"),
            ("baseip", "10.2.0.0"),
            ("netmask", "255.255.255.0"),
        ])
        .response()
        .await;
    assert!(
        manager.status().is_success(),
        "{}",
        manager.text().await.unwrap()
    );
    let names: Vec<String> = (0..200).map(|i| format!("node{i:03}")).collect();
    for chunk in names.chunks(50) {
        let params: Vec<(&str, &str)> = chunk.iter().map(|n| ("name", n.as_str())).collect();
        let made = as_admin(client.post(balancer.url("/inventory/entity/basicserver")))
            .form(&params)
            .response()
            .await;
        assert!(made.status().is_success());
    }
    let allocations = names.iter().map(|name| {
        let request =
            as_admin(client.post(balancer.url("/inventory/resourcemanager/ipmanager/net1")))
                .form(&[("object", name.as_str())]);
        async move {
            let response = request.response().await;
            (
                response.status(),
                replica_of(&response),
                response.json::<Value>().await.unwrap(),
            )
        }
    });
    let mut addresses = HashSet::new();
    let mut served_by = HashSet::new();
    for (status, replica, ip) in futures_util::future::join_all(allocations).await {
        assert_eq!(status, StatusCode::CREATED, "{ip}");
        served_by.insert(replica);
        addresses.insert(ip["value"].as_i64().unwrap());
    }
    assert_eq!(addresses.len(), 200, "no address was given twice");
    assert_eq!(served_by.len(), 3);

    // A reload asked of one replica reaches every other.
    sqlx::query("CREATE TABLE second (id INTEGER PRIMARY KEY)")
        .execute(tables.pool())
        .await
        .unwrap();
    let reloaded = as_admin(client.post(balancer.url("/api/db/shared/reload")))
        .response()
        .await;
    assert_eq!(reloaded.status(), StatusCode::OK);
    let (_, audit) = as_admin(client.get(balancer.url("/api/audit?surface=tables")))
        .answer()
        .await;
    assert!(
        has_entry(&audit, &[("action", "reload"), ("object", "shared")]),
        "the reload is audited: {audit}"
    );
    for replica in &replicas {
        eventually("the reload on every replica", async || {
            let listing = as_admin(client.get(replica.url("/db/shared/")))
                .answer_text()
                .await
                .1;
            listing.contains("second")
        })
        .await;
    }

    // Each replica's /metrics counts its own requests.
    for _ in 0..25 {
        client.get(replicas[0].url("/healthz")).response().await;
    }
    let healthz_count = |metrics: &str| -> u64 {
        metrics
            .lines()
            .filter(|l| l.starts_with("depot_http_requests_total{") && l.contains("/healthz"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    };
    let mut counts = Vec::new();
    for replica in &replicas {
        let metrics = as_admin(client.get(replica.url("/metrics")))
            .answer_text()
            .await
            .1;
        counts.push(healthz_count(&metrics));
    }
    assert!(
        counts[0] >= 25 && counts[1] < 25 && counts[2] < 25,
        "{counts:?}"
    );

    let logout = client
        .post(balancer.url("/auth/logout"))
        .header(COOKIE, &cookie)
        .response()
        .await;
    assert!(logout.status().is_redirection() || logout.status().is_success());
    let (answers, seen) = six_reads(&client, &balancer, "/dots/admin", with_session).await;
    assert_eq!(seen.len(), 3);
    assert!(
        answers.iter().all(|(s, _)| *s == StatusCode::UNAUTHORIZED),
        "signed out on every replica: {answers:?}"
    );
    tables.close().await;
}
