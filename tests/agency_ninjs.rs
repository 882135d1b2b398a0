//! IPTC's published ninjs examples (AP, dpa, NTB, TT, SIPA, Business Wire and
//! the specification's own), from `../shared/agency-formats/ninjs/examples`:
//! every text and picture item must read with a title and its content. A
//! clone without `../shared` (or `WIREFEED_AGENCY_FORMATS`) skips these tests,
//! saying so; under `WIREFEED_REQUIRE_ALL=1` (`.ci/run`) they fail instead.

use std::path::PathBuf;
use url::Url;
use wirefeed::parse::agency::ninjs;

#[path = "support/skip.rs"]
mod skip;

fn examples() -> Option<Vec<PathBuf>> {
    let root =
        skip::shared_folder("WIREFEED_AGENCY_FORMATS", "agency-formats").join("ninjs/examples");
    if !root.is_dir() {
        skip::skip_or_fail(&format!(
            "{} is not here (only in the development checkout)",
            root.display()
        ));
        return None;
    }
    let mut files = Vec::new();
    let mut folders = vec![root];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("read the examples folder") {
            let path = entry.expect("folder entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    Some(files)
}

#[test]
fn every_published_ninjs_example_reads_with_a_title_and_content() {
    let Some(files) = examples() else { return };
    assert!(
        files.len() >= 20,
        "expected the 1.4 and 2.1 examples, found {}",
        files.len()
    );
    let mut read = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read an example");
        let value: serde_json::Value = serde_json::from_str(&text).expect("examples are JSON");
        // The schema-extension folder holds schemas, not items.
        if value.get("$schema").is_some() {
            continue;
        }
        let url = Url::from_file_path(path).expect("file url");
        let items =
            ninjs::read(&text, &url).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        for item in items {
            let entry = &item.entry;
            let title = entry.title.as_ref().map_or("", |t| t.content.as_str());
            assert!(!title.trim().is_empty(), "{}: no title", path.display());
            // ninjs-1-4-examples.json shows three properties on an untyped
            // headline-only item: a headline alone is a (flash) story too.
            let typed = value
                .get("type")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t == "text" || t == "picture");
            let has_content =
                entry.content.is_some() || entry.summary.is_some() || !entry.media.is_empty();
            assert!(
                has_content || !typed,
                "{}: neither body, description nor picture",
                path.display()
            );
            assert!(
                !entry.id.is_empty() && entry.id.contains(':'),
                "{}: uri {:?}",
                path.display(),
                entry.id
            );
            read += 1;
        }
    }
    assert!(read >= 20, "read {read} items");
}

#[test]
fn agency_samples_keep_their_pictures_and_rights() {
    let Some(files) = examples() else { return };
    let find = |name: &str| {
        let path = files
            .iter()
            .find(|p| p.ends_with(name))
            .unwrap_or_else(|| panic!("{name} missing"));
        let text = std::fs::read_to_string(path).expect("read");
        ninjs::read(&text, &Url::from_file_path(path).expect("url"))
            .expect("reads")
            .remove(0)
    };
    let ap = find("2.1/ap_image.json");
    let picture = &ap.entry.media[0].content[0];
    assert_eq!(
        (picture.width, picture.height),
        (Some(3000), Some(2208)),
        "AP's full-resolution JPEG"
    );
    assert_eq!(ap.entry.media[0].credits[0].entity, "ASSOCIATED PRESS");
    assert!(
        ap.entry
            .rights
            .as_ref()
            .is_some_and(|r| r.content.contains("editorial use only"))
    );
    let dpa = find("2.1/dpa_text.json");
    assert_eq!(
        dpa.entry.authors[0].name.as_deref(),
        Some("Von Christian Hollmann, dpa")
    );
    assert_eq!(dpa.editorial.urgency, Some(4));
    assert!(
        dpa.entry
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .is_some_and(|b| b.starts_with("<section"))
    );
}
