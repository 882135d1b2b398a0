//! The "unsafe output" checker: tokenizes a sanitizer's output the way a
//! browser would (html5ever's tokenizer, switched into raw-text states by
//! the same start tags a tree builder switches on) and flags every
//! construct that could run script or restyle the page.
//!
//! It also yields the visible text, so two sanitizers' outputs can be
//! compared for what a reader would see.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Start tags that run script, load active content, take input or change
/// how the rest of the page is parsed.
const DANGEROUS_TAGS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "param",
    "link",
    "meta",
    "base",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "svg",
    "math",
    "template",
    "noscript",
    "xmp",
    "plaintext",
    "noembed",
    "noframes",
    "isindex",
    "audio",
    "video",
    "source",
    "canvas",
];

/// Attributes whose value is fetched or navigated to.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "cite",
    "action",
    "formaction",
    "data",
    "background",
    "poster",
    "lowsrc",
    "dynsrc",
    "longdesc",
    "codebase",
    "srcset",
    "xlink:href",
];

/// Schemes that execute or smuggle content.
const SCRIPTING_SCHEMES: &[&str] = &["javascript:", "vbscript:", "data:", "livescript:", "mocha:"];

/// What a checked output holds.
#[derive(Debug, Default)]
pub struct Report {
    /// Every dangerous construct found, e.g. `<script>` or `onclick=`.
    pub problems: Vec<String>,
    /// The text a reader sees, whitespace collapsed (compare it with all
    /// whitespace removed: where tags fall decides where spaces land).
    pub visible_text: String,
}

/// What follows a body once it is republished inside a page: an output
/// ending in an unterminated tag (`<img src=x onerror=alert(1)`) is harmless
/// alone, since a tag cut off by the end of input is dropped, but swallows
/// this tail and becomes live when embedded.
const EMBEDDING_TAIL: &str = "\"'></div><p>after</p>";

/// Tokenize `html` and report its dangerous constructs (as embedded in a
/// page) and its visible text (alone).
pub fn check(html: &str) -> Report {
    let embedded = tokenize(&format!("{html}{EMBEDDING_TAIL}"));
    let alone = tokenize(html);
    Report {
        problems: embedded.problems,
        visible_text: alone.visible_text,
    }
}

fn tokenize(html: &str) -> Report {
    let sink = Sink::default();
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    let sink = tokenizer.sink;
    let mut report = sink.report.into_inner();
    report.visible_text = collapse_whitespace(&report.visible_text);
    report
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Default)]
struct Sink {
    report: RefCell<Report>,
    /// Inside an element whose text is not shown (script, style, …).
    hidden_text: RefCell<bool>,
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        let mut report = self.report.borrow_mut();
        match token {
            Token::CharacterTokens(text) if !*self.hidden_text.borrow() => {
                report.visible_text.push_str(&text);
            }
            Token::TagToken(tag) if tag.kind == TagKind::EndTag => {
                *self.hidden_text.borrow_mut() = false;
            }
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                if DANGEROUS_TAGS.contains(&name) {
                    report.problems.push(format!("<{name}>"));
                }
                for attribute in &tag.attrs {
                    let attr: &str = &attribute.name.local;
                    if let Some(problem) = attribute_problem(attr, &attribute.value) {
                        report.problems.push(problem);
                    }
                }
                // The states a tree builder would switch the tokenizer to:
                // without them `<title><script>` would look like a script.
                let raw = match name {
                    "script" => Some(RawKind::ScriptData),
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                        Some(RawKind::Rawtext)
                    }
                    "title" | "textarea" => Some(RawKind::Rcdata),
                    "plaintext" => return TokenSinkResult::Plaintext,
                    _ => None,
                };
                if let Some(raw) = raw {
                    *self.hidden_text.borrow_mut() = !matches!(raw, RawKind::Rcdata);
                    return TokenSinkResult::RawData(raw);
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Why an attribute is dangerous, if it is.
fn attribute_problem(name: &str, value: &str) -> Option<String> {
    if name.starts_with("on") {
        return Some(format!("{name}="));
    }
    if name == "style" {
        return Some("style=".into());
    }
    if URL_ATTRIBUTES.contains(&name) {
        // Browsers ignore ASCII whitespace and controls inside a scheme.
        let squashed: String = value
            .chars()
            .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
            .collect::<String>()
            .to_ascii_lowercase();
        let candidates: Vec<&str> = if name == "srcset" {
            squashed.split(',').collect()
        } else {
            vec![squashed.as_str()]
        };
        if let Some(scheme) = candidates
            .iter()
            .find_map(|v| SCRIPTING_SCHEMES.iter().find(|s| v.starts_with(**s)))
        {
            return Some(format!("{name}={scheme}"));
        }
    }
    None
}

/// Panic unless the checker flags what it must and passes what it must:
/// a wrong checker would make every count below it meaningless.
pub fn self_test() {
    let flagged = [
        "<script>alert(1)</script>",
        "<p onclick=\"x()\">a</p>",
        "<a href=\" jav&#x09;ascript:alert(1)\">a</a>",
        "<img src=\"data:image/svg+xml,&lt;svg onload=alert(1)&gt;\">",
        "<span style=\"background:url(javascript:x)\">s</span>",
        "<svg><g/></svg>",
        "<p>a</p><img src=x onerror=alert(1)",
    ];
    for html in flagged {
        assert!(!check(html).problems.is_empty(), "checker missed {html}");
    }
    let passed = [
        "<p>safe <a href=\"https://a.example/\" rel=\"noopener noreferrer\">a</a></p>",
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        "<title><script>alert(1)</script></title>",
    ];
    for html in passed {
        let report = check(html);
        assert!(
            report.problems.is_empty(),
            "checker flagged {html}: {report:?}"
        );
    }
    assert_eq!(
        check("<p>a <b>b</b></p><script>x()</script>").visible_text,
        "a b"
    );
}
