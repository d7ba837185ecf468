//! The JSON Schema every uploaded spec must satisfy, published at `GET /source/schema` so
//! clients can check a spec before sending it. `schedule` is checked by [`super::schedule`]
//! instead, so its errors keep specstore's texts.

use std::sync::LazyLock;

use serde_json::{json, Value};

const NAME_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$";
/// Inputs and outputs a spec may list: each output is a pipeline in every revision.
const MAX_ITEMS: usize = 64;

pub fn document() -> &'static Value {
    static SCHEMA: LazyLock<Value> = LazyLock::new(|| {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "/source/schema",
            "title": "Source spec",
            "description": "A DataHQ source spec as Depot's Specs surface accepts it at POST /source/upload.",
            "type": "object",
            "required": ["meta"],
            "properties": {
                "meta": {
                    "type": "object",
                    "required": ["ownerid", "dataset"],
                    "properties": {
                        "ownerid": {"type": "string", "pattern": NAME_PATTERN,
                                    "not": {"enum": ["upload", "update", "schema"]},
                                    "description": "The owner's user id; a token's userid must equal it. upload, update and schema name routes of /source/."},
                        "owner": {"type": "string", "description": "The owner's display name."},
                        "dataset": {"type": "string", "pattern": NAME_PATTERN,
                                    "description": "The dataset's name, unique per owner."},
                        "version": {"type": ["integer", "string"]},
                        "findability": {"enum": ["published", "unlisted", "private"]}
                    }
                },
                "inputs": {
                    "type": "array",
                    "maxItems": MAX_ITEMS,
                    "items": {
                        "type": "object",
                        "required": ["kind"],
                        "properties": {
                            "kind": {"type": "string", "minLength": 1},
                            "url": {"type": "string", "minLength": 1},
                            "parameters": {"type": "object"}
                        }
                    }
                },
                "outputs": {
                    "type": "array",
                    "maxItems": MAX_ITEMS,
                    "items": {
                        "type": "object",
                        "required": ["kind"],
                        "properties": {
                            "kind": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,39}$",
                                     "description": "zip, csv, json, report, preview, …"}
                        }
                    }
                },
                "schedule": {"description": "every N followed by s, m, h, d or w; at least one minute, e.g. \"every 1d\"."}
            }
        })
    });
    &SCHEMA
}

/// Every way `spec` breaks the schema, each naming the field (`meta.dataset: …`).
pub fn violations(spec: &Value) -> Vec<String> {
    static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
        jsonschema::validator_for(document()).expect("the spec schema is a valid JSON Schema")
    });
    VALIDATOR
        .iter_errors(spec)
        .map(|error| format!("{}: {error}", field_name(&error.instance_path.to_string())))
        .collect()
}

/// `/inputs/0/url` → `inputs[0].url`; the whole document is `spec`.
fn field_name(pointer: &str) -> String {
    let mut name = String::new();
    for part in pointer.split('/').skip(1) {
        if part.chars().all(|c| c.is_ascii_digit()) && !part.is_empty() {
            name.push_str(&format!("[{part}]"));
        } else {
            if !name.is_empty() {
                name.push('.');
            }
            name.push_str(&part.replace("~1", "/").replace("~0", "~"));
        }
    }
    if name.is_empty() {
        "spec".into()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_spec_passes() {
        let spec = json!({"meta": {"ownerid": "me", "dataset": "ds", "version": 1, "findability": "published"},
                          "inputs": [{"kind": "datapackage", "url": "http://x/datapackage.json", "parameters": {}}],
                          "outputs": [{"kind": "zip"}], "schedule": "every 1d"});
        assert_eq!(violations(&spec), Vec::<String>::new());
    }

    #[test]
    fn errors_name_the_field() {
        let spec = json!({"meta": {"ownerid": "me", "dataset": 7}, "inputs": [{"kind": "x", "url": ""}],
                          "outputs": [{"kind": "Bad Kind"}]});
        let errors = violations(&spec);
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("meta.dataset: 7 is not of type")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.starts_with("inputs[0].url: ")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.starts_with("outputs[0].kind: ")),
            "{errors:?}"
        );
        let missing = violations(&json!({"meta": {"ownerid": "me"}}));
        assert_eq!(missing, ["meta: \"dataset\" is a required property"]);
        let outputs: Vec<Value> = (0..65).map(|i| json!({"kind": format!("k{i}")})).collect();
        let many =
            violations(&json!({"meta": {"ownerid": "me", "dataset": "ds"}, "outputs": outputs}));
        assert_eq!(many.len(), 1);
        assert!(many[0].starts_with("outputs: "), "{many:?}");
    }
}
