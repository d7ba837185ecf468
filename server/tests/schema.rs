//! The two migration trees (`migrations/sqlite`, `migrations/postgres`) describe one schema:
//! migrated, SQLite and PostgreSQL have the same tables, columns (by kind of type and
//! nullability), primary keys, foreign keys and indexes — so code written against one store
//! means the same on the other.

mod support;

use std::collections::BTreeSet;

use depot_domain::Store;
use sqlx::Row;
use support::{Backend, TestStore};

/// One fact of a schema, written so that both stores can be compared line by line.
type Facts = BTreeSet<String>;

/// The kind of a declared type: stores name the same kind differently (`INTEGER`, `BIGINT`,
/// `bigint`).
fn kind_of(declared: &str) -> &'static str {
    let declared = declared.to_ascii_lowercase();
    if declared.contains("int") {
        "integer"
    } else if declared.contains("char") || declared.contains("text") {
        "text"
    } else if declared.contains("real") || declared.contains("double") || declared.contains("float")
    {
        "real"
    } else if declared.contains("blob") || declared.contains("bytea") {
        "bytes"
    } else if declared.contains("bool") {
        "boolean"
    } else {
        "other"
    }
}

async fn strings(store: &Store, sql: &str) -> Vec<Vec<String>> {
    sqlx::query(sql)
        .fetch_all(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    row.try_get::<String, _>(i)
                        .or_else(|_| row.try_get::<i64, _>(i).map(|n| n.to_string()))
                        .or_else(|_| row.try_get::<i32, _>(i).map(|n| n.to_string()))
                        .or_else(|_| row.try_get::<bool, _>(i).map(|b| b.to_string()))
                        .unwrap_or_else(|_| "NULL".into())
                })
                .collect()
        })
        .collect()
}

async fn sqlite_schema(store: &Store) -> Facts {
    let mut facts = Facts::new();
    let tables = strings(
        store,
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
    )
    .await;
    for table in tables.iter().map(|row| row[0].clone()) {
        facts.insert(format!("table {table}"));
        let columns = strings(
            store,
            &format!("SELECT name, type, \"notnull\", pk FROM pragma_table_info('{table}') ORDER BY pk, cid"),
        )
        .await;
        let mut key = Vec::new();
        for column in &columns {
            let (name, declared, not_null, pk) = (&column[0], &column[1], &column[2], &column[3]);
            let nullable = if not_null == "1" || pk != "0" {
                "not null"
            } else {
                "null"
            };
            facts.insert(format!(
                "column {table}.{name} {} {nullable}",
                kind_of(declared)
            ));
            if pk != "0" {
                key.push(name.clone());
            }
        }
        if !key.is_empty() {
            facts.insert(format!("primary key {table} ({})", key.join(", ")));
        }
        let references = strings(
            store,
            &format!("SELECT \"table\", \"from\", COALESCE(\"to\", '') FROM pragma_foreign_key_list('{table}') ORDER BY id, seq"),
        )
        .await;
        for reference in references {
            facts.insert(format!(
                "foreign key {table}.{} -> {}.{}",
                reference[1], reference[0], reference[2]
            ));
        }
        let indexes = strings(
            store,
            &format!("SELECT name, \"unique\", origin, partial FROM pragma_index_list('{table}')"),
        )
        .await;
        for index in indexes {
            if index[2] == "pk" {
                continue;
            }
            let columns: Vec<String> = strings(
                store,
                &format!("SELECT COALESCE(name, '<expression>') FROM pragma_index_info('{}') ORDER BY seqno", index[0]),
            )
            .await
            .into_iter()
            .map(|row| row[0].clone())
            .collect();
            facts.insert(index_fact(
                &table,
                index[1] == "1",
                index[3] == "1",
                &columns,
            ));
        }
    }
    facts
}

fn index_fact(table: &str, unique: bool, partial: bool, columns: &[String]) -> String {
    format!(
        "{}index {table} ({}){}",
        if unique { "unique " } else { "" },
        columns.join(", "),
        if partial { " partial" } else { "" }
    )
}

async fn postgres_schema(store: &Store) -> Facts {
    let mut facts = Facts::new();
    let tables = strings(
        store,
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
         AND table_name NOT LIKE '_sqlx%' ORDER BY table_name",
    )
    .await;
    for table in tables.iter().map(|row| row[0].clone()) {
        facts.insert(format!("table {table}"));
        let columns = strings(
            store,
            &format!(
                "SELECT column_name::text, data_type::text, is_nullable::text, \
                 COALESCE(column_default::text, '') FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = '{table}'"
            ),
        )
        .await;
        for column in &columns {
            let (name, declared, nullable, default) =
                (&column[0], &column[1], &column[2], &column[3]);
            let nullable = if nullable == "YES" {
                "null"
            } else {
                "not null"
            };
            facts.insert(format!(
                "column {table}.{name} {} {nullable}",
                kind_of(declared)
            ));
            // Generated keys are IDENTITY columns, not `serial`'s sequence defaults.
            if default.starts_with("nextval(") {
                facts.insert(format!("serial column {table}.{name}"));
            }
        }
        let indexes = strings(
            store,
            &format!(
                "SELECT i.indisprimary::text, i.indisunique::text, (i.indpred IS NOT NULL)::text, \
                 array_to_string(ARRAY(SELECT COALESCE(a.attname::text, '<expression>') \
                   FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                   LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                   ORDER BY k.ord), ',') \
                 FROM pg_index i WHERE i.indrelid = 'public.{table}'::regclass"
            ),
        )
        .await;
        for index in indexes {
            let columns: Vec<String> = index[3].split(',').map(str::to_string).collect();
            if index[0] == "true" {
                facts.insert(format!("primary key {table} ({})", columns.join(", ")));
            } else {
                facts.insert(index_fact(
                    &table,
                    index[1] == "true",
                    index[2] == "true",
                    &columns,
                ));
            }
        }
        let references = strings(
            store,
            &format!(
                "SELECT a.attname::text, target.relname::text, ta.attname::text \
                 FROM pg_constraint c \
                 CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, target_col) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col \
                 JOIN pg_class target ON target.oid = c.confrelid \
                 JOIN pg_attribute ta ON ta.attrelid = c.confrelid AND ta.attnum = k.target_col \
                 WHERE c.contype = 'f' AND c.conrelid = 'public.{table}'::regclass"
            ),
        )
        .await;
        for reference in references {
            facts.insert(format!(
                "foreign key {table}.{} -> {}.{}",
                reference[0], reference[1], reference[2]
            ));
        }
    }
    facts
}

/// SQLite may leave a foreign key's target column unnamed (the referenced table's key is
/// meant); PostgreSQL always names it. Fill it in from the primary keys found.
fn with_named_targets(facts: Facts) -> Facts {
    let keys: Vec<(String, String)> = facts
        .iter()
        .filter_map(|f| f.strip_prefix("primary key "))
        .filter_map(|f| f.split_once(" ("))
        .map(|(table, columns)| (table.to_string(), columns.trim_end_matches(')').to_string()))
        .collect();
    facts
        .into_iter()
        .map(|fact| match fact.strip_suffix('.') {
            Some(unnamed) if unnamed.starts_with("foreign key ") => {
                let target = unnamed.rsplit(" -> ").next().unwrap_or_default();
                let key = keys
                    .iter()
                    .find(|(table, _)| table == target)
                    .map(|(_, key)| key.clone())
                    .unwrap_or_default();
                format!("{unnamed}.{key}")
            }
            _ => fact,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_and_postgresql_migrate_to_the_same_schema() {
    let sqlite = TestStore::new(Backend::Sqlite).await;
    let postgres = TestStore::new(Backend::Postgres).await;
    let on_sqlite = with_named_targets(sqlite_schema(&sqlite.store).await);
    let on_postgres = postgres_schema(&postgres.store).await;

    assert!(
        on_sqlite.iter().filter(|f| f.starts_with("table ")).count() >= 20,
        "the schema was read: {on_sqlite:#?}"
    );
    let only_sqlite: Vec<&String> = on_sqlite.difference(&on_postgres).collect();
    let only_postgres: Vec<&String> = on_postgres.difference(&on_sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the migration trees differ\n  only on SQLite: {only_sqlite:#?}\n  only on PostgreSQL: {only_postgres:#?}"
    );
}
