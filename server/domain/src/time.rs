//! Timestamps as the store keeps them: RFC 3339 text in UTC with milliseconds and a `Z`.
//! One fixed width means text order is time order on SQLite and PostgreSQL alike.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::DomainError;

pub use crate::auth::Timestamp;

pub fn now() -> Timestamp {
    format(Utc::now())
}

pub fn format(at: DateTime<Utc>) -> Timestamp {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A stored timestamp as an instant.
pub fn instant(stored: &str) -> Result<DateTime<Utc>, DomainError> {
    DateTime::parse_from_rfc3339(stored)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| DomainError::Internal(format!("stored time {stored:?}: {e}")))
}

/// Parses a caller-given instant (RFC 3339, or a bare date meaning its midnight UTC) into the
/// stored form, so it can be compared with stored timestamps.
pub fn parse(field: &str, value: &str) -> Result<Timestamp, DomainError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Ok(format(at.with_timezone(&Utc)));
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(format(
            day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc(),
        ));
    }
    Err(DomainError::invalid(format!(
        "{field} must be an RFC 3339 time or a YYYY-MM-DD date, not {value:?}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_times_compare_like_stored_ones() {
        let a = parse("since", "2026-01-02").unwrap();
        let b = parse("until", "2026-01-02T00:00:01+00:00").unwrap();
        assert_eq!(a, "2026-01-02T00:00:00.000Z");
        assert!(a < b);
        assert!(parse("since", "yesterday")
            .unwrap_err()
            .to_string()
            .contains("since"));
    }

    #[test]
    fn offsets_are_normalised_to_utc() {
        assert_eq!(
            parse("t", "2026-01-02T03:00:00+02:00").unwrap(),
            "2026-01-02T01:00:00.000Z"
        );
    }
}
