//! Building one SQL statement: fixed text, quoted identifiers from the catalog, and every
//! value bound as a numbered parameter.

pub struct Query {
    pub sql: String,
    pub args: Vec<Option<String>>,
}

impl Query {
    pub fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Binds `value` and returns its placeholder (`$1`, `$2`, …; both backends accept these).
    pub fn bind(&mut self, value: Option<String>) -> String {
        self.args.push(value);
        format!("${}", self.args.len())
    }
}
