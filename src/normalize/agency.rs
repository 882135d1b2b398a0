//! Agency items (ninjs, NewsML-G2) to articles: the steps every feed entry
//! goes through, then what the agency said about publishing the story.

use std::collections::HashMap;

use super::{Context, Outcome, article};
use crate::config::FeedConfig;
use crate::parse::AgencyDocument;

/// Normalize every agency item of `document`, fetched for `feed`, in order.
pub fn normalize_agency(
    feed: &FeedConfig,
    ctx: &Context<'_>,
    document: &AgencyDocument,
) -> Vec<Outcome> {
    let no_images = HashMap::new();
    // Agency items stand alone: no channel link, base, rights or authors
    // to inherit.
    let channel = article::Channel {
        doc_url: &document.url,
        link: None,
        xml_base: None,
        json_images: &no_images,
        home_url: None,
        rights: None,
        language: None,
        authors: &[],
    };
    document
        .items
        .iter()
        .filter_map(|item| {
            let mut outcome = article::normalize_entry(feed, ctx, &channel, &item.entry)?;
            if let Outcome::Keep(article) = &mut outcome {
                let editorial = &item.editorial;
                if feed.breaking_urgency > 0
                    && editorial
                        .urgency
                        .is_some_and(|urgency| urgency <= feed.breaking_urgency)
                {
                    article.breaking = true;
                }
                // The story goes public when its embargo lifts: that is when
                // readers should see it published, not when it was filed.
                // `updated` stays the agency's, which orders its versions.
                if let Some(embargo) = editorial.embargoed
                    && embargo > article.published
                {
                    article.published = embargo;
                }
                article.editorial = editorial.clone();
            }
            Some(outcome)
        })
        .collect()
}
