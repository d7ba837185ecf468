//! Request counts and latencies in Prometheus' text format, per route pattern (not per URL, so
//! the number of series stays bounded).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
}

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let key = (method.to_string(), route.to_string());
        *self
            .requests
            .lock()
            .unwrap()
            .entry((key.0.clone(), key.1.clone(), status))
            .or_default() += 1;
        let mut latency = self.latency.lock().unwrap();
        let histogram = latency.entry(key).or_default();
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    pub fn render(&self, pool_size: u32, pool_idle: usize) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP depot_http_requests_total HTTP requests answered, by route and status.\n",
        );
        out.push_str("# TYPE depot_http_requests_total counter\n");
        for ((method, route, status), count) in self.requests.lock().unwrap().iter() {
            let _ = writeln!(out, "depot_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}", escape(route));
        }
        out.push_str("# HELP depot_http_request_duration_seconds Time to answer HTTP requests.\n");
        out.push_str("# TYPE depot_http_request_duration_seconds histogram\n");
        for ((method, route), histogram) in self.latency.lock().unwrap().iter() {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter()) {
                let _ = writeln!(
                    out,
                    "depot_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "depot_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "depot_http_request_duration_seconds_sum{{{labels}}} {}",
                histogram.sum
            );
            let _ = writeln!(
                out,
                "depot_http_request_duration_seconds_count{{{labels}}} {}",
                histogram.count
            );
        }
        out.push_str("# HELP depot_db_pool_connections Store connections held by this process.\n");
        out.push_str("# TYPE depot_db_pool_connections gauge\n");
        let idle = pool_idle as u64;
        let _ = writeln!(out, "depot_db_pool_connections{{state=\"idle\"}} {idle}");
        let _ = writeln!(
            out,
            "depot_db_pool_connections{{state=\"in_use\"}} {}",
            u64::from(pool_size).saturating_sub(idle)
        );
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Where the router writes the matched route pattern for [`measure`] to read: routing happens
/// inside the outer layers, so they cannot see it on the request.
#[derive(Clone, Default)]
struct RouteSlot(Arc<OnceLock<String>>);

/// Outermost layer: times every request and counts it under its route pattern.
pub async fn measure(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let slot = RouteSlot::default();
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    let route = slot
        .0
        .get()
        .map(String::as_str)
        .unwrap_or("(static or unmatched)");
    state.metrics.observe(
        &method,
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Route layer: records which route pattern matched.
pub async fn note_route(request: Request, next: Next) -> Response {
    if let (Some(slot), Some(path)) = (
        request.extensions().get::<RouteSlot>(),
        request.extensions().get::<MatchedPath>(),
    ) {
        let _ = slot.0.set(path.as_str().to_string());
    }
    next.run(request).await
}
