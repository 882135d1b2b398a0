//! Text fingerprints for near-duplicate detection.
//!
//! # Why this method
//!
//! Agencies' stories are republished by partners with their own URL, a
//! retouched headline and a trimmed or re-punctuated lead. Comparing the
//! words, not the bytes, catches that:
//!
//! 1. **Normalize** title, lead (the summary, or the first [`LEAD_WORDS`]
//!    words of the body) and the body's first [`BODY_WORDS`] words, HTML
//!    tags stripped, without an agency dateline such as "TARSEL, Nov 17
//!    (CPA) -": lower-case, every non-alphanumeric character a separator,
//!    so "Al-Nakhalah:" and "al nakhalah" are the same tokens in any script.
//!    The body is there for copies whose lead no longer matches: cut by a
//!    third, or run on into the next paragraph.
//! 2. **Shingle** the title followed by the lead into overlapping word pairs.
//!    Pairs keep word order (a reordered sentence is a different sentence)
//!    while staying robust to one changed word, which only breaks two pairs.
//! 3. **MinHash** the shingle set with [`HASHES`] hash functions: the share
//!    of equal slots of two signatures estimates the Jaccard similarity of
//!    the sets.
//! 4. **LSH banding**: the signature is cut into [`SIGNATURE_BANDS`] bands
//!    of [`ROWS`] slots, each hashed to one key. Stories sharing any key are
//!    candidates; with 16 × 4 a pair at Jaccard 0.6 becomes a candidate with
//!    probability ≈ 0.89, a pair at 0.2 with ≈ 0.02. The store indexes the
//!    keys, so finding candidates among 100,000 articles is a few index
//!    lookups instead of a scan.
//! 5. **A second signature over the lead alone** gives [`LEAD_BANDS`] more keys. A
//!    partner's new headline or trimmed lead pulls the title + lead overlap
//!    down to 0.45–0.6, where the first bands find only half the copies;
//!    over the lead alone the same copies stay at 0.55–1. On the evaluation
//!    set (`cargo bench --bench dedup`) the expected share of same-story pairs
//!    that are not even candidates falls from about 10 % to under 1 %.
//! 6. **A third signature over the body's opening** (or the lead, for a
//!    story without a body) gives [`BODY_BANDS`] more keys, for a copy
//!    whose lead was cut under a new headline or opens with a sentence of
//!    the partner's own: most of its body is still the agency's.
//!
//! Candidates are only suspects: [`crate::dedup::is_same_story`] verifies
//! each with exact similarities of the tokens before anything is folded.
//!
//! All hashes are written out here (FNV-1a and SplitMix64) rather than taken
//! from `std`, because band keys are stored on disk and must not change with
//! the compiler version.

use crate::dedup::decide::MIN_BODY_WORDS;
use crate::model::Article;
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// Number of MinHash slots in a signature.
pub const HASHES: usize = 64;
/// Number of LSH bands each signature is cut into.
pub const SIGNATURE_BANDS: usize = 16;
/// LSH bands of the lead's opening: a copy under a new headline, or with its
/// lead trimmed to the first sentence, still shares its opening words. Half
/// as many bands as the whole signature: openings of the same story are
/// nearly identical, so few bands find them, and every band is one more
/// index row per stored version.
pub const LEAD_BANDS: usize = 8;
/// LSH bands of the body's opening ([`BODY_WORDS`]): a partner that cut the
/// lead and rewrote the headline, or put a sentence of its own first, still
/// runs most of the body.
pub const BODY_BANDS: usize = 8;
/// Band keys per story: the title + lead signature's, the lead opening's,
/// then the body's.
pub const BANDS: usize = SIGNATURE_BANDS + LEAD_BANDS + BODY_BANDS;
/// Words of the lead's opening banded on their own: about its first sentence.
pub const OPENING_WORDS: usize = 24;
/// Slots per LSH band.
pub const ROWS: usize = HASHES / SIGNATURE_BANDS;
/// Words of the body used as the lead when the item has no summary.
pub const LEAD_WORDS: usize = 60;
/// Words of the body kept for comparing bodies: the lead and a paragraph
/// after it, enough that a lead cut by a third still leaves most of them
/// shared. Bounded because every stored source version keeps them
/// (about 700 bytes) and every candidate's are read and compared.
pub const BODY_WORDS: usize = 100;

/// The comparable essence of one story: its normalized words. The MinHash
/// signature is derived from them only where band keys are needed, so
/// verifying a candidate costs no hashing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Normalized title words, in order.
    pub title: Vec<String>,
    /// Normalized lead words, in order, at most [`LEAD_WORDS`].
    pub lead: Vec<String>,
    /// Normalized words of the body's opening, in order, at most
    /// [`BODY_WORDS`]; empty when the item has no body, or when the
    /// fingerprint was stored before bodies were kept.
    pub body: Vec<String>,
}

impl Fingerprint {
    /// Fingerprints an article from its title, lead and body.
    pub fn of(article: &Article) -> Fingerprint {
        let title = tokens(&article.title);
        // Only the opening is kept, so only the opening is read: a body is
        // often ten times its first BODY_WORDS words.
        let body_text = article
            .content_html
            .as_deref()
            .map(|html| strip_html(html, BODY_WORDS * MAX_BYTES_PER_WORD))
            .unwrap_or_default();
        let body = tokens_up_to(without_dateline(&body_text), BODY_WORDS);
        let mut lead = match article.summary.as_deref() {
            Some(summary) if !summary.trim().is_empty() => tokens(without_dateline(summary)),
            _ => body.clone(),
        };
        lead.truncate(LEAD_WORDS);
        Fingerprint { title, lead, body }
    }

    /// The words as text, for storing: tokens never contain whitespace, so
    /// spaces separate words and newlines end the title and the lead.
    pub fn to_stored(&self) -> String {
        format!(
            "{}\n{}\n{}",
            self.title.join(" "),
            self.lead.join(" "),
            self.body.join(" ")
        )
    }

    /// The inverse of [`Fingerprint::to_stored`]. Text stored before bodies
    /// were kept ("title\nlead") reads with an empty body, which compares
    /// as it did then: the body rule needs a body on both sides.
    pub fn from_stored(stored: &str) -> Fingerprint {
        let mut parts = stored.splitn(3, '\n');
        let mut words = || {
            parts
                .next()
                .unwrap_or("")
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect()
        };
        Fingerprint {
            title: words(),
            lead: words(),
            body: words(),
        }
    }

    /// One key per LSH band; two fingerprints sharing a key are candidates.
    /// The first [`SIGNATURE_BANDS`] keys band the MinHash of title + lead
    /// (the keys stored before the lead keys existed, unchanged), the next
    /// [`LEAD_BANDS`] the MinHash of the lead's first [`OPENING_WORDS`]
    /// words, so a copy under a new headline or with a trimmed lead is found
    /// by its opening, and the last [`BODY_BANDS`] the MinHash of the body's
    /// opening, so a copy whose lead was cut or preceded by a sentence of the
    /// partner's own is found by the rest of its text. The band index is
    /// mixed in so equal slots in different bands differ. A story without a
    /// lead bands its title + lead signature twice rather than the empty
    /// lead, which every lead-less story shares; a story without a body long
    /// enough for the body rule ([`MIN_BODY_WORDS`]) bands its whole lead
    /// there, the longest text it has. A version stored before the body
    /// bands existed keeps the first keys it had, and is found by them.
    /// `None` for a story without words: it has nothing to compare, and
    /// indexing it would make every empty item a candidate of every other.
    pub fn band_keys(&self) -> Option<[i64; BANDS]> {
        if self.title.is_empty() && self.lead.is_empty() {
            return None;
        }
        let story: [u64; HASHES] = minhash(&self.story_shingles());
        let lead: [u64; LEAD_BANDS * ROWS] = if self.lead.is_empty() {
            std::array::from_fn(|slot| story[slot])
        } else {
            let opening: Vec<&str> = self
                .lead
                .iter()
                .take(OPENING_WORDS)
                .map(String::as_str)
                .collect();
            minhash(&shingle_hashes(&opening))
        };
        let body: [u64; BODY_BANDS * ROWS] = if self.body.len() >= MIN_BODY_WORDS {
            one_permutation_minhash(&self.body_shingles())
        } else if self.lead.is_empty() {
            std::array::from_fn(|slot| story[slot])
        } else {
            minhash(&self.lead_shingles())
        };
        let key = |band: usize, slots: &[u64]| {
            let mut hash = fnv1a(&(band as u64).to_le_bytes(), FNV_OFFSET);
            for slot in slots {
                hash = fnv1a(&slot.to_le_bytes(), hash);
            }
            // SQLite integers are signed; the bits are what matter.
            hash as i64
        };
        let mut keys = [0i64; BANDS];
        for (band, slots) in story.chunks(ROWS).enumerate() {
            keys[band] = key(band, slots);
        }
        for (n, slots) in lead.chunks(ROWS).enumerate() {
            keys[SIGNATURE_BANDS + n] = key(SIGNATURE_BANDS + n, slots);
        }
        for (n, slots) in body.chunks(ROWS).enumerate() {
            let band = SIGNATURE_BANDS + LEAD_BANDS + n;
            keys[band] = key(band, slots);
        }
        Some(keys)
    }

    /// Set of word pairs of the title followed by the lead.
    pub fn story_shingles(&self) -> BTreeSet<u64> {
        let words: Vec<&str> = self
            .title
            .iter()
            .chain(&self.lead)
            .map(String::as_str)
            .collect();
        shingle_hashes(&words)
    }

    /// Set of word pairs of the lead alone.
    pub fn lead_shingles(&self) -> BTreeSet<u64> {
        let words: Vec<&str> = self.lead.iter().map(String::as_str).collect();
        shingle_hashes(&words)
    }

    /// Set of word pairs of the body's opening.
    pub fn body_shingles(&self) -> BTreeSet<u64> {
        let words: Vec<&str> = self.body.iter().map(String::as_str).collect();
        shingle_hashes(&words)
    }
}

/// An agency dateline at the start of a lead: the place in capitals, maybe a
/// date, maybe the agency in brackets, then a dash ("TARSEL, Nov 17 (CPA) -",
/// "WASHINGTON (AP) —"). Partners usually drop it when they republish.
static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*\p{Lu}[\p{Lu}\p{M}'’. -]*\p{Lu}(?:,[^()\n]{1,30}?)?\s*(?:\([^()\n]{1,40}\)\s*)?[-–—]{1,2}\s+")
        .expect("the dateline pattern is valid")
});

/// `text` without a leading agency dateline. The dateline's date would
/// otherwise count as a figure of the story: "Nov 17" against a copy that
/// dropped it, or against a headline's "9-year-old", reads as a conflict.
fn without_dateline(text: &str) -> &str {
    match DATELINE.find(text) {
        Some(dateline) => &text[dateline.end()..],
        None => text,
    }
}

/// Lower-cased alphanumeric runs of `text`; everything else separates words.
pub fn tokens(text: &str) -> Vec<String> {
    tokens_up_to(text, usize::MAX)
}

/// The first `cap` of [`tokens`], without lower-casing the rest.
fn tokens_up_to(text: &str, cap: usize) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(cap)
        .map(|word| {
            // The same result for ASCII, without Unicode's case tables.
            if word.is_ascii() {
                word.to_ascii_lowercase()
            } else {
                word.to_lowercase()
            }
        })
        .collect()
}

/// Bytes of text read per body word kept: prose averages six to eleven
/// (English to Arabic, with the space), so this reads the whole opening of
/// a body written in words; text without spaces is cut there, the same way
/// on both sides of a comparison.
const MAX_BYTES_PER_WORD: usize = 16;

/// Jaccard similarity of two sets; 0 when both are empty.
pub fn jaccard<T: Ord>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

/// Share of the smaller set's elements found in the other set; 0 when
/// either is empty. Unlike [`jaccard`] it stays high when one text is a
/// trimmed copy of the other.
pub fn containment<T: Ord>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / smaller as f64
}

/// Text of an HTML fragment, tags and entities replaced by spaces: enough for
/// comparing words, not for display. Stops once `limit` bytes of text are out.
fn strip_html(html: &str, limit: usize) -> String {
    let mut text = String::with_capacity(html.len().min(limit + 4));
    let mut in_tag = false;
    let mut in_entity = false;
    for c in html.chars() {
        if text.len() >= limit {
            break;
        }
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            '&' if !in_tag => in_entity = true,
            ';' if in_entity => {
                in_entity = false;
                text.push(' ');
            }
            _ if in_tag => {}
            _ if in_entity && (c.is_ascii_alphanumeric() || c == '#') => {}
            _ => {
                in_entity = false;
                text.push(c);
            }
        }
    }
    text
}

/// Hashes of the overlapping word pairs; a one-word text is its own shingle.
fn shingle_hashes(words: &[&str]) -> BTreeSet<u64> {
    if words.len() == 1 {
        return BTreeSet::from([fnv1a(words[0].as_bytes(), FNV_OFFSET)]);
    }
    words
        .windows(2)
        .map(|pair| pair_hash(pair[0], pair[1]))
        .collect()
}

/// The shingle hash of one word pair.
fn pair_hash(first: &str, second: &str) -> u64 {
    let first = fnv1a(first.as_bytes(), FNV_OFFSET);
    fnv1a(second.as_bytes(), fnv1a(b" ", first))
}

/// The first `N` slots of a MinHash signature ([`HASHES`] for the full one):
/// slot `i` is the same whatever `N`, so a signature banded only in part is
/// computed only as far as its bands reach.
fn minhash<const N: usize>(shingles: &BTreeSet<u64>) -> [u64; N] {
    // The seeds' own mixes, once per signature instead of once per shingle
    // and slot: half the hashing of a cold cycle's fingerprints, same keys.
    let seeds: [u64; N] = std::array::from_fn(|seed| splitmix64(seed as u64 + 1));
    let mut signature = [u64::MAX; N];
    for &shingle in shingles {
        for (slot, seed) in signature.iter_mut().zip(&seeds) {
            *slot = (*slot).min(splitmix64(shingle ^ seed));
        }
    }
    signature
}

/// A MinHash of `N` slots from one hash per shingle (one-permutation
/// hashing): each shingle's hash picks a slot and competes there with the
/// others that picked it. A body's hundred-odd shingles would cost `N`
/// hashes each with a function per slot; here they cost one. A slot no
/// shingle picked takes the next filled slot's value mixed with the
/// distance to it, so two similar texts fill it alike (densification by
/// rotation, after Shrivastava and Li, 2014).
fn one_permutation_minhash<const N: usize>(shingles: &BTreeSet<u64>) -> [u64; N] {
    // Its own seed, apart from the per-slot functions' (1..=HASHES).
    const SEED: u64 = 0x6f6e_6570_6572_6d21;
    let mut signature = [u64::MAX; N];
    for &shingle in shingles {
        let hash = splitmix64(shingle ^ SEED);
        let slot = (hash % N as u64) as usize;
        signature[slot] = signature[slot].min(hash / N as u64);
    }
    if signature.iter().all(|&value| value == u64::MAX) {
        return signature;
    }
    let picked = signature;
    for (slot, value) in signature.iter_mut().enumerate() {
        if *value == u64::MAX {
            let distance = (1..N)
                .find(|distance| picked[(slot + distance) % N] != u64::MAX)
                .unwrap_or(0);
            *value = splitmix64(picked[(slot + distance) % N] ^ distance as u64);
        }
    }
    signature
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// A strong 64-bit mixer; seeds it to get independent MinHash functions.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::testing::article;

    #[test]
    fn punctuation_and_case_do_not_change_tokens() {
        assert_eq!(
            tokens("Al-Nakhalah: We ARE ready…"),
            ["al", "nakhalah", "we", "are", "ready"]
        );
    }

    #[test]
    fn stored_words_read_back_as_the_same_fingerprint() {
        let story = article("a", "f")
            .title("Al-Nakhalah: We are ready")
            .summary("غزة، اليوم: the 3rd day")
            .build();
        let fingerprint = Fingerprint::of(&story);
        assert_eq!(
            Fingerprint::from_stored(&fingerprint.to_stored()),
            fingerprint
        );
        assert_eq!(
            Fingerprint::from_stored("\n"),
            Fingerprint {
                title: vec![],
                lead: vec![],
                body: vec![]
            }
        );
    }

    #[test]
    fn arabic_words_are_tokens() {
        assert_eq!(tokens("غزة، اليوم"), ["غزة", "اليوم"]);
    }

    #[test]
    fn lead_falls_back_to_body_text_without_tags_or_entities() {
        let story = article("a", "f")
            .title("Title")
            .no_summary()
            .body("<p>Rain&nbsp;fell <b>hard</b> today.</p>")
            .build();
        assert_eq!(
            Fingerprint::of(&story).lead,
            ["rain", "fell", "hard", "today"]
        );
    }

    #[test]
    fn lead_is_capped_at_lead_words() {
        let long = "word ".repeat(LEAD_WORDS * 2);
        let story = article("a", "f").summary(&long).build();
        assert_eq!(Fingerprint::of(&story).lead.len(), LEAD_WORDS);
    }

    #[test]
    fn identical_stories_share_every_band_key() {
        let a = Fingerprint::of(
            &article("a", "f")
                .title("Same words here")
                .no_summary()
                .build(),
        );
        let b = Fingerprint::of(
            &article("b", "g")
                .title("same words, here!")
                .no_summary()
                .build(),
        );
        assert!(a.band_keys().is_some());
        assert_eq!(a.band_keys(), b.band_keys());
    }

    #[test]
    fn story_without_words_has_no_band_keys() {
        let empty = article("a", "f").title(" – ").no_summary().build();
        assert_eq!(Fingerprint::of(&empty).band_keys(), None);
    }

    #[test]
    fn unrelated_stories_share_no_band_key() {
        let a = Fingerprint::of(
            &article("a", "f")
                .title("Central bank raises interest rates again")
                .summary("The bank cited persistent inflation in services and housing.")
                .build(),
        );
        let b = Fingerprint::of(
            &article("b", "f")
                .title("Local team wins the cup final on penalties")
                .summary("Fans celebrated in the streets until the early morning.")
                .build(),
        );
        let (a, b) = (a.band_keys().unwrap(), b.band_keys().unwrap());
        let shared = a.iter().filter(|key| b.contains(key)).count();
        assert_eq!(shared, 0);
    }

    #[test]
    fn agency_dateline_is_not_part_of_the_lead() {
        let lead =
            |summary: &str| Fingerprint::of(&article("a", "f").summary(summary).build()).lead;
        assert_eq!(
            lead("TARSEL, Nov 17 (CPA) - The toll rose."),
            ["the", "toll", "rose"]
        );
        assert_eq!(lead("GAZA CITY (AP) — Strikes hit."), ["strikes", "hit"]);
        assert_eq!(
            lead("NATO said on Monday"),
            ["nato", "said", "on", "monday"]
        );
        assert_eq!(
            lead("Officials - and residents - agreed."),
            ["officials", "and", "residents", "agreed"]
        );
    }

    #[test]
    fn containment_measures_the_smaller_set() {
        let big = BTreeSet::from([1, 2, 3, 4]);
        let small = BTreeSet::from([1, 2]);
        assert_eq!(containment(&big, &small), 1.0);
        assert_eq!(jaccard(&big, &small), 0.5);
        assert_eq!(containment(&big, &BTreeSet::new()), 0.0);
    }

    #[test]
    fn copy_under_a_new_headline_shares_the_lead_band_keys() {
        let lead = "The National Bank raised its main interest rate by a quarter of a \
                    percentage point on Thursday, its third increase this year.";
        let agency = Fingerprint::of(
            &article("a", "f")
                .title("National Bank raises interest rate")
                .summary(lead)
                .build(),
        );
        let partner = Fingerprint::of(
            &article("b", "g")
                .title("Rates up again as borrowers brace for higher bills")
                .summary(lead)
                .build(),
        );
        let (a, b) = (agency.band_keys().unwrap(), partner.band_keys().unwrap());
        assert_eq!(a[SIGNATURE_BANDS..], b[SIGNATURE_BANDS..]);
        assert_ne!(a[..SIGNATURE_BANDS], b[..SIGNATURE_BANDS]);
    }

    #[test]
    fn a_fingerprint_stored_before_bodies_were_kept_reads_with_no_body() {
        let old = Fingerprint::from_stored("toll rises\nthe toll rose to 38");
        assert_eq!(old.title, ["toll", "rises"]);
        assert_eq!(old.lead, ["the", "toll", "rose", "to", "38"]);
        assert!(old.body.is_empty());
    }

    #[test]
    fn the_body_opening_is_kept_without_tags_or_dateline_and_capped() {
        let paragraph = "word ".repeat(BODY_WORDS);
        let story = article("a", "f")
            .summary("A lead of its own.")
            .body(&format!(
                "<p>TARSEL, Nov 17 (CPA) - Rain fell.</p><p>{paragraph}</p>"
            ))
            .build();
        let body = Fingerprint::of(&story).body;
        assert_eq!(body[..3], ["rain", "fell", "word"]);
        assert_eq!(body.len(), BODY_WORDS);
        assert_eq!(
            Fingerprint::of(&story).lead,
            ["a", "lead", "of", "its", "own"]
        );
    }

    #[test]
    fn band_keys_stored_before_body_bands_existed_are_unchanged() {
        // The keys of this story as the 24-band code computed them: versions
        // stored then must still be found by the first 24 keys.
        let stored: [i64; 24] = [
            7332593872408334535,
            6404898032712780533,
            -1513726426208579018,
            -6101474243692248465,
            714269738346616614,
            6227560749196237586,
            5831150628596213562,
            4742514897075144495,
            4853779155220546856,
            8849065472547209506,
            3174267590955172669,
            -2973163872724515833,
            -6544276773099139979,
            -1661762023615826017,
            7670957626141647353,
            -2464117203253267629,
            -549940457093733831,
            -9001346371729460699,
            8450236936976854246,
            5213765551137106536,
            -2278511859062435141,
            -5126314534659454206,
            -438076374317533430,
            -7593761538060624641,
        ];
        let fingerprint = Fingerprint::of(
            &article("a", "f")
                .title("National Bank raises interest rate")
                .summary(
                    "The National Bank raised its main interest rate by a quarter of a \
                     percentage point on Thursday, its third increase this year.",
                )
                .build(),
        );
        let keys = fingerprint.band_keys().unwrap();
        assert_eq!(keys[..SIGNATURE_BANDS + LEAD_BANDS], stored);
    }

    #[test]
    fn a_copy_with_a_cut_lead_and_a_new_headline_shares_body_band_keys() {
        let cut = "The National Bank raised its main interest rate by a quarter of a \
                   percentage point on Thursday.";
        let rest = "Its third increase this year came as inflation fell more slowly than \
                    it had expected, the bank said.";
        let more = "<p>Most economists polled last week had expected the bank to raise \
                    rates, though a minority had forecast a pause. Mortgage lenders said \
                    they would pass the increase on to borrowers on variable rates within \
                    weeks, and savers could expect better rates on deposits.</p>";
        let agency = Fingerprint::of(
            &article("a", "f")
                .title("National Bank raises interest rate")
                .no_summary()
                .body(&format!("<p>{cut} {rest}</p>{more}"))
                .build(),
        );
        let partner = Fingerprint::of(
            &article("b", "g")
                .title("Borrowers brace for higher bills")
                .no_summary()
                .body(&format!(
                    "<p>Homeowners will pay more from next month. {cut}</p>{more}"
                ))
                .build(),
        );
        let (a, b) = (agency.band_keys().unwrap(), partner.band_keys().unwrap());
        let body_bands = SIGNATURE_BANDS + LEAD_BANDS..BANDS;
        let shared = a[body_bands.clone()]
            .iter()
            .filter(|key| b[body_bands.clone()].contains(key))
            .count();
        assert!(shared >= 1, "no body band key shared");
    }

    #[test]
    fn hash_functions_match_their_published_values() {
        // Band keys are stored on disk: a change here would orphan every stored key.
        assert_eq!(fnv1a(b"a", FNV_OFFSET), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
    }
}
