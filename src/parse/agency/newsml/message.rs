//! A `newsMessage`: its `itemSet`'s news items, with pictures folded into
//! the text items that point to them.

use std::collections::{BTreeMap, HashSet};

use roxmltree::Node;
use url::Url;

use super::item::{ItemClass, read_item};
use super::xml::{attr, g2_child, g2_children, is_g2, xml_lang};
use crate::parse::agency::AgencyItem;

/// One news item of the message, read or skipped.
struct Member<'a, 'input> {
    node: Node<'a, 'input>,
    guid: Option<&'a str>,
    class: ItemClass,
    read: Option<AgencyItem>,
}

/// The message's items in document order, and what it held (for the error
/// when none is readable): "the newsMessage holding 4 newsItem, 1 packageItem".
pub(super) fn read_message(message: Node<'_, '_>, doc_url: &Url) -> (Vec<AgencyItem>, String) {
    let lang = xml_lang(message);
    let item_set = g2_child(message, "itemSet");
    let mut held: BTreeMap<&str, usize> = BTreeMap::new();
    for child in item_set
        .iter()
        .flat_map(|set| set.children())
        .filter(Node::is_element)
    {
        *held.entry(child.tag_name().name()).or_default() += 1;
    }
    let mut members: Vec<Member<'_, '_>> = item_set
        .into_iter()
        .flat_map(|set| g2_children(set, "newsItem"))
        .map(|node| Member {
            node,
            guid: attr(node, "guid"),
            class: ItemClass::of(node),
            read: read_item(node, doc_url, lang),
        })
        .collect();
    let packages: Vec<Node<'_, '_>> = item_set
        .into_iter()
        .flat_map(|set| g2_children(set, "packageItem"))
        .collect();
    attach_pictures(&mut members, &packages);

    let held = if held.is_empty() {
        "the newsMessage holding no items".to_owned()
    } else {
        let counts: Vec<String> = held.iter().map(|(name, n)| format!("{n} {name}")).collect();
        format!("the newsMessage holding {}", counts.join(", "))
    };
    (
        members
            .into_iter()
            .filter_map(|member| member.read)
            .collect(),
        held,
    )
}

/// Gives each text item the first picture item it is paired with as its
/// lead image, and takes that picture out of the message's items.
fn attach_pictures(members: &mut [Member<'_, '_>], packages: &[Node<'_, '_>]) {
    let pictures: HashSet<&str> = members
        .iter()
        .filter(|member| member.class == ItemClass::Picture && member.read.is_some())
        .filter_map(|member| member.guid)
        .collect();
    for text in 0..members.len() {
        if members[text].class != ItemClass::Text {
            continue;
        }
        let Some(guid) = members[text].guid else {
            continue;
        };
        let linked = linked_guids(members[text].node)
            .chain(package_partners(packages, guid))
            .find(|partner| pictures.contains(partner));
        let Some(picture_guid) = linked else { continue };
        let Some(picture) = members.iter().position(|m| m.guid == Some(picture_guid)) else {
            continue;
        };
        let media = members[picture]
            .read
            .as_ref()
            .map(|read| read.entry.media.clone())
            .unwrap_or_default();
        let Some(text_item) = members[text].read.as_mut() else {
            continue;
        };
        if media.is_empty() {
            continue;
        }
        // The picture item (full renditions, caption, credit) wins over a
        // picture referenced in the story's NITF body.
        text_item.entry.media = media;
        members[picture].read = None;
    }
}

/// Guids the item's `itemMeta/link`s point to.
fn linked_guids<'a>(item: Node<'a, '_>) -> impl Iterator<Item = &'a str> + 'a {
    g2_child(item, "itemMeta")
        .into_iter()
        .flat_map(|meta| g2_children(meta, "link"))
        .filter_map(|link| attr(link, "residref"))
}

/// Guids sharing a package `group` with `guid`.
fn package_partners<'a>(
    packages: &'a [Node<'a, '_>],
    guid: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    packages
        .iter()
        .flat_map(|package| package.descendants().filter(|node| is_g2(*node, "group")))
        .filter(move |group| {
            g2_children(*group, "itemRef").any(|item_ref| attr(item_ref, "residref") == Some(guid))
        })
        .flat_map(|group| {
            g2_children(group, "itemRef").filter_map(|item_ref| attr(item_ref, "residref"))
        })
}
