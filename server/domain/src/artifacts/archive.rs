//! What an uploaded archive says about itself: the `Bundle-Version` of its
//! `META-INF/MANIFEST.MF`, and Depot's descriptor `META-INF/depot/artifact.json` (the plugins
//! and app classes it offers, where a Java archive would be scanned for annotations).

use std::io::Read;

use super::model::Classes;

pub const DESCRIPTOR: &str = "META-INF/depot/artifact.json";
const MANIFEST: &str = "META-INF/MANIFEST.MF";

#[derive(Debug, Default)]
pub struct ArchiveFacts {
    pub bundle_version: Option<String>,
    pub classes: Option<Classes>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ArchiveProblem {
    NotZip,
    BadDescriptor(String),
}

/// Reads the archive's manifest and descriptor. Blocking: call it off the async threads.
pub fn inspect(file: impl Read + std::io::Seek) -> Result<ArchiveFacts, ArchiveProblem> {
    let mut archive = zip::ZipArchive::new(file).map_err(|_| ArchiveProblem::NotZip)?;
    let mut facts = ArchiveFacts::default();
    if let Some(manifest) = read_entry(&mut archive, MANIFEST) {
        facts.bundle_version = manifest_value(&manifest, "Bundle-Version");
    }
    if let Some(descriptor) = read_entry(&mut archive, DESCRIPTOR) {
        let classes = serde_json::from_str(&descriptor)
            .map_err(|e| ArchiveProblem::BadDescriptor(format!("{DESCRIPTOR}: {e}")))?;
        facts.classes = Some(classes);
    }
    Ok(facts)
}

fn read_entry(
    archive: &mut zip::ZipArchive<impl Read + std::io::Seek>,
    name: &str,
) -> Option<String> {
    let mut entry = archive.by_name(name).ok()?;
    // Manifests and descriptors are small; a huge one is not read whole.
    let mut text = String::new();
    (&mut entry)
        .take(1024 * 1024)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// A main-section attribute of a JAR manifest: `Name: value`, continued on lines that start
/// with a space.
fn manifest_value(manifest: &str, wanted: &str) -> Option<String> {
    let mut current: Option<(String, String)> = None;
    let mut found = None;
    for line in manifest.lines() {
        if let Some(continued) = line.strip_prefix(' ') {
            if let Some((_, value)) = current.as_mut() {
                value.push_str(continued);
            }
            continue;
        }
        if let Some((name, value)) = current.take() {
            if name.eq_ignore_ascii_case(wanted) {
                found = Some(value);
            }
        }
        if line.trim().is_empty() {
            break; // the main section ends at the first blank line
        }
        if let Some((name, value)) = line.split_once(':') {
            current = Some((name.trim().to_string(), value.trim().to_string()));
        }
    }
    if let Some((name, value)) = current {
        if name.eq_ignore_ascii_case(wanted) {
            found = Some(value);
        }
    }
    found.filter(|v| !v.is_empty())
}

/// `myapp-1.0.0.jar` → (`myapp`, `1.0.0`): the name of a legacy deploy's archive.
pub fn name_and_version_of(file_name: &str) -> Option<(String, String)> {
    let stem = file_name
        .strip_suffix(".jar")
        .or_else(|| file_name.strip_suffix(".zip"))
        .unwrap_or(file_name);
    let split = stem
        .char_indices()
        .filter(|(i, c)| *c == '-' && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        .map(|(i, _)| i)
        .next()?;
    Some((stem[..split].to_string(), stem[split + 1..].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_attributes_with_continuations() {
        let manifest = "Manifest-Version: 1.0\r\nBundle-Version: 1.0\r\n .1\r\nBundle-Name: x\r\n\r\nName: other\r\nBundle-Version: 9\r\n";
        assert_eq!(
            manifest_value(manifest, "Bundle-Version").as_deref(),
            Some("1.0.1")
        );
        assert_eq!(
            manifest_value("Manifest-Version: 1.0\n", "Bundle-Version"),
            None
        );
    }

    #[test]
    fn archive_names_give_name_and_version() {
        assert_eq!(
            name_and_version_of("myapp-1.0.0.jar"),
            Some(("myapp".into(), "1.0.0".into()))
        );
        assert_eq!(
            name_and_version_of("my-app-2.1.0-SNAPSHOT.jar"),
            Some(("my-app".into(), "2.1.0-SNAPSHOT".into()))
        );
        assert_eq!(name_and_version_of("myapp.jar"), None);
    }

    #[test]
    fn a_file_that_is_not_a_zip_is_refused() {
        let path = std::env::temp_dir().join(format!("not-a-jar-{}", std::process::id()));
        std::fs::write(&path, b"plain text").unwrap();
        let result = inspect(std::fs::File::open(&path).unwrap());
        std::fs::remove_file(&path).ok();
        assert_eq!(result.unwrap_err(), ArchiveProblem::NotZip);
    }
}
