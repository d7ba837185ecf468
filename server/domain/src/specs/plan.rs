//! Planning a revision's pipelines from its spec's outputs: the source is copied first, each
//! derived format is made from it, the ZIP bundles the CSV and JSON, and the package comes last
//! from everything else.

use serde_json::Value;

/// A pipeline as planned, before anything has run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedPipeline {
    pub id: String,
    pub title: String,
    pub dependencies: Vec<String>,
}

/// The pipelines for `dataset_id` (`owner/dataset`), dependencies before dependants. Outputs
/// are taken in spec order; a kind named twice is planned once.
pub fn plan(dataset_id: &str, spec: &Value) -> Vec<PlannedPipeline> {
    let source = format!("{dataset_id}:source");
    let mut pipelines = vec![PlannedPipeline {
        id: source.clone(),
        title: "Copying source data".into(),
        dependencies: vec![],
    }];
    let mut kinds: Vec<String> = Vec::new();
    for output in spec
        .get("outputs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(kind) = output.get("kind").and_then(Value::as_str) {
            if !kinds.iter().any(|k| k == kind) && kind != "source" {
                kinds.push(kind.to_string());
            }
        }
    }
    // The ZIP is made from the other formats, so it is planned after all of them.
    kinds.sort_by_key(|kind| kind == "zip");
    let id_of = |kind: &str| format!("{dataset_id}:{kind}");
    for kind in &kinds {
        let dependencies = if kind == "zip" {
            let formats: Vec<String> = kinds
                .iter()
                .filter(|k| matches!(k.as_str(), "csv" | "json"))
                .map(|k| id_of(k))
                .collect();
            if formats.is_empty() {
                vec![source.clone()]
            } else {
                formats
            }
        } else {
            vec![source.clone()]
        };
        pipelines.push(PlannedPipeline {
            id: id_of(kind),
            title: title_of(kind),
            dependencies,
        });
    }
    let everything: Vec<String> = pipelines.iter().map(|p| p.id.clone()).collect();
    pipelines.push(PlannedPipeline {
        id: dataset_id.to_string(),
        title: "Creating Package".into(),
        dependencies: everything,
    });
    pipelines
}

fn title_of(kind: &str) -> String {
    match kind {
        "csv" => "Creating CSV".into(),
        "json" => "Creating JSON".into(),
        "zip" => "Creating ZIP".into(),
        "preview" => "Creating Preview".into(),
        "report" => "Creating Report".into(),
        other => format!("Creating {}", other.to_uppercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_output_gets_a_pipeline_after_the_source_and_before_the_package() {
        let spec = json!({"outputs": [{"kind": "zip"}, {"kind": "csv"}, {"kind": "json"}, {"kind": "csv"}]});
        let planned = plan("me/ds", &spec);
        let ids: Vec<&str> = planned.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "me/ds:source",
                "me/ds:csv",
                "me/ds:json",
                "me/ds:zip",
                "me/ds"
            ]
        );
        assert_eq!(planned[1].title, "Creating CSV");
        assert_eq!(planned[1].dependencies, ["me/ds:source"]);
        assert_eq!(planned[3].title, "Creating ZIP");
        assert_eq!(planned[3].dependencies, ["me/ds:csv", "me/ds:json"]);
        assert_eq!(planned[4].title, "Creating Package");
        assert_eq!(
            planned[4].dependencies,
            ["me/ds:source", "me/ds:csv", "me/ds:json", "me/ds:zip"]
        );
    }

    #[test]
    fn a_zip_alone_is_made_from_the_source() {
        let planned = plan("me/ds", &json!({"outputs": [{"kind": "zip"}]}));
        assert_eq!(planned[1].dependencies, ["me/ds:source"]);
    }

    #[test]
    fn a_spec_without_outputs_copies_the_source_and_packages_it() {
        let planned = plan("me/ds", &json!({}));
        assert_eq!(planned.len(), 2);
        assert_eq!(planned[0].title, "Copying source data");
    }
}
