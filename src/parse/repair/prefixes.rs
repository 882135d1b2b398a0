//! The namespaces feeds use under their customary prefixes, for a feed that uses a
//! prefix (`dc:creator`, `media:content`) without declaring it.
//!
//! feed-rs reads an element in an undeclared namespace as no namespace at all, so a
//! byline in an undeclared `dc:creator` is lost. Binding the customary URI is what
//! the publisher meant (feedparser's loose mode does the same with its own table);
//! a prefix that is not in this table stays unbound and its elements are skipped,
//! as before.

/// Customary prefix → namespace URI, as the specifications and feedparser use them.
const WELL_KNOWN: [(&str, &str); 22] = [
    ("admin", "http://webns.net/mvcb/"),
    ("atom", "http://www.w3.org/2005/Atom"),
    ("cc", "http://web.resource.org/cc/"),
    ("content", "http://purl.org/rss/1.0/modules/content/"),
    (
        "creativeCommons",
        "http://backend.userland.com/creativeCommonsRssModule",
    ),
    ("dc", "http://purl.org/dc/elements/1.1/"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("feedburner", "http://rssnamespace.org/feedburner/ext/1.0"),
    ("geo", "http://www.w3.org/2003/01/geo/wgs84_pos#"),
    ("georss", "http://www.georss.org/georss"),
    ("gml", "http://www.opengis.net/gml"),
    (
        "googleplay",
        "http://www.google.com/schemas/play-podcasts/1.0",
    ),
    ("itunes", "http://www.itunes.com/dtds/podcast-1.0.dtd"),
    ("media", "http://search.yahoo.com/mrss/"),
    ("podcast", "https://podcastindex.org/namespace/1.0"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rss", "http://purl.org/rss/1.0/"),
    ("slash", "http://purl.org/rss/1.0/modules/slash/"),
    ("sy", "http://purl.org/rss/1.0/modules/syndication/"),
    ("thr", "http://purl.org/syndication/thread/1.0"),
    ("wfw", "http://wellformedweb.org/CommentAPI/"),
    ("xhtml", "http://www.w3.org/1999/xhtml"),
];

/// The namespace `prefix` customarily stands for in feeds, if it is one we know.
pub(super) fn customary_namespace(prefix: &str) -> Option<&'static str> {
    WELL_KNOWN
        .iter()
        .find(|(known, _)| *known == prefix)
        .map(|(_, uri)| *uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dublin_core_and_media_rss_have_their_customary_namespaces() {
        assert_eq!(
            customary_namespace("dc"),
            Some("http://purl.org/dc/elements/1.1/")
        );
        assert_eq!(
            customary_namespace("media"),
            Some("http://search.yahoo.com/mrss/")
        );
        assert_eq!(customary_namespace("madeup"), None);
    }
}
