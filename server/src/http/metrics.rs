//! Request counts and latencies in Prometheus' text format, per route pattern (not per URL, so
//! the number of series stays bounded).

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use axum::extract::MatchedPath;
use axum::response::Response;
use http::{Method, Request};

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// What requests not matched by a route are counted under.
const UNMATCHED: &str = "(static or unmatched)";

/// Counts by route pattern, then method. Observing a request takes one lock and, once its
/// route and method have been seen, allocates nothing: it is on every request's path.
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<HashMap<Arc<str>, Vec<(Method, MethodStats)>>>,
}

#[derive(Default)]
struct MethodStats {
    /// By status; a route answers only a few.
    statuses: Vec<(u16, u64)>,
    histogram: Histogram,
}

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    fn observe(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let methods = match routes.get_mut(route) {
            Some(methods) => methods,
            None => routes.entry(Arc::from(route)).or_default(),
        };
        let stats = match methods.iter().position(|(m, _)| m == method) {
            Some(index) => &mut methods[index].1,
            None => {
                methods.push((method.clone(), MethodStats::default()));
                &mut methods.last_mut().expect("just pushed").1
            }
        };
        match stats.statuses.iter_mut().find(|(s, _)| *s == status) {
            Some((_, count)) => *count += 1,
            None => stats.statuses.push((status, 1)),
        }
        let histogram = &mut stats.histogram;
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    pub fn render(&self, pool_size: u32, pool_idle: usize) -> String {
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        // Sorted, so the page reads the same from one scrape to the next.
        let mut series: Vec<(&str, &Method, &MethodStats)> = routes
            .iter()
            .flat_map(|(route, methods)| methods.iter().map(move |(m, s)| (&**route, m, s)))
            .collect();
        series.sort_by(|a, b| (a.1.as_str(), a.0).cmp(&(b.1.as_str(), b.0)));
        let mut out = String::new();
        out.push_str(
            "# HELP depot_http_requests_total HTTP requests answered, by route and status.\n",
        );
        out.push_str("# TYPE depot_http_requests_total counter\n");
        for (route, method, stats) in &series {
            let mut statuses = stats.statuses.clone();
            statuses.sort();
            for (status, count) in statuses {
                let _ = writeln!(out, "depot_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}", escape(route));
            }
        }
        out.push_str("# HELP depot_http_request_duration_seconds Time to answer HTTP requests.\n");
        out.push_str("# TYPE depot_http_request_duration_seconds histogram\n");
        for (route, method, stats) in &series {
            let histogram = &stats.histogram;
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

/// Where the router writes the matched route pattern for the outer layer to read: routing
/// happens inside the outer layers, so they cannot see it on the request.
#[derive(Clone, Default)]
pub struct RouteSlot(Arc<OnceLock<MatchedPath>>);

/// One request being timed, from the outermost layer until its answer.
pub struct Observation {
    started: Instant,
    method: Method,
    slot: RouteSlot,
}

impl Observation {
    /// Starts the clock, and gives the request the slot its route pattern is written to.
    pub fn start<B>(request: &mut Request<B>) -> Self {
        let slot = RouteSlot::default();
        request.extensions_mut().insert(slot.clone());
        Self {
            started: Instant::now(),
            method: request.method().clone(),
            slot,
        }
    }

    /// Counts the request under its route pattern, with its status and time.
    pub fn finish(self, metrics: &Metrics, response: &Response) {
        let route = self
            .slot
            .0
            .get()
            .map(MatchedPath::as_str)
            .unwrap_or(UNMATCHED);
        let seconds = self.started.elapsed().as_secs_f64();
        metrics.observe(&self.method, route, response.status().as_u16(), seconds);
    }
}

/// Inside the router, where the route is known: records which pattern matched.
pub fn note_route<B>(request: &Request<B>) {
    if let (Some(slot), Some(path)) = (
        request.extensions().get::<RouteSlot>(),
        request.extensions().get::<MatchedPath>(),
    ) {
        let _ = slot.0.set(path.clone());
    }
}
