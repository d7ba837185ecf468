//! CDAP's artifact versions and version ranges (API.md §4).
//!
//! A version is `major[.minor[.fix]][(.|-)suffix]`. Versions compare numerically part by part (a
//! missing part sorts below any number), then a version without a suffix is greater than one with
//! a suffix, else suffixes compare as text: `1.0.0-SNAPSHOT < 1.0.0 < 1.0.1-SNAPSHOT < 1.0.1`,
//! `1 < 1.0`.

use std::cmp::Ordering;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    text: String,
    numbers: Vec<u64>,
    suffix: Option<String>,
}

impl Version {
    /// `None` when `text` does not start with a number.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let mut numbers = Vec::new();
        let mut rest = text;
        while numbers.len() < 3 {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                break;
            }
            numbers.push(rest[..digits].parse().ok()?);
            rest = &rest[digits..];
            match rest.strip_prefix('.') {
                Some(after)
                    if after.starts_with(|c: char| c.is_ascii_digit()) && numbers.len() < 3 =>
                {
                    rest = after
                }
                _ => break,
            }
        }
        if numbers.is_empty() {
            return None;
        }
        let suffix = match rest {
            "" => None,
            _ => match rest.strip_prefix(['.', '-']) {
                Some(suffix) if !suffix.is_empty() => Some(suffix.to_string()),
                _ => return None,
            },
        };
        Some(Self {
            text: text.to_string(),
            numbers,
            suffix,
        })
    }

    pub fn is_snapshot(&self) -> bool {
        self.suffix
            .as_deref()
            .is_some_and(|s| s.to_ascii_lowercase().starts_with("snapshot"))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        for i in 0..3 {
            // A missing part sorts below any number.
            let ordering = match (self.numbers.get(i), other.numbers.get(i)) {
                (Some(a), Some(b)) => a.cmp(b),
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        match (&self.suffix, &other.suffix) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `[ns:]name[lower,upper)` with `[`/`]` inclusive and `(`/`)` exclusive bounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionRange {
    pub namespace: Option<String>,
    pub name: String,
    pub lower: Version,
    pub lower_inclusive: bool,
    pub upper: Version,
    pub upper_inclusive: bool,
}

impl VersionRange {
    /// Parses a range with CDAP's error texts.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let start = text.find(['[', '(']).ok_or_else(|| {
            "Could not find '[' or '(' indicating start of artifact lower version.".to_string()
        })?;
        let (scoped_name, bounds) = text.split_at(start);
        let (namespace, name) = match scoped_name.split_once(':') {
            Some((namespace, name)) => (Some(namespace.to_string()), name.to_string()),
            None => (None, scoped_name.to_string()),
        };
        if !is_valid_name(&name) {
            return Err(format!("Invalid artifact name '{name}' in range '{text}'."));
        }
        let lower_inclusive = bounds.starts_with('[');
        let end = bounds.len() - 1;
        let upper_inclusive = match bounds.as_bytes()[end] {
            b']' => true,
            b')' => false,
            _ => {
                return Err(
                    "Could not find ']' or ')' indicating end of artifact upper version.".into(),
                )
            }
        };
        let inner = &bounds[1..end];
        let (lower, upper) = inner.split_once(',').ok_or_else(|| {
            "Could not find ',' separating artifact lower and upper versions.".to_string()
        })?;
        let lower = Version::parse(lower)
            .ok_or_else(|| format!("Invalid lower version '{}'.", lower.trim()))?;
        let upper = Version::parse(upper)
            .ok_or_else(|| format!("Invalid upper version '{}'.", upper.trim()))?;
        if lower > upper {
            return Err(format!(
                "Lower version {lower} is greater than upper version {upper}."
            ));
        }
        Ok(Self {
            namespace,
            name,
            lower,
            lower_inclusive,
            upper,
            upper_inclusive,
        })
    }

    pub fn contains(&self, version: &Version) -> bool {
        let above = match version.cmp(&self.lower) {
            Ordering::Greater => true,
            Ordering::Equal => self.lower_inclusive,
            Ordering::Less => false,
        };
        let below = match version.cmp(&self.upper) {
            Ordering::Less => true,
            Ordering::Equal => self.upper_inclusive,
            Ordering::Greater => false,
        };
        above && below
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(namespace) = &self.namespace {
            write!(f, "{namespace}:")?;
        }
        write!(
            f,
            "{}{}{},{}{}",
            self.name,
            if self.lower_inclusive { '[' } else { '(' },
            self.lower,
            self.upper,
            if self.upper_inclusive { ']' } else { ')' }
        )
    }
}

/// Artifact (and namespace and app) names: letters, digits, `-`, `_`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap_or_else(|| panic!("{text} parses"))
    }

    #[test]
    fn versions_order_like_cdap() {
        let ascending = [
            "1",
            "1.0",
            "1.0.0-SNAPSHOT",
            "1.0.0",
            "1.0.1-SNAPSHOT",
            "1.0.1",
            "1.2",
            "2.0.0",
            "10.0.0",
        ];
        for pair in ascending.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert!(
            v("1.0.0-alpha") < v("1.0.0-beta"),
            "suffixes compare as text"
        );
        assert!(v("1.0.0.RC1") < v("1.0.0"));
        assert_eq!(v("1.0.0").cmp(&v("1.0.0")), Ordering::Equal);
    }

    #[test]
    fn snapshots_and_malformed_versions() {
        assert!(v("1.0.0-SNAPSHOT").is_snapshot());
        assert!(v("1.0.0.snapshot-2").is_snapshot());
        assert!(!v("1.0.0").is_snapshot());
        for bad in ["", "abc", "v1.0", "1.0-"] {
            assert!(Version::parse(bad).is_none(), "{bad:?} is not a version");
        }
    }

    #[test]
    fn ranges_with_inclusive_and_exclusive_bounds() {
        let range = VersionRange::parse("myapp[1.0.0,2.0.0)").unwrap();
        assert_eq!(range.name, "myapp");
        assert!(range.contains(&v("1.0.0")));
        assert!(range.contains(&v("1.0.1")));
        assert!(!range.contains(&v("2.0.0")));
        assert!(!range.contains(&v("1.0.0-SNAPSHOT")));
        let closed = VersionRange::parse("system:etl(1.0.0,2.0.0]").unwrap();
        assert_eq!(closed.namespace.as_deref(), Some("system"));
        assert!(!closed.contains(&v("1.0.0")));
        assert!(closed.contains(&v("2.0.0")));
        assert_eq!(closed.to_string(), "system:etl(1.0.0,2.0.0]");
    }

    #[test]
    fn malformed_ranges_say_what_is_wrong() {
        assert_eq!(
            VersionRange::parse("myapp1.0.0,2.0.0)").unwrap_err(),
            "Could not find '[' or '(' indicating start of artifact lower version."
        );
        assert_eq!(
            VersionRange::parse("myapp[2.0.0,1.0.0]").unwrap_err(),
            "Lower version 2.0.0 is greater than upper version 1.0.0."
        );
        assert!(VersionRange::parse("myapp[1.0.0,2.0.0").is_err());
        assert!(VersionRange::parse("myapp[1.0.0]").is_err());
    }
}
