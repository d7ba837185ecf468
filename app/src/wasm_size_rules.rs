//! Rules that keep the browser's WebAssembly small, checked over this crate's source. Each names
//! the one file allowed to use what it guards; the files say why (README, "The first page's
//! WebAssembly").

use std::path::{Path, PathBuf};

/// Leptos' default resource codec reads a page's data with a second serde_json reader.
#[test]
fn pages_load_their_data_through_page_data() {
    let default_codec = [
        "Resource::new(",
        "Resource::new_blocking(",
        "ArcResource::new(",
    ];
    assert_eq!(
        files_using(&default_codec, Some("api/page_data.rs")),
        Vec::<PathBuf>::new()
    );
}

/// Each `<Transition>` of its own compiles its own copy of Leptos' suspense code.
#[test]
fn pages_wait_through_one_transition() {
    assert_eq!(
        files_using(&["<Transition"], Some("components/loaded.rs")),
        Vec::<PathBuf>::new()
    );
}

/// Rust's float parser (`str::parse` into an `f64`) brings about 17 KB of code and tables (10 KB
/// of them its powers of five) to the page that uses it: the pages read numbers through
/// serde_json, which they have anyway (`pages::tables::row::json_number`), or as integers.
#[test]
fn pages_parse_no_floats() {
    assert_eq!(
        files_using(&["parse::<f64>", "parse::<f32>"], None),
        Vec::<PathBuf>::new()
    );
}

/// The source files, other than `allowed` (if any file may), that contain any of `patterns`.
fn files_using(patterns: &[&str], allowed: Option<&str>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    files.retain(|path| {
        let text = std::fs::read_to_string(path).unwrap();
        !allowed.is_some_and(|allowed| path.ends_with(allowed))
            && !path.ends_with("wasm_size_rules.rs")
            && patterns.iter().any(|pattern| text.contains(pattern))
    });
    files
}

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}
