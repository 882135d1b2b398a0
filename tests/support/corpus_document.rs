//! A corpus file as the cycle would get it: shared by `tests/corpus.rs` and
//! `benches/corpus`, so the bench reads what the test checks.

use std::path::Path;

use wirefeed::fetch::Document;

/// The file at `path` as a fetched document. feedparser's `http_*` cases
/// carry their HTTP headers in a leading comment; their Content-Type is
/// passed on as a server would send it.
pub fn document(path: &Path) -> std::io::Result<Document> {
    let body = std::fs::read(path)?;
    let is_http_case = path
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.contains("http_"));
    let content_type = is_http_case
        .then(|| simulated_content_type(&body))
        .flatten();
    let absolute = std::path::absolute(path)?;
    Ok(Document {
        url: url::Url::from_file_path(&absolute)
            .map_err(|()| std::io::Error::other("not an absolute path"))?,
        body,
        content_type,
    })
}

/// The `Header: Content-Type: …` line of a feedparser HTTP case.
fn simulated_content_type(body: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&body[..body.len().min(1024)]);
    head.lines().find_map(|line| {
        let header = line.trim().strip_prefix("Header:")?.trim();
        let (name, value) = header.split_once(':')?;
        name.eq_ignore_ascii_case("content-type")
            .then(|| value.trim().to_string())
    })
}
