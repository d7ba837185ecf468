//! Depot through a PostgreSQL failover: a primary and a synchronous standby managed by Patroni
//! (PyPI `patroni[raft]`, with its raft witness), HAProxy sending connections to whichever node
//! Patroni's REST API calls the primary. The primary is killed (kill -9) under a steady write
//! load through Depot; requests meanwhile get a clean 503 or succeed, Depot serves again without
//! a restart once the standby is promoted, and no acknowledged write is lost.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use support::{Answered, DepotProcess, HaProxy};

/// How long Depot may take for one request here (`--request-timeout`).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

struct Node {
    name: String,
    postgres_port: u16,
    rest_port: u16,
    data_dir: PathBuf,
    patroni: Child,
}

/// Two Patroni nodes and the raft witness, as the `postgres` user, in a folder of their own.
struct Cluster {
    dir: PathBuf,
    nodes: Vec<Node>,
    witness: Child,
}

fn postgres_bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("Debian's PostgreSQL server is installed")
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("postgres").exists())
        .collect();
    found.sort();
    found
        .pop()
        .expect("a PostgreSQL server under /usr/lib/postgresql")
}

/// Runs `program args` as the `postgres` user (PostgreSQL refuses to run as root).
fn as_postgres(program: &Path, config: &Path, log: &Path) -> Child {
    let log = std::fs::File::create(log).unwrap();
    Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(program)
        .arg(config)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("runuser")
}

impl Cluster {
    fn start() -> Self {
        let venv = support::python_venv_at(
            Path::new("/opt/depot-test/patroni-4.1.5"),
            "/usr/bin/python3",
            &["patroni[raft,psycopg2-binary]==4.1.5"],
        );
        let dir = std::env::temp_dir().join(format!("depot_patroni_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ports = support::free_ports(7);
        let (raft, witness_raft) = ([ports[4], ports[5]], ports[6]);
        let bin_dir = postgres_bin_dir();
        let mut configs = Vec::new();
        for i in 0..2 {
            let partners = format!("['127.0.0.1:{}', '127.0.0.1:{witness_raft}']", raft[1 - i]);
            let config = format!(
                "scope: depot-failover-{pid}\n\
                 name: node{i}\n\
                 restapi:\n  listen: 127.0.0.1:{rest}\n  connect_address: 127.0.0.1:{rest}\n\
                 raft:\n  data_dir: {dir}/raft{i}\n  self_addr: 127.0.0.1:{raft_port}\n  partner_addrs: {partners}\n\
                 bootstrap:\n  dcs:\n    ttl: 10\n    loop_wait: 1\n    retry_timeout: 4\n    \
                 maximum_lag_on_failover: 1048576\n    synchronous_mode: true\n    \
                 postgresql:\n      parameters:\n        max_connections: 100\n  \
                 initdb: [{{encoding: UTF8}}]\n  \
                 pg_hba:\n    - host replication replicator 127.0.0.1/32 trust\n    - host all all 127.0.0.1/32 trust\n    - local all all trust\n\
                 postgresql:\n  listen: 127.0.0.1:{pg}\n  connect_address: 127.0.0.1:{pg}\n  \
                 data_dir: {dir}/pg{i}\n  bin_dir: {bin}\n  pgpass: {dir}/pgpass{i}\n  \
                 authentication:\n    replication: {{username: replicator, password: rep}}\n    \
                 superuser: {{username: postgres, password: pg}}\n  \
                 parameters:\n    unix_socket_directories: '{dir}'\n  \
                 basebackup: [{{checkpoint: fast}}]\n",
                pid = std::process::id(),
                rest = ports[2 + i],
                raft_port = raft[i],
                pg = ports[i],
                dir = dir.display(),
                bin = bin_dir.display(),
            );
            let path = dir.join(format!("node{i}.yml"));
            std::fs::write(&path, config).unwrap();
            configs.push(path);
        }
        let witness_config = dir.join("witness.yml");
        std::fs::write(
            &witness_config,
            format!(
                "raft:\n  data_dir: {dir}/raft-witness\n  self_addr: 127.0.0.1:{witness_raft}\n  \
                 partner_addrs: ['127.0.0.1:{}', '127.0.0.1:{}']\n",
                raft[0],
                raft[1],
                dir = dir.display()
            ),
        )
        .unwrap();
        Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .unwrap();
        let witness = as_postgres(
            &venv.join("bin/patroni_raft_controller"),
            &witness_config,
            &dir.join("witness.log"),
        );
        let mut nodes = Vec::new();
        for (i, config) in configs.iter().enumerate() {
            nodes.push(Node {
                name: format!("node{i}"),
                postgres_port: ports[i],
                rest_port: ports[2 + i],
                data_dir: dir.join(format!("pg{i}")),
                patroni: as_postgres(
                    &venv.join("bin/patroni"),
                    config,
                    &dir.join(format!("node{i}.log")),
                ),
            });
            if i == 0 {
                // The first node bootstraps the cluster; the second then copies it.
                wait_for(&dir, &nodes[0], "/primary");
            }
        }
        wait_for(&dir, &nodes[1], "/sync");
        Self {
            dir,
            nodes,
            witness,
        }
    }

    fn primary(&self) -> usize {
        self.nodes
            .iter()
            .position(|n| rest_status(n.rest_port, "/primary") == Some(200))
            .expect("a primary")
    }

    /// kill -9 of the node's Patroni and of its PostgreSQL, as a machine that dies would.
    fn kill(&mut self, index: usize) {
        let node = &mut self.nodes[index];
        let postmaster = std::fs::read_to_string(node.data_dir.join("postmaster.pid"))
            .ok()
            .and_then(|text| text.lines().next().map(str::to_string));
        // runuser's child is Patroni itself.
        let _ = Command::new("pkill")
            .args(["-9", "-P", &node.patroni.id().to_string()])
            .status();
        let _ = node.patroni.kill();
        let _ = node.patroni.wait();
        if let Some(pid) = postmaster {
            let _ = Command::new("kill")
                .args(["-9", &pid])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Waits until `node`'s REST API answers 200 for `check` (`/primary`, `/sync`).
fn wait_for(dir: &Path, node: &Node, check: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        if rest_status(node.rest_port, check) == Some(200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!(
        "{} did not become {check}: {}",
        node.name,
        std::fs::read_to_string(dir.join(format!("{}.log", node.name))).unwrap_or_default()
    );
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
        let _ = Command::new("pkill")
            .args(["-9", "-P", &self.witness.id().to_string()])
            .status();
        let _ = self.witness.kill();
        let _ = self.witness.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The status of `GET path` on a Patroni REST API.
fn rest_status(port: u16, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// HAProxy starts with every server up until its checks say otherwise: wait until fresh
/// connections land on the primary only.
async fn wait_until_haproxy_reaches_the_primary(url: &str) {
    let mut on_primary = 0;
    for _ in 0..200 {
        let store = depot_domain::Store::connect(url).await.unwrap();
        let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
            .fetch_one(store.pool())
            .await
            .unwrap();
        store.close().await;
        on_primary = if standby { 0 } else { on_primary + 1 };
        if on_primary == 5 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("HAProxy kept sending connections to the standby");
}

/// One write through Depot and how it went.
struct Attempt {
    name: String,
    status: Option<StatusCode>,
    body: String,
    took: Duration,
    at: Instant,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_killed_under_load_costs_503s_and_no_acknowledged_write() {
    let mut cluster = tokio::task::spawn_blocking(Cluster::start).await.unwrap();
    let checks: String = cluster
        .nodes
        .iter()
        .map(|n| {
            format!(
                "  server {} 127.0.0.1:{} check port {}\n",
                n.name, n.postgres_port, n.rest_port
            )
        })
        .collect();
    let haproxy = HaProxy::start(|port| {
        format!(
            "defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 30m\n  timeout server 30m\n  timeout check 1s\n\
             frontend postgres\n  bind 127.0.0.1:{port}\n  default_backend primary\n\
             backend primary\n  option httpchk GET /primary\n  http-check expect status 200\n  \
             default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions\n{checks}"
        )
    });
    let store_url = format!("postgres://postgres:pg@127.0.0.1:{}/postgres", haproxy.port);
    wait_until_haproxy_reaches_the_primary(&store_url).await;
    let store = depot_domain::Store::connect(&store_url).await.unwrap();
    store.migrate().await.unwrap();
    let key = depot_domain::auth::users::bootstrap_admin(&store)
        .await
        .unwrap()
        .unwrap();
    store.close().await;
    let depot = DepotProcess::start(
        &store_url,
        &["--request-timeout", &REQUEST_TIMEOUT.as_secs().to_string()],
        &[],
    );
    let client = reqwest::Client::new();

    let write = |i: usize| {
        let (client, key, url) = (
            client.clone(),
            key.clone(),
            depot.url("/inventory/entity/basicserver"),
        );
        async move {
            let name = format!("w{i:05}");
            let started = Instant::now();
            let response = client
                .post(url)
                .bearer_auth(key)
                .form(&[("name", name.as_str())])
                .timeout(REQUEST_TIMEOUT * 3)
                .send()
                .await;
            let (status, body) = match response {
                Ok(r) => (Some(r.status()), r.text().await.unwrap_or_default()),
                Err(e) => (None, e.to_string()),
            };
            Attempt {
                name,
                status,
                body,
                took: started.elapsed(),
                at: started,
            }
        }
    };
    let readiness = |at: Instant| {
        let (client, url) = (client.clone(), depot.url("/readyz"));
        async move {
            let status = client
                .get(url)
                .timeout(REQUEST_TIMEOUT * 3)
                .send()
                .await
                .ok()
                .map(|r| r.status());
            (at, status)
        }
    };

    let mut attempts = Vec::new();
    let mut ready = Vec::new();
    let mut killed_at = None;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut i = 0;
    // Two writers at a time, steadily; the primary dies after three seconds.
    let start = Instant::now();
    while Instant::now() < deadline {
        if killed_at.is_none() && start.elapsed() > Duration::from_secs(3) {
            let primary = cluster.primary();
            cluster.kill(primary);
            killed_at = Some(Instant::now());
        }
        let (a, b, r) = tokio::join!(write(i), write(i + 1), readiness(Instant::now()));
        i += 2;
        attempts.push(a);
        attempts.push(b);
        ready.push(r);
        if let Some(killed) = killed_at {
            let recovered = attempts
                .iter()
                .rev()
                .take(10)
                .all(|a| a.at > killed && a.status.is_some_and(|s| s.is_success()));
            if recovered {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let killed = killed_at.expect("the primary was killed");

    for attempt in &attempts {
        let status = attempt
            .status
            .unwrap_or_else(|| panic!("{} got no answer: {}", attempt.name, attempt.body));
        assert!(
            status.is_success() || status == StatusCode::SERVICE_UNAVAILABLE,
            "{}: {status} {}",
            attempt.name,
            attempt.body
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(
                attempt.body, "\"the store is not reachable right now; try again shortly\"",
                "no internals in the refusal"
            );
        }
        assert!(
            attempt.took < REQUEST_TIMEOUT + Duration::from_secs(2),
            "{} took {:?}",
            attempt.name,
            attempt.took
        );
    }
    let refused = attempts
        .iter()
        .filter(|a| a.status == Some(StatusCode::SERVICE_UNAVAILABLE))
        .count();
    assert!(refused > 0, "the switch was seen as 503s");
    assert!(
        ready
            .iter()
            .any(|(at, s)| *at > killed && *s == Some(StatusCode::SERVICE_UNAVAILABLE)),
        "/readyz said 503 during the switch"
    );
    let acknowledged: Vec<&str> = attempts
        .iter()
        .filter(|a| a.status.is_some_and(|s| s.is_success()))
        .map(|a| a.name.as_str())
        .collect();
    let first_back = attempts
        .iter()
        .filter(|a| a.at > killed && a.status.is_some_and(|s| s.is_success()))
        .map(|a| a.at)
        .min()
        .expect("writes succeed again");
    eprintln!(
        "failover: {} writes, {} acknowledged, {refused} answered 503; writes succeeded again {:.1} s after the kill",
        attempts.len(),
        acknowledged.len(),
        (first_back - killed).as_secs_f64()
    );

    // Every acknowledged write is there, read through Depot from the new primary.
    let listing: Vec<String> = client
        .get(depot.url("/inventory/entity/basicserver"))
        .bearer_auth(&key)
        .header("Clusto-Minify", "True")
        .response()
        .await
        .json()
        .await
        .unwrap();
    let stored: std::collections::HashSet<&str> = listing
        .iter()
        .map(|path| path.rsplit('/').next().unwrap_or_default())
        .collect();
    let lost: Vec<&&str> = acknowledged
        .iter()
        .filter(|n| !stored.contains(**n))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    drop(depot);
    drop(haproxy);
}
