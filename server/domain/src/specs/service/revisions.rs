//! Reading owners, datasets and revisions.

use super::*;

/// Which revision a path names: a number, `latest`, or `successful`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Number(i64),
    Latest,
    Successful,
}

impl Which {
    pub fn parse(text: &str) -> DomainResult<Self> {
        match text {
            "latest" => Ok(Self::Latest),
            "successful" => Ok(Self::Successful),
            number => match number.parse::<i64>() {
                Ok(n) if n > 0 => Ok(Self::Number(n)),
                _ => Err(DomainError::invalid(format!(
                    "revision must be a number from 1, latest or successful, not {text:?}"
                ))),
            },
        }
    }
}

pub async fn revision(
    store: &Store,
    actor: &Actor,
    owner: &str,
    dataset: &str,
    which: Which,
) -> DomainResult<Revision> {
    actor.require_read()?;
    let dataset_id = format!("{owner}/{dataset}");
    // One snapshot for the revision, its pipelines and its dispatch: an event committed in
    // between cannot show half of itself.
    let mut conn = store.begin_read().await?;
    dataset_exists(&mut conn, &dataset_id).await?;
    let (condition, number) = match which {
        Which::Number(n) => ("revision = $2", Some(n)),
        Which::Latest => ("1 = 1", None),
        Which::Successful => ("state = 'SUCCEEDED'", None),
    };
    let sql = format!(
        "SELECT * FROM spec_revisions WHERE dataset_id = $1 AND {condition} \
         ORDER BY revision DESC LIMIT 1"
    );
    let mut query = sqlx::query(&sql).bind(&dataset_id);
    if let Some(n) = number {
        query = query.bind(n);
    }
    let row = query.fetch_optional(&mut *conn).await?.ok_or_else(|| {
        DomainError::not_found(match which {
            Which::Number(n) => format!("dataset {dataset_id} has no revision {n}"),
            Which::Latest => format!("dataset {dataset_id} has no revision"),
            Which::Successful => format!("dataset {dataset_id} has no successful revision"),
        })
    })?;
    revision_from(&mut conn, &row).await
}

async fn dataset_exists(conn: &mut AnyConnection, dataset_id: &str) -> DomainResult<()> {
    sqlx::query("SELECT 1 FROM spec_datasets WHERE id = $1")
        .bind(dataset_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|_| ())
        .ok_or_else(|| DomainError::not_found(format!("no dataset {dataset_id}")))
}

async fn revision_from(conn: &mut AnyConnection, row: &AnyRow) -> DomainResult<Revision> {
    let dataset_id: String = row.try_get("dataset_id")?;
    let number: i64 = row.try_get("revision")?;
    let flow_id = format!("{dataset_id}/{number}");
    let pipelines = pipelines_of(conn, &dataset_id, number).await?;
    let dispatch = outbox::status(conn, &flow_id).await?;
    let newest: i64 =
        sqlx::query_scalar("SELECT MAX(revision) FROM spec_revisions WHERE dataset_id = $1")
            .bind(&dataset_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Revision {
        flow_id,
        dataset_id,
        revision: number,
        state: state_from(row)?,
        cause: row.try_get("cause")?,
        created_by: row.try_get("created_by")?,
        created: row.try_get("created_at")?,
        modified: row.try_get("updated_at")?,
        spec: json_column(row, "spec")?,
        logs: json_column(row, "logs")?,
        error_log: json_column(row, "error_log")?,
        stats: json_column(row, "stats")?,
        pipelines,
        dispatch,
        superseded_by: (newest > number).then_some(newest),
    })
}

fn state_from(row: &AnyRow) -> DomainResult<RevisionState> {
    let state: String = row.try_get("state")?;
    RevisionState::parse(&state)
        .ok_or_else(|| DomainError::Internal(format!("stored revision state {state:?}")))
}

pub async fn owners(store: &Store, actor: &Actor) -> DomainResult<Vec<OwnerSummary>> {
    actor.require_read()?;
    let rows =
        sqlx::query("SELECT owner, datasets FROM spec_owners WHERE datasets > 0 ORDER BY owner")
            .fetch_all(store.pool())
            .await?;
    rows.iter()
        .map(|row| {
            Ok(OwnerSummary {
                owner: row.try_get("owner")?,
                datasets: row.try_get("datasets")?,
            })
        })
        .collect()
}

const DATASET_COLUMNS: &str = "d.id, d.owner, d.name, d.spec, d.updated_at, d.schedule, \
     d.next_run_at, d.last_revision, \
     (SELECT r.state FROM spec_revisions r WHERE r.dataset_id = d.id \
      ORDER BY r.revision DESC LIMIT 1) AS latest_state";

pub async fn datasets(
    store: &Store,
    actor: &Actor,
    owner: &str,
) -> DomainResult<Vec<DatasetSummary>> {
    actor.require_read()?;
    let rows = sqlx::query(&format!(
        "SELECT {DATASET_COLUMNS} FROM spec_datasets d WHERE d.owner = $1 ORDER BY d.name"
    ))
    .bind(owner)
    .fetch_all(store.pool())
    .await?;
    if rows.is_empty() {
        return Err(DomainError::not_found(format!(
            "owner {owner} has no datasets"
        )));
    }
    rows.iter().map(dataset_summary_from).collect()
}

fn dataset_summary_from(row: &AnyRow) -> DomainResult<DatasetSummary> {
    let latest: Option<String> = row.try_get("latest_state")?;
    Ok(DatasetSummary {
        id: row.try_get("id")?,
        owner: row.try_get("owner")?,
        name: row.try_get("name")?,
        revisions: row.try_get("last_revision")?,
        latest_state: latest.as_deref().and_then(RevisionState::parse),
        schedule: row.try_get("schedule")?,
        next_run: row.try_get("next_run_at")?,
        updated: row.try_get("updated_at")?,
    })
}

pub async fn dataset(
    store: &Store,
    actor: &Actor,
    owner: &str,
    name: &str,
) -> DomainResult<Dataset> {
    actor.require_read()?;
    let dataset_id = format!("{owner}/{name}");
    let mut conn = store.begin_read().await?;
    let row = sqlx::query(&format!(
        "SELECT {DATASET_COLUMNS} FROM spec_datasets d WHERE d.id = $1"
    ))
    .bind(&dataset_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| DomainError::not_found(format!("no dataset {dataset_id}")))?;
    let rows = sqlx::query(
        "SELECT revision, state, cause, created_by, created_at, updated_at FROM spec_revisions \
         WHERE dataset_id = $1 ORDER BY revision DESC",
    )
    .bind(&dataset_id)
    .fetch_all(&mut *conn)
    .await?;
    let revisions = rows
        .iter()
        .map(|r| {
            let number: i64 = r.try_get("revision")?;
            Ok(RevisionSummary {
                revision: number,
                flow_id: format!("{dataset_id}/{number}"),
                state: state_from(r)?,
                cause: r.try_get("cause")?,
                created_by: r.try_get("created_by")?,
                created: r.try_get("created_at")?,
                modified: r.try_get("updated_at")?,
            })
        })
        .collect::<DomainResult<Vec<_>>>()?;
    Ok(Dataset {
        summary: dataset_summary_from(&row)?,
        spec: json_column(&row, "spec")?,
        revisions,
    })
}
