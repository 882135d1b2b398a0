//! Salvage of a feed whose XML is broken in the ways publishers break it, by one pass
//! over the text that copies it with each fault mended.
//!
//! Mended, and nothing else:
//!
//! - junk before the XML (a PHP warning, a stray BOM, text) up to the `<?xml`
//!   declaration or the root element;
//! - bare ampersands, HTML named entities and forbidden control characters, in text
//!   and attribute values (`references`), and a bare `<` that cannot start markup;
//! - a truncated end: a cut tag is dropped, an unterminated CDATA section or comment
//!   is closed, and the elements left open are closed. The item or entry the
//!   truncation cut is dropped, so that half a headline or half a story is never
//!   published as if whole; a document cut before its first complete item stays
//!   unreadable rather than becoming an empty feed that hides the fault;
//! - element and attribute prefixes used without a declaration get their customary
//!   namespace on the root element (`prefixes`).
//!
//! Anything else wrong with the structure (an end tag that closes another element,
//! a broken tag in the middle) is not guessed at: the document stays unreadable and
//! feed-rs's error is reported. The pass copies CDATA, comments and processing
//! instructions as they are, except for forbidden characters, because nothing in
//! them is markup or a reference.

use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use super::references::{self, Context};
use super::{Fixes, prefixes};
use crate::parse::sniff;

/// Local names of the elements that hold one story (RSS `item`, Atom `entry`).
const STORY_ELEMENTS: [&str; 2] = ["item", "entry"];

/// How far into the text an XML declaration is looked for behind junk.
const DECLARATION_WINDOW: usize = 4096;

/// The repaired text and what was mended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Salvaged {
    pub text: String,
    pub fixes: Fixes,
}

/// Why a text could not be salvaged.
pub(super) type Unsalvageable = &'static str;

/// `text` with every fault this module mends mended, or why it cannot be (which
/// includes "nothing to mend": then the fault is one we do not guess at).
pub(super) fn salvage(text: &str) -> Result<Salvaged, Unsalvageable> {
    let (start, junk) = markup_start(text).ok_or("no XML markup to salvage")?;
    let mut scanner = Scanner {
        text,
        pos: start,
        out: String::with_capacity(text.len() + 64),
        stack: Vec::new(),
        declared_entities: HashSet::new(),
        undeclared_prefixes: BTreeSet::new(),
        root_attributes_end: None,
        complete_stories: 0,
        fixes: Fixes {
            junk_before_xml: junk,
            ..Fixes::default()
        },
    };
    scanner.run()?;
    scanner.finish()
}

/// An element open at the current position.
struct Frame {
    /// The qualified name as written (`dc:creator`).
    name: String,
    /// Where its start tag begins in the output.
    out_start: usize,
    /// The prefixes its start tag declares (`""` for a default namespace).
    declares: Vec<String>,
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    out: String,
    stack: Vec<Frame>,
    /// Entities the document's DTD declares: references to them are the parser's affair.
    declared_entities: HashSet<String>,
    undeclared_prefixes: BTreeSet<String>,
    /// Where in the output the root's attributes end, for namespace declarations.
    root_attributes_end: Option<usize>,
    complete_stories: usize,
    fixes: Fixes,
}

impl Scanner<'_> {
    fn run(&mut self) -> Result<(), Unsalvageable> {
        while self.pos < self.text.len() {
            let rest = &self.text[self.pos..];
            if !rest.starts_with('<') {
                let end = rest.find('<').unwrap_or(rest.len());
                references::push_repaired(
                    &mut self.out,
                    &rest[..end],
                    Context::Text,
                    &self.declared_entities,
                    &mut self.fixes,
                );
                self.pos += end;
            } else if rest.starts_with("<!--") {
                self.section("<!--", "-->");
            } else if rest.starts_with("<![CDATA[") {
                self.section("<![CDATA[", "]]>");
            } else if rest.starts_with("<!") {
                self.declaration()?;
            } else if rest.starts_with("<?") {
                self.instruction();
            } else if rest.starts_with("</") {
                self.end_tag()?;
            } else if rest[1..].starts_with(|c: char| c.is_alphabetic() || c == '_' || c == ':') {
                self.start_tag()?;
            } else {
                // "a < b" in a headline: no tag can start here.
                self.out.push_str("&lt;");
                self.fixes.bare_less_thans += 1;
                self.pos += 1;
            }
        }
        Ok(())
    }

    /// A comment or CDATA section, closed if the text ends inside it.
    fn section(&mut self, open: &str, close: &str) {
        let rest = &self.text[self.pos..];
        match rest[open.len()..].find(close) {
            Some(at) => {
                let end = open.len() + at + close.len();
                references::push_without_forbidden(&mut self.out, &rest[..end], &mut self.fixes);
                self.pos += end;
            }
            None => {
                references::push_without_forbidden(&mut self.out, rest, &mut self.fixes);
                self.out.push_str(close);
                self.fixes.unterminated_sections += 1;
                self.pos = self.text.len();
            }
        }
    }

    /// A DOCTYPE (with its internal subset), copied; the entities it declares noted.
    fn declaration(&mut self) -> Result<(), Unsalvageable> {
        static ENTITY: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"<!ENTITY\s+([A-Za-z_:][^\s%]*)").expect("static regex is valid")
        });
        let rest = &self.text[self.pos..];
        let len = sniff::doctype_len(rest).ok_or("the document ends inside its DOCTYPE")?;
        let declaration = &rest[..len];
        self.declared_entities.extend(
            ENTITY
                .captures_iter(declaration)
                .filter_map(|found| found.get(1).map(|name| name.as_str().to_string())),
        );
        references::push_without_forbidden(&mut self.out, declaration, &mut self.fixes);
        self.pos += len;
        Ok(())
    }

    /// A processing instruction (or the XML declaration); one cut by the end is dropped.
    fn instruction(&mut self) {
        let rest = &self.text[self.pos..];
        match rest.find("?>") {
            Some(at) => {
                references::push_without_forbidden(&mut self.out, &rest[..at + 2], &mut self.fixes);
                self.pos += at + 2;
            }
            None => {
                self.fixes.cut_tags += 1;
                self.pos = self.text.len();
            }
        }
    }

    fn end_tag(&mut self) -> Result<(), Unsalvageable> {
        let rest = &self.text[self.pos..];
        let Some(gt) = rest.find('>') else {
            self.fixes.cut_tags += 1;
            self.pos = self.text.len();
            return Ok(());
        };
        if rest[1..gt].contains('<') {
            return Err("an end tag is broken");
        }
        let name = rest[2..gt].trim();
        match self.stack.last() {
            Some(open) if open.name == name => {
                self.stack.pop();
                if is_story(name) {
                    self.complete_stories += 1;
                }
            }
            Some(_) => return Err("an end tag closes an element other than the open one"),
            None => return Err("an end tag follows the root element"),
        }
        self.out.push_str(&rest[..=gt]);
        self.pos += gt + 1;
        Ok(())
    }

    fn start_tag(&mut self) -> Result<(), Unsalvageable> {
        let rest = &self.text[self.pos..];
        let Some(gt) = tag_end(rest)? else {
            self.fixes.cut_tags += 1;
            self.pos = self.text.len();
            return Ok(());
        };
        let tag = &rest[..=gt];
        let empty = tag[..gt].trim_end().ends_with('/');
        let name_end = tag[1..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .map_or(gt, |i| i + 1);
        let name = &tag[1..name_end];
        let declares = declared_prefixes(tag);
        for prefix in used_prefixes(name, &tag[name_end..]) {
            let declared = declares.iter().any(|d| d == prefix)
                || self
                    .stack
                    .iter()
                    .any(|frame| frame.declares.iter().any(|d| d == prefix));
            if !declared && prefix != "xml" && prefix != "xmlns" {
                self.undeclared_prefixes.insert(prefix.to_string());
            }
        }
        let out_start = self.out.len();
        references::push_repaired(
            &mut self.out,
            tag,
            Context::Tag,
            &self.declared_entities,
            &mut self.fixes,
        );
        if self.stack.is_empty() && self.root_attributes_end.is_none() {
            let close = if empty {
                self.out[out_start..]
                    .rfind('/')
                    .map_or(self.out.len() - 1, |at| out_start + at)
            } else {
                self.out.len() - 1
            };
            self.root_attributes_end = Some(close);
        }
        if empty {
            if is_story(name) {
                self.complete_stories += 1;
            }
        } else {
            self.stack.push(Frame {
                name: name.to_string(),
                out_start,
                declares,
            });
        }
        self.pos += gt + 1;
        Ok(())
    }

    /// Closes what a truncation left open and binds undeclared prefixes.
    fn finish(mut self) -> Result<Salvaged, Unsalvageable> {
        let Some(root_attributes_end) = self.root_attributes_end else {
            return Err("no root element");
        };
        if !self.stack.is_empty() {
            if self.complete_stories == 0 {
                return Err("the document is cut before its first complete item");
            }
            // A story that is the root element itself (a bare `<entry>`
            // document) is not cut away: nothing would be left to read.
            let story = self.stack.iter().position(|frame| is_story(&frame.name));
            if story == Some(0) {
                return Err("the document is one item, cut before its end");
            }
            if let Some(story) = story {
                self.out.truncate(self.stack[story].out_start);
                self.stack.truncate(story);
                self.fixes.cut_stories += 1;
            }
            for frame in self.stack.iter().rev() {
                self.out.push_str("</");
                self.out.push_str(&frame.name);
                self.out.push('>');
                self.fixes.closed_elements += 1;
            }
        }
        let mut bindings = String::new();
        for prefix in &self.undeclared_prefixes {
            if let Some(uri) = prefixes::customary_namespace(prefix) {
                bindings.push_str(&format!(" xmlns:{prefix}=\"{uri}\""));
                self.fixes.bound_prefixes.push(prefix.clone());
            }
        }
        if !bindings.is_empty() {
            if !self.out.is_char_boundary(root_attributes_end) {
                return Err("the root element's start tag was not kept whole");
            }
            self.out.insert_str(root_attributes_end, &bindings);
        }
        if self.fixes.is_empty() {
            return Err("nothing this repair mends");
        }
        Ok(Salvaged {
            text: self.out,
            fixes: self.fixes,
        })
    }
}

/// Where the markup starts, and whether what comes before it is junk (anything but
/// whitespace and comments). `None` for JSON or text without markup.
fn markup_start(text: &str) -> Option<(usize, bool)> {
    let trimmed = text.trim_start();
    if trimmed.starts_with(['{', '[']) {
        return None;
    }
    let element = text
        .match_indices('<')
        .map(|(at, _)| at)
        .find(|&at| text[at + 1..].starts_with(|c: char| c.is_alphabetic() || c == '_'))?;
    let mut window = DECLARATION_WINDOW.min(element);
    while !text.is_char_boundary(window) {
        window -= 1;
    }
    let start = text[..window].find("<?xml").unwrap_or(element);
    if only_whitespace_and_comments(&text[..start]) {
        Some((0, false))
    } else {
        Some((start, true))
    }
}

fn only_whitespace_and_comments(mut text: &str) -> bool {
    loop {
        text = text.trim_start();
        if text.is_empty() {
            return true;
        }
        let Some(comment) = text.strip_prefix("<!--") else {
            return false;
        };
        match comment.find("-->") {
            Some(end) => text = &comment[end + 3..],
            None => return false,
        }
    }
}

/// The offset of the `>` that ends the start tag `rest` begins with (quotes
/// respected), `None` when the text ends first, an error when another tag starts
/// inside it.
fn tag_end(rest: &str) -> Result<Option<usize>, Unsalvageable> {
    let mut quote = None;
    for (at, c) in rest.char_indices().skip(1) {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Ok(Some(at)),
            (None, '<') => return Err("a start tag is broken"),
            (None, _) => {}
        }
    }
    Ok(None)
}

/// The prefixes a start tag declares (`xmlns:dc="…"`; `""` for `xmlns="…"`).
fn declared_prefixes(tag: &str) -> Vec<String> {
    static XMLNS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\sxmlns(?::([^\s=/>]+))?\s*=").expect("static regex is valid")
    });
    XMLNS
        .captures_iter(tag)
        .map(|found| found.get(1).map_or("", |m| m.as_str()).to_string())
        .collect()
}

/// The prefixes the element `name` and the attributes in `attributes` use.
fn used_prefixes<'t>(name: &'t str, attributes: &'t str) -> Vec<&'t str> {
    static QUOTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#""[^"]*"|'[^']*'"#).expect("static regex is valid"));
    static PREFIXED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|\s)([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*\s*=")
            .expect("static regex is valid")
    });
    let mut used: Vec<&str> = name.split_once(':').map(|(p, _)| p).into_iter().collect();
    // Values are blanked out (same length) so that "a:b=" inside one is not read as a name.
    let names_only = QUOTED.replace_all(attributes, |found: &regex::Captures| {
        " ".repeat(found[0].len())
    });
    for found in PREFIXED.captures_iter(&names_only) {
        if let Some(prefix) = found.get(1) {
            used.push(&attributes[prefix.range()]);
        }
    }
    used
}

fn is_story(name: &str) -> bool {
    let local = name.rsplit(':').next().unwrap_or(name);
    STORY_ELEMENTS.contains(&local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mended(text: &str) -> Salvaged {
        salvage(text).unwrap_or_else(|why| panic!("not salvaged ({why}): {text}"))
    }

    const HEAD: &str = "<rss version=\"2.0\"><channel><title>Wire</title>";

    #[test]
    fn a_bare_ampersand_in_a_title_is_escaped_and_nothing_else_changes() {
        let text =
            format!("{HEAD}<item><title>Record, replay & measure</title></item></channel></rss>");
        let salvaged = mended(&text);
        assert_eq!(salvaged.text, text.replace("& ", "&amp; "));
        assert_eq!(salvaged.fixes.bare_ampersands, 1);
    }

    #[test]
    fn html_entities_in_text_and_attributes_become_characters() {
        let salvaged = mended(
            "<feed><title>Caf&eacute;&nbsp;&mdash; &LT;b&GT;</title><link title=\"&laquo;x&raquo;\"/></feed>",
        );
        assert_eq!(
            salvaged.text,
            "<feed><title>Caf\u{e9}\u{a0}\u{2014} &lt;b&gt;</title><link title=\"\u{ab}x\u{bb}\"/></feed>"
        );
        assert_eq!(salvaged.fixes.html_entities, 7);
    }

    #[test]
    fn control_characters_are_dropped_everywhere_but_cdata_keeps_its_text() {
        let salvaged = mended(&format!(
            "{HEAD}<item><title>A\u{8}B</title><description><![CDATA[C\u{1c}&nbsp;D]]></description></item></channel></rss>"
        ));
        assert!(
            salvaged.text.contains("<title>AB</title>"),
            "{}",
            salvaged.text
        );
        assert!(
            salvaged.text.contains("<![CDATA[C&nbsp;D]]>"),
            "{}",
            salvaged.text
        );
        assert_eq!(salvaged.fixes.control_characters, 2);
    }

    #[test]
    fn junk_before_the_xml_declaration_is_removed() {
        let salvaged =
            mended("\u{feff}Warning: headers sent\n<?xml version=\"1.0\"?><rss><channel/></rss>");
        assert_eq!(
            salvaged.text,
            "<?xml version=\"1.0\"?><rss><channel/></rss>"
        );
        assert!(salvaged.fixes.junk_before_xml);
    }

    #[test]
    fn comments_before_the_declaration_are_not_junk() {
        assert_eq!(
            salvage("<!-- generated -->\n<?xml version=\"1.0\"?><rss><channel/></rss>"),
            Err("nothing this repair mends")
        );
    }

    #[test]
    fn a_truncated_end_is_closed_and_the_cut_item_dropped() {
        let text = format!("{HEAD}<item><title>Whole</title></item><item><title>Record, repl");
        let salvaged = mended(&text);
        assert_eq!(
            salvaged.text,
            format!("{HEAD}<item><title>Whole</title></item></channel></rss>")
        );
        assert_eq!(salvaged.fixes.cut_stories, 1);
        assert_eq!(salvaged.fixes.closed_elements, 2);
    }

    #[test]
    fn a_cut_end_tag_and_an_unterminated_cdata_are_closed() {
        let cut_tag = mended(&format!(
            "{HEAD}<item><title>Whole</title></item></channel></rs"
        ));
        assert_eq!(
            cut_tag.text,
            format!("{HEAD}<item><title>Whole</title></item></channel></rss>")
        );
        let cdata = mended(&format!(
            "{HEAD}<item><title>Whole</title></item><description><![CDATA[half"
        ));
        assert_eq!(
            cdata.text,
            format!(
                "{HEAD}<item><title>Whole</title></item><description><![CDATA[half]]></description></channel></rss>"
            )
        );
        assert_eq!(cdata.fixes.unterminated_sections, 1);
    }

    #[test]
    fn a_document_cut_before_its_first_complete_item_is_not_salvaged() {
        assert_eq!(
            salvage(&format!("{HEAD}<item><title>Half an it")),
            Err("the document is cut before its first complete item")
        );
    }

    #[test]
    fn undeclared_customary_prefixes_are_bound_on_the_root() {
        let salvaged = mended(
            "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><item>\
             <dc:creator>Desk</dc:creator><media:content url=\"x\"/><made:up>y</made:up>\
             </item></channel></rss>",
        );
        assert!(
            salvaged.text.starts_with(
                "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\" \
                 xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
            ),
            "{}",
            salvaged.text
        );
        assert_eq!(salvaged.fixes.bound_prefixes, ["dc"]);
    }

    #[test]
    fn a_bare_less_than_in_text_is_escaped() {
        let salvaged = mended(&format!(
            "{HEAD}<item><title>1 < 2</title></item></channel></rss>"
        ));
        assert!(
            salvaged.text.contains("<title>1 &lt; 2</title>"),
            "{}",
            salvaged.text
        );
    }

    #[test]
    fn a_mismatched_end_tag_is_not_guessed_at() {
        assert_eq!(
            salvage(&format!(
                "{HEAD}<item><title>a <b>bold</title></item></channel></rss>"
            )),
            Err("an end tag closes an element other than the open one")
        );
    }

    #[test]
    fn a_bare_item_cut_before_its_end_is_not_salvaged() {
        // The fuzzer's find: the item to cut was the root itself.
        let cut = "<entry><title>One</title><entry><title>Two</title></entry>\n<content>x";
        assert!(salvage(cut).is_err());
        let bound = "<entry><dc:creator>A</dc:creator><entry></entry><content>x";
        assert!(salvage(bound).is_err());
    }

    #[test]
    fn json_and_plain_text_are_not_salvaged() {
        assert!(salvage("{\"version\": \"x\", \"title\": \"<b>\"}").is_err());
        assert!(salvage("Service Unavailable").is_err());
    }
}
