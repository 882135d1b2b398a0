//! The feedparser sanitizer cases: each file is a tiny feed whose text
//! fields (title, summary, content, description, …) carry hostile HTML,
//! escaped, in CDATA or inline as XHTML. This module pulls those HTML
//! fragments out, as a feed parser would hand them to a sanitizer.

use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

/// Feed elements whose content is (possibly) HTML.
const HTML_FIELDS: &[&str] = &[
    "title",
    "subtitle",
    "tagline",
    "summary",
    "content",
    "description",
    "info",
    "copyright",
    "rights",
    "encoded",
    "body",
    "fullitem",
];

/// One sanitizer case: its file name and the HTML fragments inside.
pub struct Case {
    /// The file name, e.g. `entry_content_script.xml`.
    pub name: String,
    /// The HTML of each text field, in document order.
    pub fragments: Vec<String>,
}

/// Read every `*.xml` case under `dir`, sorted by name.
pub fn load(dir: &Path) -> std::io::Result<Vec<Case>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    paths.sort();
    let mut cases = Vec::with_capacity(paths.len());
    for path in paths {
        let text = String::from_utf8_lossy(&std::fs::read(&path)?).into_owned();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        cases.push(Case {
            name,
            fragments: html_fragments(&text),
        });
    }
    Ok(cases)
}

/// The content of each outermost HTML field: its decoded text and CDATA
/// when it has no child elements, else its raw inner XML (inline XHTML).
/// A document quick-xml cannot finish reading yields what was read so far.
pub fn html_fragments(xml: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = false;
    let mut fragments = Vec::new();
    // Inside a field: nesting depth, where its content starts, whether it
    // has child elements, its decoded text.
    let mut field: Option<(usize, usize, bool, String)> = None;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let Ok(event) = reader.read_event() else {
            break;
        };
        let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        match (event, field.as_mut()) {
            (Event::Eof, _) => break,
            (Event::Start(start), None) if HTML_FIELDS.contains(&start.local_name().as_ref()) => {
                field = Some((1, after, false, String::new()));
            }
            (Event::Start(_), Some((depth, _, children, _))) => {
                *depth += 1;
                *children = true;
            }
            (Event::Empty(_), Some((_, _, children, _))) => *children = true,
            (Event::End(_), Some((depth, start, children, text))) => {
                *depth -= 1;
                if *depth == 0 {
                    let fragment = if *children {
                        xml.get(*start..before).unwrap_or_default().to_owned()
                    } else {
                        std::mem::take(text)
                    };
                    if !fragment.trim().is_empty() {
                        fragments.push(fragment);
                    }
                    field = None;
                }
            }
            (Event::Text(t), Some((_, _, _, text))) => text.push_str(&t.xml10_content()),
            (Event::CData(c), Some((_, _, _, text))) => text.push_str(&c.into_inner()),
            (Event::GeneralRef(r), Some((_, _, _, text))) => {
                let name = r.xml10_content();
                match r.resolve_char_ref() {
                    Ok(Some(ch)) => text.push(ch),
                    _ => match resolve_predefined_entity(&name) {
                        Some(s) => text.push_str(s),
                        // An HTML entity (`&nbsp;`): the HTML parser decodes it.
                        None => {
                            text.push('&');
                            text.push_str(&name);
                            text.push(';');
                        }
                    },
                }
            }
            _ => {}
        }
    }
    fragments
}
