//! A version's plugins: set for third-party archives, and the extensions a version sees.

use super::*;

/// Replaces the plugin list of a version (to describe third-party archives).
pub async fn set_plugins(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    version: &str,
    plugins: Vec<PluginClass>,
) -> DomainResult<()> {
    update_own(
        store,
        actor,
        namespace,
        name,
        version,
        "set plugins",
        |stored| {
            let classes = Classes {
                apps: stored.classes.apps.clone(),
                plugins: plugins.clone(),
            };
            check_classes(&classes)?;
            stored.classes = classes;
            Ok(())
        },
    )
    .await
}

/// The plugins an artifact version sees: its own, and those of every artifact (of this
/// namespace or system) whose parent ranges contain this version.
pub async fn extensions(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    version: &str,
) -> DomainResult<Vec<PluginSummary>> {
    let mut conn = store.reading_as(actor).await?;
    namespace_exists(&mut conn, namespace).await?;
    let target = resolve(&mut conn, namespace, name, version)
        .await
        .map_err(|_| not_found(name, version))?;
    let target_version = target.parsed_version();
    let mut plugins = Vec::new();
    for candidate in visible(&mut conn, namespace).await? {
        let extends_target = candidate.parents.iter().any(|text| {
            VersionRange::parse(text).is_ok_and(|range| {
                range.name == target.name
                    && range.namespace.as_deref().unwrap_or(&candidate.namespace)
                        == target.namespace
                    && range.contains(&target_version)
            })
        });
        let is_target = candidate.namespace == target.namespace
            && candidate.name == target.name
            && candidate.version == target.version;
        if !(extends_target || is_target) {
            continue;
        }
        for plugin in &candidate.classes.plugins {
            plugins.push(PluginSummary {
                name: plugin.name.clone(),
                kind: plugin.kind.clone(),
                description: plugin.description.clone(),
                class_name: plugin.class_name.clone(),
                artifact: candidate.reference(),
                properties: Some(plugin.properties.clone()),
            });
        }
    }
    Ok(plugins)
}

/// The plugin types an artifact version sees, sorted.
pub fn plugin_types(plugins: &[PluginSummary]) -> Vec<String> {
    let mut types: Vec<String> = plugins.iter().map(|p| p.kind.clone()).collect();
    types.sort();
    types.dedup();
    types
}

/// Every plugin of `kind` (named `name`, when given) that any artifact of the namespace or
/// system offers: the design document's namespace-wide form.
pub async fn namespace_plugins(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    kind: &str,
    name: &str,
) -> DomainResult<Vec<PluginSummary>> {
    let mut conn = store.reading_as(actor).await?;
    namespace_exists(&mut conn, namespace).await?;
    let mut found = Vec::new();
    for artifact in visible(&mut conn, namespace).await? {
        for plugin in artifact
            .classes
            .plugins
            .iter()
            .filter(|p| p.kind == kind && p.name == name)
        {
            found.push(PluginSummary {
                name: plugin.name.clone(),
                kind: plugin.kind.clone(),
                description: plugin.description.clone(),
                class_name: plugin.class_name.clone(),
                artifact: artifact.reference(),
                properties: Some(plugin.properties.clone()),
            });
        }
    }
    Ok(found)
}
