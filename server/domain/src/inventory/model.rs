//! Entities and their typed attributes.

use chrono::NaiveDateTime;
use serde_json::Value;

use super::error::{InventoryError, InventoryResult};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entity {
    pub id: i64,
    pub name: String,
    pub driver: String,
    pub kind: String,
}

impl Entity {
    /// clusto's compact form: `/driver/name`.
    pub fn path(&self) -> String {
        format!("/{}/{}", self.driver, self.name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Datatype {
    Int,
    String,
    Datetime,
    Relation,
    Json,
}

impl Datatype {
    pub fn parse(value: &str) -> InventoryResult<Self> {
        Ok(match value {
            "int" => Self::Int,
            "string" => Self::String,
            "datetime" => Self::Datetime,
            "relation" => Self::Relation,
            "json" => Self::Json,
            other => {
                return Err(InventoryError::Invalid(format!(
                    "{other} is not a valid datatype. datatypes include: ('int', 'string', 'datetime', 'relation', 'json')"
                )))
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Int => "int",
            Self::String => "string",
            Self::Datetime => "datetime",
            Self::Relation => "relation",
            Self::Json => "json",
        }
    }
}

/// One attribute as clusto shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub key: String,
    pub subkey: Option<String>,
    pub number: Option<i64>,
    pub datatype: Datatype,
    pub value: Value,
}

fn casting_error(
    value: &str,
    datatype: Datatype,
    reason: impl std::fmt::Display,
) -> InventoryError {
    InventoryError::Invalid(format!(
        "Error casting {value} into a(n) {}: {reason}",
        datatype.as_str()
    ))
}

/// clusto's default datetime mask, in Python's notation.
pub const DEFAULT_MASK: &str = "%Y-%m-%dT%H:%M:%S.%f";

/// Python's `strptime` mask in chrono's notation: `%f` is microseconds there.
fn chrono_mask(mask: &str) -> String {
    mask.replace(".%f", "%.f").replace("%f", "%6f")
}

/// Python's `datetime.isoformat()`: microseconds only when there are some.
pub fn isoformat(at: NaiveDateTime) -> String {
    let micros = at.and_utc().timestamp_subsec_micros();
    if micros == 0 {
        at.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        format!("{}.{micros:06}", at.format("%Y-%m-%dT%H:%M:%S"))
    }
}

/// The text stored for `value` of `datatype` (relations are resolved by the service).
pub fn cast(value: &str, datatype: Datatype, mask: Option<&str>) -> InventoryResult<String> {
    match datatype {
        Datatype::Int => value
            .trim()
            .parse::<i64>()
            .map(|n| n.to_string())
            .map_err(|_| {
                casting_error(
                    value,
                    datatype,
                    format!("invalid literal for int() with base 10: '{value}'"),
                )
            }),
        Datatype::String | Datatype::Relation => Ok(value.to_string()),
        Datatype::Datetime => {
            let mask = mask.unwrap_or(DEFAULT_MASK);
            let format = chrono_mask(mask);
            NaiveDateTime::parse_from_str(value, &format)
                .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(value, &format)
                        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight"))
                })
                .map(isoformat)
                .map_err(|_| {
                    casting_error(
                        value,
                        datatype,
                        format!("time data '{value}' does not match format '{mask}'"),
                    )
                })
        }
        Datatype::Json => serde_json::from_str::<Value>(value)
            .map(|v| v.to_string())
            .map_err(|e| casting_error(value, datatype, e)),
    }
}

/// The JSON value of stored text.
pub fn stored_value(datatype: Datatype, text: Option<&str>, relation: Option<String>) -> Value {
    match (datatype, text) {
        (Datatype::Relation, _) => relation.map(Value::String).unwrap_or(Value::Null),
        (_, None) => Value::Null,
        (Datatype::Int, Some(t)) => t.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
        (Datatype::Json, Some(t)) => serde_json::from_str(t).unwrap_or(Value::Null),
        (_, Some(t)) => Value::String(t.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_cast_like_clusto() {
        assert_eq!(cast("6", Datatype::Int, None).unwrap(), "6");
        assert_eq!(
            cast("x", Datatype::Int, None).unwrap_err().to_string(),
            "Error casting x into a(n) int: invalid literal for int() with base 10: 'x'"
        );
        assert_eq!(
            cast("1991-07-09T14:46:51.321435", Datatype::Datetime, None).unwrap(),
            "1991-07-09T14:46:51.321435"
        );
        assert_eq!(
            cast("2015-01-02", Datatype::Datetime, Some("%Y-%m-%d"))
                .unwrap_or_else(|e| e.to_string()),
            "2015-01-02T00:00:00"
        );
        assert!(cast("{bad", Datatype::Json, None).is_err());
        assert!(Datatype::parse("float")
            .unwrap_err()
            .to_string()
            .starts_with("float is not a valid datatype"));
    }
}
