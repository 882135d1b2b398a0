//! One feed-rs call, isolated: a fresh parser per call and any panic contained.
//!
//! feed-rs 3.0 panics on some inputs: quick-xml's `set_encoding` on UTF-16 or on a second
//! XML declaration (which `charset` now defuses), and a parser reused after an error inside
//! an item (which a fresh parser per call avoids). Others may exist, and a panic must cost
//! one document, never the daemon, so every call runs under `catch_unwind`. The parser is
//! built inside the closure from borrowed `&str`s, which are unwind safe, so no state can be
//! observed half-updated after a panic.
//!
//! The default panic hook still prints the panic to stderr before we catch it. A library
//! must not replace the process-wide hook, so that line stays; the binary may install its
//! own hook if it wants panics in the log instead.

use std::any::Any;
use std::panic;

use feed_rs::model::Feed;
use feed_rs::parser::{Builder, ParseFeedError};

use super::NO_SOURCE_ID;

/// How one isolated feed-rs call failed.
#[derive(Debug)]
pub(super) enum Failure {
    /// feed-rs returned an error.
    Rejected(ParseFeedError),
    /// feed-rs panicked; the payload's message.
    Panicked(String),
}

/// Parses UTF-8 `text` with a freshly built feed-rs parser, resolving relative links
/// against `base_uri`.
pub(super) fn parse_isolated(text: &str, base_uri: &str) -> Result<Feed, Failure> {
    let outcome = panic::catch_unwind(|| {
        Builder::new()
            .base_uri(Some(base_uri))
            // feed-rs would invent ids (hashes, or random UUIDs); normalize derives stable ones.
            .id_generator(|_, _, _| NO_SOURCE_ID.to_string())
            // Sanitizing is a no-op without feed-rs's "sanitize" feature, which we leave off;
            // said explicitly so enabling that feature cannot sanitize twice. We use ammonia later.
            .sanitize_content(false)
            // The default timestamp parser is already feed-rs's lenient one (RFC 2822 and
            // RFC 3339 with common publisher mistakes fixed up), so it is kept.
            .build()
            .parse(text.as_bytes())
    });
    match outcome {
        Ok(Ok(feed)) => Ok(feed),
        Ok(Err(error)) => Err(Failure::Rejected(error)),
        Err(payload) => Err(Failure::Panicked(panic_message(payload.as_ref()))),
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_string()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_payload_text_is_kept() {
        let caught = panic::catch_unwind(|| panic!("boom {}", 7)).expect_err("it panics");
        assert_eq!(panic_message(caught.as_ref()), "boom 7");
    }

    #[test]
    fn feed_rs_panic_is_contained_and_reported() {
        // quick-xml panics when a second XML declaration switches the encoding mid-stream
        // (`parse` strips such encodings first; here we hand feed-rs the raw text).
        let text = "<rss version=\"2.0\"><channel><title>t</title>\
                    <?xml version=\"1.0\" encoding=\"windows-1252\"?></channel></rss>";
        match parse_isolated(text, "https://example.org/feed") {
            Err(Failure::Panicked(message)) => assert!(message.contains("encoding"), "{message}"),
            other => panic!("expected a contained panic, got {other:?}"),
        }
    }

    #[test]
    fn entry_without_id_gets_no_source_id() {
        let feed = parse_isolated(
            "<rss version=\"2.0\"><channel><item><title>t</title></item></channel></rss>",
            "https://example.org/feed",
        )
        .expect("parses");
        assert_eq!(feed.id, NO_SOURCE_ID);
        assert_eq!(feed.entries[0].id, NO_SOURCE_ID);
    }
}
