//! A builder for test articles: every field has a plain default so a test
//! names only what it is about.

use crate::model::{Article, Attribution, Image, Label};
use chrono::{DateTime, Utc};

/// `minutes` after a fixed instant, for readable test times.
pub(crate) fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + chrono::Duration::days(20_000) + chrono::Duration::minutes(minutes)
}

/// A dated article with id `{feed}:{item}` from `feed`.
pub(crate) fn article(item: &str, feed: &str) -> ArticleBuilder {
    ArticleBuilder {
        article: Article {
            id: format!("{feed}:{item}"),
            url: Some(format!("https://{feed}.example/{item}")),
            title: format!("Story {item}"),
            summary: Some(format!("Summary of story {item}.")),
            content_html: None,
            authors: Vec::new(),
            source: Attribution {
                feed_id: feed.to_owned(),
                name: format!("Outlet {feed}"),
                home_url: None,
                feed_url: format!("https://{feed}.example/feed"),
                item_id: item.to_owned(),
                item_url: Some(format!("https://{feed}.example/{item}")),
                credit: None,
                rights: None,
                published: Some(at(0)),
            },
            also_via: Vec::new(),
            published: at(0),
            updated: at(0),
            section: None,
            kind: None,
            tags: Vec::new(),
            regions: Vec::new(),
            series: None,
            language: Some("en".to_owned()),
            image: None,
            enclosures: Vec::new(),
            reading_minutes: None,
            breaking: false,
            categories: Vec::new(),
            editorial: Default::default(),
        },
    }
}

pub(crate) struct ArticleBuilder {
    article: Article,
}

impl ArticleBuilder {
    pub(crate) fn title(mut self, title: &str) -> Self {
        self.article.title = title.to_owned();
        self
    }
    pub(crate) fn summary(mut self, summary: &str) -> Self {
        self.article.summary = Some(summary.to_owned());
        self
    }
    pub(crate) fn no_summary(mut self) -> Self {
        self.article.summary = None;
        self
    }
    pub(crate) fn body(mut self, html: &str) -> Self {
        self.article.content_html = Some(html.to_owned());
        self
    }
    pub(crate) fn url(mut self, url: &str) -> Self {
        self.article.url = Some(url.to_owned());
        self
    }
    pub(crate) fn author(mut self, name: &str) -> Self {
        self.article.authors.push(name.to_owned());
        self
    }
    pub(crate) fn image(mut self, image: Image) -> Self {
        self.article.image = Some(image);
        self
    }
    /// A source-given publish date; `updated` follows unless set later.
    pub(crate) fn published(mut self, when: DateTime<Utc>) -> Self {
        self.article.published = when;
        self.article.updated = when;
        self.article.source.published = Some(when);
        self
    }
    pub(crate) fn updated(mut self, when: DateTime<Utc>) -> Self {
        self.article.updated = when;
        self
    }
    /// An item without a date, first seen (by normalize) at `seen`.
    pub(crate) fn undated(mut self, seen: DateTime<Utc>) -> Self {
        self.article.published = seen;
        self.article.updated = seen;
        self.article.source.published = None;
        self
    }
    pub(crate) fn status(mut self, status: crate::model::PubStatus) -> Self {
        self.article.editorial.status = status;
        self
    }
    pub(crate) fn embargoed(mut self, until: DateTime<Utc>) -> Self {
        self.article.editorial.embargoed = Some(until);
        self
    }
    pub(crate) fn section(mut self, slug: &str) -> Self {
        self.article.section = Some(slug.to_owned());
        self
    }
    pub(crate) fn tag(mut self, slug: &str, label: &str) -> Self {
        self.article.tags.push(Label {
            slug: slug.to_owned(),
            label: label.to_owned(),
        });
        self
    }
    pub(crate) fn region(mut self, slug: &str, label: &str) -> Self {
        self.article.regions.push(Label {
            slug: slug.to_owned(),
            label: label.to_owned(),
        });
        self
    }
    pub(crate) fn language(mut self, code: &str) -> Self {
        self.article.language = Some(code.to_owned());
        self
    }
    pub(crate) fn breaking(mut self) -> Self {
        self.article.breaking = true;
        self
    }
    pub(crate) fn build(self) -> Article {
        self.article
    }
}
