//! Synthetic article bodies of about 3.5 KB, shaped like agency copy: the
//! paragraphs, relative links, figure and tracking script of
//! `benches/cycle.rs`, plus the markup sanitizing actually works on in real
//! feeds (classes, inline styles, `target`, embeds, comments).

use std::fmt::Write as _;

use crate::words::{Rng, vocabulary};

/// `count` deterministic bodies; the same on every run.
pub fn generate(count: usize) -> Vec<String> {
    let words = vocabulary();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..count).map(|i| body(&mut rng, &words, i)).collect()
}

fn body(rng: &mut Rng, words: &[String], i: usize) -> String {
    let mut body = format!(
        "<div class=\"article-body\" data-id=\"{i}\"><p class=\"lead\"><strong>{} (Agency)</strong> — {}.</p>\n",
        rng.sentence(words, 2).to_uppercase(),
        rng.sentence(words, 28)
    );
    for p in 0..5 {
        let _ = writeln!(
            body,
            "<p>{}, <em>{}</em> {}. <a href=\"/related/{}?utm_source=feed\" target=\"_blank\" class=\"inline-link\">{}</a> {}.</p>",
            rng.sentence(words, 22),
            rng.sentence(words, 3),
            rng.sentence(words, 18),
            rng.next() % 100_000,
            rng.sentence(words, 3),
            rng.sentence(words, 14)
        );
        if p == 2 {
            let _ = writeln!(
                body,
                "<blockquote cite=\"https://agency.example/quotes/{}\"><p>“{}.”</p></blockquote>",
                rng.next() % 1000,
                rng.sentence(words, 16)
            );
        }
    }
    body.push_str(
        "<figure class=\"photo\"><img src=\"/img/photo.jpg\" srcset=\"/img/photo-2x.jpg 2x\" alt=\"photo\" width=\"640\" height=\"360\" loading=\"lazy\" style=\"max-width:100%\"><figcaption>A photo (Agency)</figcaption></figure>\n",
    );
    if i.is_multiple_of(4) {
        body.push_str("<iframe src=\"https://video.example/embed/1\" width=\"560\" height=\"315\" allowfullscreen></iframe>\n");
    }
    body.push_str("<!-- ad slot --><div class=\"ad\" id=\"ad-1\"></div>\n");
    body.push_str("<script>window.track && track('article')</script></div>");
    body
}
