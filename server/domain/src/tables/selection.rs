//! A collection request's query parameters, checked against the table: filters, sort keys and
//! paging, sandman2's and Depot's own (API.md §1).

use base64::Engine;
use serde_json::Value;

use super::catalog::Table;
use super::error::{TablesError, TablesResult};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Rows returned when a collection is asked for without `page` or `limit`.
pub const DEFAULT_CAP: u64 = 1000;
pub const MAX_PAGE_SIZE: u64 = 10_000;

#[derive(Clone, Debug, PartialEq)]
pub enum Operator {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    Like,
    ILike,
    In(Vec<String>),
    Null(bool),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    pub column: usize,
    pub operator: Operator,
    pub value: String,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SortKey {
    pub column: usize,
    pub descending: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Paging {
    /// `page=N` (1-based) with `limit` rows a page.
    Page { page: u64, size: u64 },
    /// `limit=M` alone, or the default cap: the first rows.
    First { limit: u64, capped: bool },
    /// `after=<cursor>`: the rows following the cursor's row in the sort order.
    After { cursor: Vec<Value>, limit: u64 },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    pub filters: Vec<Filter>,
    /// `search=`: rows with the text in any column (case-insensitive). Depot's own; a table
    /// with a column named `search` keeps sandman2's meaning (a filter on that column).
    pub search: Option<String>,
    pub sort: Vec<SortKey>,
    pub paging: Paging,
    pub export: bool,
}

fn positive(name: &str, value: &str, max: u64) -> TablesResult<u64> {
    match value.trim().parse::<u64>() {
        Ok(n) if n >= 1 && n <= max => Ok(n),
        _ => Err(TablesError::BadParameter(format!(
            "{name} must be a whole number from 1 to {max}, not {value:?}"
        ))),
    }
}

impl Selection {
    /// Checks `params` (in request order) against `table`.
    pub fn parse(table: &Table, params: &[(String, String)]) -> TablesResult<Self> {
        let mut filters = Vec::new();
        let mut sort = Vec::new();
        let (mut page, mut limit, mut after, mut export, mut search) =
            (None, None, None, false, None);
        for (key, value) in params {
            match key.as_str() {
                "page" => page = Some(positive("page", value, u64::MAX)?),
                "limit" => limit = Some(positive("limit", value, MAX_PAGE_SIZE)?),
                "after" => after = Some(value.clone()),
                "export" => export = true,
                "search" if table.column("search").is_none() => {
                    search = Some(value.clone()).filter(|v| !v.is_empty());
                }
                "sort" => {
                    for part in value.split(',').filter(|p| !p.is_empty()) {
                        let (name, descending) = match part.strip_prefix('-') {
                            Some(name) => (name, true),
                            None => (part, false),
                        };
                        let column = table
                            .column(name)
                            .ok_or_else(|| TablesError::InvalidField(name.to_string()))?;
                        sort.push(SortKey { column, descending });
                    }
                }
                _ => filters.push(parse_filter(table, key, value)?),
            }
        }
        let paging = match (after, page) {
            (Some(_), Some(_)) => {
                return Err(TablesError::BadParameter(
                    "use either page or after, not both".into(),
                ))
            }
            (Some(cursor), None) => Paging::After {
                cursor: decode_cursor(&cursor)?,
                limit: limit.unwrap_or(DEFAULT_PAGE_SIZE),
            },
            (None, Some(page)) => Paging::Page {
                page,
                size: limit.unwrap_or(DEFAULT_PAGE_SIZE),
            },
            (None, None) => match limit {
                Some(limit) => Paging::First {
                    limit,
                    capped: false,
                },
                None => Paging::First {
                    limit: DEFAULT_CAP,
                    capped: true,
                },
            },
        };
        Ok(Self {
            filters,
            search,
            sort,
            paging,
            export,
        })
    }
}

fn parse_filter(table: &Table, key: &str, value: &str) -> TablesResult<Filter> {
    let split = key.rsplit_once("__").and_then(|(name, op)| {
        let operator = match op {
            "gt" => Operator::Gt,
            "gte" => Operator::Gte,
            "lt" => Operator::Lt,
            "lte" => Operator::Lte,
            "ne" => Operator::Ne,
            "like" => Operator::Like,
            "ilike" => Operator::ILike,
            "in" => Operator::In(value.split(',').map(str::to_string).collect()),
            "null" => Operator::Null(true),
            _ => return None,
        };
        table.column(name).map(|column| (column, operator))
    });
    let (column, operator) = match split {
        Some((column, Operator::Null(_))) => {
            let is_null = match value {
                "true" | "1" => true,
                "false" | "0" => false,
                other => {
                    return Err(TablesError::BadParameter(format!(
                        "{key} takes true or false, not {other:?}"
                    )))
                }
            };
            (column, Operator::Null(is_null))
        }
        Some(found) => found,
        None => {
            let column = table
                .column(key)
                .ok_or_else(|| TablesError::InvalidField(key.to_string()))?;
            // sandman2: a value starting with % is a LIKE pattern.
            (
                column,
                if value.starts_with('%') {
                    Operator::Like
                } else {
                    Operator::Eq
                },
            )
        }
    };
    let target = &table.columns[column];
    let compared: Vec<&str> = match &operator {
        Operator::Eq
        | Operator::Ne
        | Operator::Gt
        | Operator::Gte
        | Operator::Lt
        | Operator::Lte => vec![value],
        Operator::In(values) => values.iter().map(String::as_str).collect(),
        Operator::Like | Operator::ILike | Operator::Null(_) => Vec::new(),
    };
    for candidate in compared {
        let fits = if target.kind.is_integer() {
            candidate.trim().parse::<i64>().is_ok()
        } else if target.kind.is_number() {
            candidate.trim().parse::<f64>().is_ok()
        } else {
            true
        };
        if !fits {
            let expected = if target.kind.is_integer() {
                "whole numbers"
            } else {
                "numbers"
            };
            return Err(TablesError::BadParameter(format!(
                "{} takes {expected}, not {candidate:?}",
                target.name
            )));
        }
    }
    Ok(Filter {
        column,
        operator,
        value: value.to_string(),
    })
}

/// The opaque `after=` token: the sort-order values of the last row of a page.
pub fn encode_cursor(values: &[Value]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(values).unwrap_or_default())
}

fn decode_cursor(cursor: &str) -> TablesResult<Vec<Value>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Vec<Value>>(&bytes).ok())
        .ok_or_else(|| {
            TablesError::BadParameter("after must be a cursor taken from a next link".into())
        })
}
