//! Bylines: the people or desks an item is by.

use std::collections::HashSet;

use feed_rs::model::Person;

use super::text::plain_to_text;

/// The item's author names, else the feed's: as plain text (markup a feed
/// put in a name, scripts included, stripped; entities decoded), whitespace
/// collapsed, a leading "By " removed, blanks dropped, duplicates (ignoring
/// case) removed.
pub(crate) fn authors(entry: &[Person], feed: &[Person]) -> Vec<String> {
    let from_entry = clean_names(entry);
    if from_entry.is_empty() {
        clean_names(feed)
    } else {
        from_entry
    }
}

fn clean_names(people: &[Person]) -> Vec<String> {
    let mut seen = HashSet::new();
    people
        .iter()
        // A person with only an e-mail address (RSS `<author>`) has no byline.
        .filter_map(|person| person.name.as_deref())
        .map(|name| strip_by(&plain_to_text(name)).to_owned())
        .filter(|name| !name.is_empty())
        .filter(|name| seen.insert(name.to_lowercase()))
        .collect()
}

/// "By Jane Doe" → "Jane Doe"; "Bybee" stays.
fn strip_by(name: &str) -> &str {
    match name.get(..3) {
        Some(prefix) if prefix.eq_ignore_ascii_case("by ") => name[3..].trim_start(),
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_scripts_in_a_name_are_stripped() {
        let hostile = person("Jane <script>alert('x')</script>Doe<img src=x onerror=alert(1)>");
        assert_eq!(authors(&[hostile], &[]), ["Jane Doe"]);
        assert_eq!(authors(&[person("Tom &amp; Jerry")], &[]), ["Tom & Jerry"]);
    }

    fn person(name: &str) -> Person {
        Person {
            name: Some(name.to_owned()),
            uri: None,
            email: None,
            role: None,
        }
    }

    #[test]
    fn leading_by_is_stripped_and_duplicates_removed() {
        let entry = [
            person("  By  Al Mayadeen English "),
            person("al mayadeen english"),
            person("BY Jane"),
            person("Bybee"),
            person(" "),
        ];
        assert_eq!(
            authors(&entry, &[]),
            vec!["Al Mayadeen English", "Jane", "Bybee"]
        );
    }

    #[test]
    fn feed_authors_stand_in_when_the_item_has_none() {
        assert_eq!(authors(&[], &[person("Newsdesk")]), vec!["Newsdesk"]);
        assert_eq!(authors(&[person("A")], &[person("Newsdesk")]), vec!["A"]);
    }
}
