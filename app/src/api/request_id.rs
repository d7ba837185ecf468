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
            static PREFIX: OnceLock<String> = OnceLock::new();
            static COUNT: AtomicU64 = AtomicU64::new(0);
            let prefix = PREFIX.get_or_init(|| {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                let process = now.subsec_nanos() ^ std::process::id().rotate_left(16);
                format!("{process:08x}-")
            });
            // Every request makes one: digits by hand, not through `format!`'s machinery.
            let mut digits = [0u8; 20];
            let mut start = digits.len();
            let mut count = COUNT.fetch_add(1, Ordering::Relaxed);
            loop {
                start -= 1;
                digits[start] = b'0' + (count % 10) as u8;
                count /= 10;
                if count == 0 {
                    break;
                }
            }
            let mut id = String::with_capacity(prefix.len() + digits.len() - start);
            id.push_str(prefix);
            id.extend(digits[start..].iter().map(|&d| char::from(d)));
            id
        }
    }
}

#[cfg(test)]
mod tests {
    use super::of;

    #[test]
    fn a_new_id_is_the_process_mark_and_a_count() {
        let first = of(None);
        let second = of(None);
        let (mark, count) = first.split_once('-').unwrap();
        let (next_mark, next_count) = second.split_once('-').unwrap();
        assert_eq!(mark.len(), 8);
        assert_eq!(mark, next_mark);
        assert!(next_count.parse::<u64>().unwrap() > count.parse::<u64>().unwrap());
    }

    #[test]
    fn a_sensible_incoming_id_is_kept_and_any_other_replaced() {
        assert_eq!(of(Some("lb-42.a_b")), "lb-42.a_b");
        assert_ne!(of(Some("has space")), "has space");
        assert_ne!(of(Some(&"x".repeat(65))), "x".repeat(65));
    }
}
