//! The id of the request being answered: sent back as `X-Request-Id`, on every log line the
//! request causes, and in the message of a fault — so what a person quotes from a page is
//! what the operator finds in the log.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

tokio::task_local! {
    static CURRENT: String;
}

/// The id of the request this task is answering, if it is answering one.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Runs `work` as part of the request `id`.
pub async fn scope<F: Future>(id: String, work: F) -> F::Output {
    CURRENT.scope(id, work).await
}

/// The id a request arrives with (from a load balancer, say) when it is a sensible one, else
/// a new one: this process's mark and a count, unique among the replicas' logs.
pub fn of(incoming: Option<&str>) -> String {
    let sensible = |id: &&str| {
        (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    match incoming.filter(sensible) {
        Some(id) => id.to_string(),
        None => {
            static PROCESS: OnceLock<u32> = OnceLock::new();
            static COUNT: AtomicU64 = AtomicU64::new(0);
            let process = PROCESS.get_or_init(|| {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                now.subsec_nanos() ^ std::process::id().rotate_left(16)
            });
            format!("{process:08x}-{}", COUNT.fetch_add(1, Ordering::Relaxed))
        }
    }
}
