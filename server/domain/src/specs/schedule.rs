//! A spec's `schedule`: `every N<unit>` with unit s, m, h, d or w, at least one minute and at
//! most ten years.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// The schedule's period in seconds (`None` when the spec has no schedule), or specstore's
/// error text for a bad one.
pub fn period_of(spec: &Value) -> Result<Option<i64>, &'static str> {
    let schedule = match spec.get("schedule") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text.trim(),
        Some(_) => return Err("Schedule should be a string"),
    };
    let amount = schedule
        .strip_prefix("every ")
        .ok_or("Schedule should start with 'every'")?
        .trim();
    let unit_seconds = match amount.chars().last() {
        Some('s') => 1,
        Some('m') => 60,
        Some('h') => 3_600,
        Some('d') => 86_400,
        Some('w') => 7 * 86_400,
        _ => return Err("Bad time unit for schedule, only s/m/h/d/w are allowed"),
    };
    let number: i64 = amount[..amount.len() - 1]
        .trim()
        .parse()
        .map_err(|_| "Failed to parse time number")?;
    let seconds = number
        .checked_mul(unit_seconds)
        .ok_or("Failed to parse time number")?;
    if seconds < 60 {
        return Err("Can't schedule tasks for less than one minute");
    }
    if seconds > MAX_PERIOD_SECONDS {
        return Err("Can't schedule tasks less often than every 520 weeks");
    }
    Ok(Some(seconds))
}

/// Ten years: beyond it a due time would leave the four-digit years timestamps are kept in.
pub const MAX_PERIOD_SECONDS: i64 = 520 * 7 * 86_400;

/// The first run strictly after `now` on the grid `due + k·period`: runs missed while no Depot
/// process was up are skipped, not replayed one after another.
pub fn next_run_after(
    due: DateTime<Utc>,
    period_seconds: i64,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let period = Duration::seconds(period_seconds.max(1));
    if due > now {
        return due;
    }
    let missed = (now - due).num_seconds() / period.num_seconds() + 1;
    due + period * missed as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn period(schedule: Value) -> Result<Option<i64>, &'static str> {
        period_of(&json!({ "schedule": schedule }))
    }

    #[test]
    fn periods_are_read_in_every_unit() {
        assert_eq!(period(json!("every 1m")), Ok(Some(60)));
        assert_eq!(period(json!("every 30m")), Ok(Some(1_800)));
        assert_eq!(period(json!(" every 2h ")), Ok(Some(7_200)));
        assert_eq!(period(json!("every 1d")), Ok(Some(86_400)));
        assert_eq!(period(json!("every 1w")), Ok(Some(604_800)));
        assert_eq!(period(json!("every 90s")), Ok(Some(90)));
        assert_eq!(period_of(&json!({})), Ok(None));
        assert_eq!(period(Value::Null), Ok(None));
    }

    #[test]
    fn bad_schedules_get_specstores_texts() {
        assert_eq!(period(json!(5)), Err("Schedule should be a string"));
        assert_eq!(
            period(json!("daily")),
            Err("Schedule should start with 'every'")
        );
        assert_eq!(
            period(json!("every 5y")),
            Err("Bad time unit for schedule, only s/m/h/d/w are allowed")
        );
        assert_eq!(
            period(json!("every xm")),
            Err("Failed to parse time number")
        );
        assert_eq!(
            period(json!("every 99999999999999999w")),
            Err("Failed to parse time number")
        );
        assert_eq!(
            period(json!("every 59s")),
            Err("Can't schedule tasks for less than one minute")
        );
        assert_eq!(period(json!("every 520w")), Ok(Some(MAX_PERIOD_SECONDS)));
        assert_eq!(
            period(json!("every 521w")),
            Err("Can't schedule tasks less often than every 520 weeks")
        );
        assert_eq!(
            period(json!("every 1000000000000000m")),
            Err("Can't schedule tasks less often than every 520 weeks")
        );
    }

    #[test]
    fn missed_runs_are_skipped_to_the_next_one_on_the_grid() {
        let due: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            next_run_after(due, 60, at("2026-01-01T00:00:00Z")),
            at("2026-01-01T00:01:00Z")
        );
        assert_eq!(
            next_run_after(due, 60, at("2026-01-01T00:05:30Z")),
            at("2026-01-01T00:06:00Z")
        );
        assert_eq!(next_run_after(due, 3_600, at("2025-12-31T00:00:00Z")), due);
    }
}
