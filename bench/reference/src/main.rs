//! The reference rows of `bench/run.py` (issue 18): the least a server on this stack can do for
//! Depot's three cheapest answers, so Depot's figures read as a ratio of what the machine allows.
//!
//! ```text
//! bench-reference fixed-json ADDRESS            GET /healthz → {"status":"ok"}
//! bench-reference sqlx ADDRESS chinook.sqlite   GET /artist/{id}, GET /track?page=N
//! ```
//!
//! The sqlx server issues the statements Depot issues for `GET /db/chinook/artist/3` and
//! `GET /db/chinook/track/?page=88` (the row by its key; 21 rows for a page of 20, the largest
//! rowid as an estimate and the exact count) on one pool, and writes each row as a JSON object
//! of its columns — no authentication, metrics, links, ETags or layers.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{Column, Row, SqlitePool, TypeInfo, ValueRef};

fn row_json(row: &SqliteRow) -> Map<String, Value> {
    let mut object = Map::new();
    for (index, column) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(index).expect("a column of the row");
        let value = if raw.is_null() {
            Value::Null
        } else {
            match raw.type_info().name() {
                "INTEGER" => Value::from(row.get::<i64, _>(index)),
                "REAL" => json!(row.get::<f64, _>(index)),
                _ => Value::String(row.get::<String, _>(index)),
            }
        };
        object.insert(column.name().to_string(), value);
    }
    object
}

async fn artist(State(pool): State<SqlitePool>, Path(id): Path<i64>) -> Json<Value> {
    let row = sqlx::query(r#"SELECT "ArtistId", "Name" FROM "Artist" WHERE "ArtistId" = ?"#)
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect("the artist");
    Json(Value::Object(row_json(&row)))
}

async fn tracks(
    State(pool): State<SqlitePool>,
    Query(query): Query<std::collections::HashMap<String, u64>>,
) -> Json<Value> {
    let page = query.get("page").copied().unwrap_or(1).max(1);
    let rows = sqlx::query(
        r#"SELECT "TrackId", "Name", "AlbumId", "MediaTypeId", "GenreId", "Composer", "Milliseconds", "Bytes", "UnitPrice"
           FROM "Track" ORDER BY "TrackId" LIMIT 21 OFFSET ?"#,
    )
    .bind(((page - 1) * 20) as i64)
    .fetch_all(&pool)
    .await
    .expect("the page");
    let _estimate: Option<i64> = sqlx::query_scalar(r#"SELECT MAX(rowid) FROM "Track""#)
        .fetch_one(&pool)
        .await
        .expect("the estimate");
    let total: i64 = sqlx::query_scalar(r#"SELECT COUNT(*) FROM "Track""#)
        .fetch_one(&pool)
        .await
        .expect("the count");
    let resources: Vec<Value> = rows
        .iter()
        .take(20)
        .map(|r| Value::Object(row_json(r)))
        .collect();
    Json(json!({"resources": resources, "total": total}))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, address) = match args.as_slice() {
        [_, mode, address, ..] => (mode.as_str(), address.as_str()),
        _ => panic!("usage: bench-reference fixed-json|sqlx ADDRESS [DATABASE]"),
    };
    let app = match mode {
        "fixed-json" => {
            Router::new().route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        }
        "sqlx" => {
            let file = args.get(3).expect("the SQLite file to read");
            // As Depot opens an attached file: WAL, foreign keys on, eight connections.
            let options = SqliteConnectOptions::new()
                .filename(file)
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await
                .unwrap();
            Router::new()
                .route("/artist/{id}", get(artist))
                .route("/track", get(tracks))
                .with_state(pool)
        }
        other => panic!("unknown mode {other}: fixed-json or sqlx"),
    };
    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
    println!("listening on {}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}
