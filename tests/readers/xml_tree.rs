//! A namespace-resolved element tree built with quick-xml, small enough for
//! the strict checkers to walk.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

pub const ATOM: &str = "http://www.w3.org/2005/Atom";

#[derive(Debug, Default)]
pub struct Element {
    /// The namespace URI, empty when unbound.
    pub ns: String,
    pub name: String,
    /// Attributes by their qualified name as written (`url`, `xml:lang`).
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Children named `name` in namespace `ns`.
    pub fn all<'a>(&'a self, ns: &'a str, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children
            .iter()
            .filter(move |child| child.ns == ns && child.name == name)
    }

    pub fn count(&self, ns: &str, name: &str) -> usize {
        self.all(ns, name).count()
    }

    pub fn first(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|child| child.ns == ns && child.name == name)
    }

    /// The trimmed text of the first child `name`, if it has any.
    pub fn text_of(&self, ns: &str, name: &str) -> Option<&str> {
        self.first(ns, name)
            .map(|child| child.text.trim())
            .filter(|text| !text.is_empty())
    }
}

/// Parses `xml` into its root element; any well-formedness error is an `Err`.
pub fn parse(xml: &str) -> Result<Element, String> {
    // quick-xml does not check characters; XML 1.0 §2.2 forbids these.
    let forbidden = |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}');
    if let Some((at, c)) = xml.char_indices().find(|(_, c)| forbidden(*c)) {
        return Err(format!(
            "byte {at}: U+{:04X} is not an XML 1.0 character",
            u32::from(c)
        ));
    }
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let position = reader.buffer_position();
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("byte {position}: {e}"))?;
        let ns = match ns {
            ResolveResult::Bound(ns) => ns.0.to_owned(),
            ResolveResult::Unbound => String::new(),
            ResolveResult::Unknown(prefix) => return Err(format!("unknown prefix {prefix}")),
        };
        match event {
            Event::Start(start) => stack.push(element(ns, &start)?),
            Event::Empty(start) => attach(&mut stack, &mut root, element(ns, &start)?),
            Event::End(_) => {
                let done = stack.pop().ok_or("end tag without start")?;
                attach(&mut stack, &mut root, done);
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content()),
            Event::CData(data) => push_text(&mut stack, &data.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(character) => character.to_string(),
                    None => resolve_predefined_entity(&reference)
                        .ok_or_else(|| format!("undefined entity &{};", &*reference))?
                        .to_owned(),
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed <{}>", stack[stack.len() - 1].name));
    }
    root.ok_or_else(|| "no root element".to_owned())
}

fn element(ns: String, start: &BytesStart) -> Result<Element, String> {
    let mut attrs = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| e.to_string())?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?;
        attrs.push((attribute.key.as_ref().to_owned(), value.into_owned()));
    }
    Ok(Element {
        ns,
        name: start.local_name().as_ref().to_owned(),
        attrs,
        ..Element::default()
    })
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, done: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(done),
        None => *root = Some(done),
    }
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(top) = stack.last_mut() {
        top.text.push_str(text);
    }
}
