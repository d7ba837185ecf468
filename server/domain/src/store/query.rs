//! Building one SQL statement: fixed text, quoted identifiers (from a catalog, never from a
//! caller), and every value bound as a numbered parameter. The one builder of the store and of
//! the attached databases (Tables).

#[derive(Default)]
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

    /// Binds a value as text (numbers are cast back in the SQL: `CAST($n AS BIGINT)`).
    pub fn bind_text(&mut self, value: impl ToString) -> String {
        self.bind(Some(value.to_string()))
    }

    /// The statement with its values bound, for the store's own connections.
    pub fn statement(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        self.args
            .iter()
            .fold(sqlx::query(&self.sql), |query, arg| query.bind(arg.clone()))
    }
}
