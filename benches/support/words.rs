//! Newsroom-sized synthetic text for the benchmarks: a vocabulary of about
//! 6,000 made-up words and a deterministic generator, so every run builds
//! the same copy. Real copy uses thousands of words; a tiny vocabulary would
//! make unrelated stories look alike to the duplicate folding.

/// Syllables the vocabulary is built from.
const SYLLABLES: [&str; 24] = [
    "ba", "ker", "lo", "mi", "na", "tor", "ve", "sa", "ri", "den", "po", "lan", "te", "gu", "fi",
    "mor", "da", "zen", "ho", "cal", "stra", "pe", "win", "ju",
];

/// About 6,000 distinct words.
pub fn vocabulary() -> Vec<String> {
    let mut words = Vec::new();
    for a in SYLLABLES {
        for b in SYLLABLES {
            words.push(format!("{a}{b}"));
            for c in SYLLABLES.iter().take(9) {
                words.push(format!("{a}{b}{c}"));
            }
        }
    }
    words
}

/// A small xorshift generator, seeded by its one field.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A word, the common ones far more often than the rare (as in real text).
    pub fn word<'a>(&mut self, words: &'a [String]) -> &'a str {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        &words[((u * u * u) * words.len() as f64) as usize]
    }

    /// `n` words separated by spaces.
    pub fn sentence(&mut self, words: &[String], n: usize) -> String {
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(self.word(words));
        }
        s
    }
}
