//! A real HAProxy (Debian's `haproxy`) in front of whatever a test runs several of.

use std::process::{Child, Command, Stdio};

pub struct HaProxy {
    pub port: u16,
    child: Child,
    config: std::path::PathBuf,
}

impl HaProxy {
    /// Starts HAProxy with the configuration `config(port)` makes for a free loopback port,
    /// and waits until that port accepts connections.
    pub fn start(config: impl FnOnce(u16) -> String) -> Self {
        let port = super::free_ports(1)[0];
        let path = std::env::temp_dir().join(format!("depot_haproxy_{port}.cfg"));
        std::fs::write(&path, config(port)).unwrap();
        let child = Command::new("haproxy")
            .args(["-db", "-f"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("HAProxy (Debian's haproxy) is installed");
        super::wait_for_port(port);
        Self {
            port,
            child,
            config: path,
        }
    }
}

impl Drop for HaProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.config);
    }
}
