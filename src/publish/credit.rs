//! The visible attribution appended to every item's text.
//!
//! Extensions (`<source>`, `dc:creator`, `_wirefeed`) carry attribution for
//! readers that understand them; many readers show only the description or
//! content, so the credit line is also written into the text itself.

use crate::model::{Article, Attribution};

use super::escape::escape_markup;

/// "Source: AP": the feed's configured credit, or "Source: <outlet>".
pub fn credit_line(article: &Article) -> String {
    match &article.source.credit {
        Some(credit) if !credit.trim().is_empty() => credit.clone(),
        _ => format!("Source: {}", article.source.name),
    }
}

/// The byline; an item without one is credited to the source outlet, so
/// every format names an author (RFC 4287 §4.1.1 requires one in Atom, and
/// readers such as feedparser show `dc:creator` and JSON Feed `authors`).
pub fn byline(article: &Article) -> Vec<&str> {
    if article.authors.is_empty() {
        vec![article.source.name.as_str()]
    } else {
        article.authors.iter().map(String::as_str).collect()
    }
}

/// "Also via: X, Y" when duplicates from other outlets were folded in.
pub fn also_via_line(article: &Article) -> Option<String> {
    if article.also_via.is_empty() {
        return None;
    }
    let names: Vec<&str> = article
        .also_via
        .iter()
        .map(|via| via.name.as_str())
        .collect();
    Some(format!("Also via: {}", names.join(", ")))
}

/// The credit as plain text lines, for plain-text fields (Atom summary).
pub fn credit_text(article: &Article) -> String {
    let mut text = credit_line(article);
    if let Some(also_via) = also_via_line(article) {
        text.push('\n');
        text.push_str(&also_via);
    }
    text
}

/// The credit as an HTML paragraph, escaped, for HTML fields.
pub fn credit_html(article: &Article) -> String {
    let mut html = format!(
        r#"<p class="wirefeed-credit">{}"#,
        escape_markup(&credit_line(article))
    );
    if let Some(also_via) = also_via_line(article) {
        html.push_str("<br>");
        html.push_str(&escape_markup(&also_via));
    }
    html.push_str("</p>");
    html
}

/// `content_html` followed by the credit paragraph; an item without a body
/// gets its summary instead, so readers show more than the credit line.
pub fn content_with_credit(article: &Article) -> String {
    match &article.content_html {
        Some(content) => format!("{content}\n{}", credit_html(article)),
        None => summary_html_with_credit(article),
    }
}

/// The source feed's URL when it is on the web. A `file:` spool path is local
/// to this machine and is never published.
pub fn public_feed_url(attribution: &Attribution) -> Option<&str> {
    Some(attribution.feed_url.as_str()).filter(|url| is_web(url))
}

/// A URL that stands for the source in RSS `<source url>`: its feed, else the
/// outlet's home page, else the original item.
pub fn public_source_url(attribution: &Attribution) -> Option<&str> {
    public_feed_url(attribution)
        .or_else(|| attribution.home_url.as_deref().filter(|url| is_web(url)))
        .or_else(|| attribution.item_url.as_deref().filter(|url| is_web(url)))
}

fn is_web(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// The plain-text summary as an HTML paragraph, followed by the credit.
pub fn summary_html_with_credit(article: &Article) -> String {
    let credit = credit_html(article);
    match &article.summary {
        Some(summary) => format!("<p>{}</p>\n{credit}", escape_markup(summary)),
        None => credit,
    }
}

/// The plain-text summary followed by the credit lines.
pub fn summary_text_with_credit(article: &Article) -> String {
    let credit = credit_text(article);
    match &article.summary {
        Some(summary) => format!("{summary}\n\n{credit}"),
        None => credit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::test_support::article;

    #[test]
    fn credit_falls_back_to_the_outlet_name() {
        let mut story = article("a");
        story.source.credit = None;
        assert_eq!(credit_line(&story), "Source: Associated Press");
    }

    #[test]
    fn byline_falls_back_to_the_outlet_name() {
        let mut story = article("a");
        assert_eq!(byline(&story), ["Jane Doe"]);
        story.authors.clear();
        assert_eq!(byline(&story), ["Associated Press"]);
    }

    #[test]
    fn folded_duplicates_are_named_after_the_credit() {
        let mut story = article("a");
        let mut reuters = story.source.clone();
        reuters.name = "Reuters".to_owned();
        let mut afp = story.source.clone();
        afp.name = "AFP".to_owned();
        story.also_via = vec![reuters, afp];
        assert_eq!(credit_text(&story), "Source: AP\nAlso via: Reuters, AFP");
        assert!(
            content_with_credit(&story)
                .ends_with("<p class=\"wirefeed-credit\">Source: AP<br>Also via: Reuters, AFP</p>")
        );
    }

    #[test]
    fn summary_is_escaped_when_turned_into_html() {
        let mut story = article("a");
        story.summary = Some("1 < 2 & <b>".to_owned());
        assert!(summary_html_with_credit(&story).starts_with("<p>1 &lt; 2 &amp; &lt;b&gt;</p>"));
    }
}
