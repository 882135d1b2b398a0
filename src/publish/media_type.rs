//! The media types of published files, one table for the server and the
//! bucket.

/// The media type of a published file at `path` ('/'-separated, a leading
/// '/' or not; a folder means its index.html): what `[server]` sends and
/// what an object in a bucket is stored with. `None` for anything the
/// publisher does not write.
pub fn media_type(path: &str) -> Option<&'static str> {
    let mut segments = path.rsplit('/');
    let name = segments.next().unwrap_or_default();
    let folder = segments.next().unwrap_or_default();
    let extension = match name.rsplit_once('.') {
        Some((_, extension)) => extension.to_ascii_lowercase(),
        // `/` and folders serve their index.html.
        None if name.is_empty() => "html".to_string(),
        None => return None,
    };
    Some(match extension.as_str() {
        "rss" => "application/rss+xml; charset=utf-8",
        "atom" => "application/atom+xml; charset=utf-8",
        // A ninjs file is one article, not a JSON Feed, and IPTC registers
        // no media type for ninjs: plain JSON is what it is.
        "json" if folder.eq_ignore_ascii_case(super::ninjs::FOLDER) => {
            "application/json; charset=utf-8"
        }
        "json" => "application/feed+json; charset=utf-8",
        "opml" => "text/x-opml; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        _ => return None,
    })
}
