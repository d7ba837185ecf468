//! The system artifacts folder, loaded into the `system` namespace.

use super::*;

/// Loads every `*.jar`/`*.zip` of the system artifacts folder into the `system` namespace:
/// name and version from the file name (`name-1.0.0.jar`), or the manifest's Bundle-Version; a
/// sibling `name-1.0.0.json` may give `parents`, `plugins` and `properties`. Safe to run from
/// several processes at once. Returns how many versions were added or replaced. Whether a
/// folder is configured is told only to an admin.
pub async fn load_system_folder(
    store: &Store,
    blobs: &BlobStore,
    actor: &Actor,
    folder: Option<&Path>,
) -> DomainResult<usize> {
    actor.require_admin()?;
    let folder = folder.ok_or_else(|| {
        DomainError::invalid("No system artifacts folder is configured (--system-artifacts DIR).")
    })?;
    let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| {
            DomainError::invalid(format!(
                "cannot read the system artifacts folder {}: {e}",
                folder.display()
            ))
        })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("jar" | "zip")
            )
        })
        .collect();
    entries.sort();
    let mut changed = 0;
    for path in entries {
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let (name, version) = archive::name_and_version_of(&file_name)
            .map(|(n, v)| (n, Some(v)))
            .unwrap_or_else(|| {
                (
                    file_name
                        .trim_end_matches(".jar")
                        .trim_end_matches(".zip")
                        .to_string(),
                    None,
                )
            });
        check_name("artifact", &name)?;
        let settings: BTreeMap<String, Value> =
            match std::fs::read_to_string(path.with_extension("json")) {
                Ok(text) => serde_json::from_str(&text).map_err(|e| {
                    DomainError::invalid(format!("{}: {e}", path.with_extension("json").display()))
                })?,
                Err(_) => BTreeMap::new(),
            };
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| DomainError::invalid(format!("cannot read {}: {e}", path.display())))?;
        let blob = blobs.put(file).await?;
        let headers = UploadHeaders {
            version,
            extends: settings
                .get("parents")
                .and_then(Value::as_array)
                .map(|parents| {
                    parents
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("/")
                }),
            plugins: settings.get("plugins").map(Value::to_string),
        };
        let mut new = prepare(blobs, SYSTEM, &name, blob, &headers)
            .await
            .map_err(|e| DomainError::invalid(format!("system artifact {file_name}: {e}")))?;
        if let Some(Value::Object(properties)) = settings.get("properties") {
            new.properties = properties.clone();
        }
        let mut tx = store.begin_write().await?;
        if insert(&mut tx, actor, &new).await? {
            changed += 1;
        }
        tx.commit().await?;
    }
    Ok(changed)
}
