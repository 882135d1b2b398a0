//! HTML to plain text, for titles, summaries, word counts and fallbacks.
//!
//! Feeds put markup and entities in titles and descriptions; the article
//! model's `title` and `summary` are plain text with collapsed whitespace.

use std::collections::HashSet;
use std::sync::LazyLock;

use feed_rs::model::Text;
use regex::Regex;

/// Elements whose boundaries separate words ("<p>a</p><p>b</p>" is "a b").
static BLOCK_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)<(/?)(p|div|br|hr|li|ul|ol|dd|dt|h[1-6]|tr|td|th|table|blockquote|figure|figcaption|section|article|header|footer|pre|img)\b",
    )
    .expect("static regex")
});

/// Entities the HTML serializer writes for text nodes; nothing else is escaped.
static SERIALIZED_ENTITY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("&(amp|lt|gt|nbsp|quot);").expect("static regex"));

/// A complete tag (`<b>`, `</p>`, `<img src=x>`) or a character reference.
static MARKUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"</?[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?>|&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);",
    )
    .expect("static regex")
});

/// Keeps text only, dropping what scripts, styles and embeds hold. Built
/// once: building a builder costs more than cleaning a title.
static TAGS_STRIPPED: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder.clean_content_tags(HashSet::from([
        "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
        "textarea", "select",
    ]));
    builder
});

/// Plain text of a text the feed calls plain: many feeds escape markup or
/// entities into titles anyway, so text that holds a complete tag or an
/// entity is read as HTML; anything else ("Why x<y matters") is kept as it is.
pub(crate) fn plain_to_text(text: &str) -> String {
    if MARKUP.is_match(text) {
        html_to_text(text)
    } else {
        collapse_whitespace(text)
    }
}

/// Plain text of a feed text construct (title, summary, rights, media
/// description), by its declared type.
pub(crate) fn text_of(text: &Text) -> String {
    if text
        .content_type
        .as_str()
        .to_ascii_lowercase()
        .starts_with("text/plain")
    {
        plain_to_text(&text.content)
    } else {
        html_to_text(&text.content)
    }
}

/// Plain text of an HTML fragment: tags stripped (scripts and styles with
/// their content), entities decoded, whitespace collapsed to single spaces.
pub(crate) fn html_to_text(html: &str) -> String {
    let spaced = BLOCK_TAG.replace_all(html, " <$1$2");
    let stripped = TAGS_STRIPPED.clean(&spaced).to_string();
    let decoded =
        SERIALIZED_ENTITY.replace_all(&stripped, |caps: &regex::Captures| match &caps[1] {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            _ => " ",
        });
    collapse_whitespace(&decoded)
}

/// Whether the element `name` (lower case, as the sanitizer writes it)
/// separates words: the elements [`BLOCK_TAG`] lists.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "br"
            | "hr"
            | "li"
            | "ul"
            | "ol"
            | "dd"
            | "dt"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "blockquote"
            | "figure"
            | "figcaption"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "pre"
            | "img"
    )
}

/// [`html_to_text`] of HTML that [`super::sanitize::sanitize_html`] wrote,
/// without parsing it again: the sanitizer's serializer quotes every
/// attribute with `"`, escapes `<`, `>` and `&` in text, drops comments and
/// keeps no element whose content is not text, so a scan of tags and of its
/// few entities gives the same words at a fraction of the cost (re-parsing
/// every body was a third of a cold cycle's normalizing).
pub(crate) fn sanitized_to_text(html: &str) -> String {
    let mut text = Collapsed::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(['<', '&']) {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with('<') {
            let end = tag_end(rest);
            let name = rest[1..end]
                .trim_start_matches('/')
                .split(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
                .next()
                .unwrap_or_default();
            if is_block(name) {
                text.push_str(" ");
            }
            rest = &rest[end..];
        } else {
            let entity = [
                ("&amp;", "&"),
                ("&lt;", "<"),
                ("&gt;", ">"),
                ("&quot;", "\""),
                ("&nbsp;", " "),
            ]
            .into_iter()
            .find(|(entity, _)| rest.starts_with(entity));
            match entity {
                Some((entity, decoded)) => {
                    text.push_str(decoded);
                    rest = &rest[entity.len()..];
                }
                None => {
                    text.push_str("&");
                    rest = &rest[1..];
                }
            }
        }
    }
    text.push_str(rest);
    text.text
}

/// Text with every run of whitespace written as one space, none leading or
/// trailing: [`collapse_whitespace`] as the text is written.
struct Collapsed {
    text: String,
    space_pending: bool,
}

impl Collapsed {
    fn with_capacity(capacity: usize) -> Collapsed {
        Collapsed {
            text: String::with_capacity(capacity),
            space_pending: false,
        }
    }

    fn push_str(&mut self, part: &str) {
        for c in part.chars() {
            if c.is_whitespace() {
                self.space_pending = true;
            } else {
                if self.space_pending && !self.text.is_empty() {
                    self.text.push(' ');
                }
                self.space_pending = false;
                self.text.push(c);
            }
        }
    }
}

/// The byte just past the `>` closing the tag `tag` starts with, skipping
/// `>` inside quoted attribute values; the end of `tag` if it never closes.
fn tag_end(tag: &str) -> usize {
    let mut quoted = false;
    for (at, byte) in tag.bytes().enumerate() {
        match byte {
            b'"' => quoted = !quoted,
            b'>' if !quoted => return at + 1,
            _ => {}
        }
    }
    tag.len()
}

/// Every run of whitespace becomes one space; leading and trailing removed.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to at most `max_chars` characters (plus "…"), at a word boundary
/// when one is reasonably close. Text that fits is returned as it is.
pub(crate) fn truncate_at_word(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max_chars).collect();
    // Cut at the last space unless that throws away more than half the text
    // (one very long "word", a URL).
    let cut = match cut.rfind(char::is_whitespace) {
        Some(at) if at >= cut.len() / 2 => &cut[..at],
        _ => cut.as_str(),
    };
    let cut = cut.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—')
    });
    format!("{cut}…")
}

/// A plain-text body as HTML: escaped, blank lines make paragraphs, single
/// newlines make `<br>`.
pub(crate) fn plain_to_html(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|para| !para.is_empty())
        .map(|para| {
            let escaped = para
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!("<p>{}</p>", escaped.replace('\n', "<br>"))
        })
        .collect()
}

/// Words for reading time: whitespace-separated runs that contain a letter or digit.
pub(crate) fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_stripped_and_entities_decoded() {
        assert_eq!(
            html_to_text("<p>Tom &amp; Jerry&nbsp;&lt;3</p><p>Second&#8217;s <b>bold</b></p>"),
            "Tom & Jerry <3 Second\u{2019}s bold"
        );
    }

    #[test]
    fn script_content_and_handlers_never_reach_plain_text() {
        let text = html_to_text(
            r#"<script>alert(1)</script><img src=x onerror="alert(2)">Breaking <a href="javascript:x()">news</a>"#,
        );
        assert_eq!(text, "Breaking news");
    }

    #[test]
    fn sanitized_bodies_read_as_the_parsing_conversion_reads_them() {
        let base = url::Url::parse("https://example.org/news/").unwrap();
        let bodies = [
            "<p>Tom &amp; Jerry&nbsp;&lt;3</p><p>Second&#8217;s <b>bold</b></p>",
            r#"<p title="a > b &quot;c&quot;">Quoted <a href="/x?a=1&b=2">link</a></p>"#,
            "<ul><li>one</li><li>two</li></ul><table><tr><td>x</td><td>y</td></tr></table>",
            "line<br>break<hr/>rule<img src=a.png alt='x > y'>after",
            "<h2>Head</h2>Text <script>alert(1)</script>more <style>p{}</style>end",
            "Fish &amp chips &unknown; AT&T <3 a>b",
            "<div><figure><img src=x><figcaption>Caption</figcaption></figure>Body</div>",
            "<p>صورة <b>غزة</b></p><p dir=\"rtl\">نص</p>",
            "unclosed <b>bold <i>both",
        ];
        for body in bodies {
            let sanitized = crate::normalize::sanitize::sanitize_html(body, Some(&base));
            assert_eq!(
                sanitized_to_text(&sanitized),
                html_to_text(&sanitized),
                "{sanitized}"
            );
        }
    }

    #[test]
    fn a_tag_ends_at_the_first_unquoted_bracket() {
        assert_eq!(sanitized_to_text(r#"a<img alt="1 > 0">b"#), "a b");
        assert_eq!(sanitized_to_text("a<em>b</em>c"), "abc");
        assert_eq!(sanitized_to_text("a<p"), "a");
    }

    #[test]
    fn plain_text_is_read_as_html_only_when_it_holds_markup() {
        assert_eq!(plain_to_text("Why x<y matters"), "Why x<y matters");
        assert_eq!(plain_to_text("AT&T  profits"), "AT&T profits");
        assert_eq!(
            plain_to_text("<script>alert(1)</script>Gaza &amp; aid"),
            "Gaza & aid"
        );
        assert_eq!(plain_to_text("Gaza &amp; aid"), "Gaza & aid");
    }

    #[test]
    fn long_text_is_cut_at_a_word_boundary_with_ellipsis() {
        assert_eq!(truncate_at_word("one two three four", 12), "one two…");
        assert_eq!(truncate_at_word("short", 12), "short");
        assert_eq!(truncate_at_word("abcdefghijklmnop", 5), "abcde…");
    }

    #[test]
    fn plain_text_body_becomes_escaped_paragraphs() {
        assert_eq!(
            plain_to_html("a <b>\nc\n\n d & e "),
            "<p>a &lt;b&gt;<br>c</p><p>d &amp; e</p>"
        );
    }

    #[test]
    fn word_count_ignores_punctuation_only_tokens() {
        assert_eq!(word_count("Hello — world , again"), 3);
    }
}
