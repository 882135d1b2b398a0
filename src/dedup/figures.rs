//! The figures of a story's words, read the way a desk reads them: "seven
//! miners" and "7 miners" carry the same figure.
//!
//! Figures are what tells a day's news from the next ("the toll rises to
//! 38", "… to 71"), so [`crate::dedup::decide`] compares them; it needs them
//! normalized, because an agency spells out numbers under ten and many
//! partners write every number in figures, and it needs to know where each
//! sits, to compare only figures that stand in text both stories share.
//!
//! Digits are taken as the tokens they are: separators split them ("120,000"
//! is `120` and `000`, "4.25" is `4` and `25`), the same way on both sides
//! of a comparison; joining groups back would read "toll 71, 400 injured" as
//! 71,400. Spelled-out numbers become the digits a writer would put in their
//! place, up to 999 ("two hundred and twelve" is `212`). A scale word stays
//! a word, as it does after digits: "forty million" is `40`, like "40
//! million"; "seven thousand" is `7`, which "7,000" (`7`, `000`) contains.
//!
//! Only exact English cardinals are read as numbers: one to nineteen, the
//! tens, and hundred. "Dozens", "hundreds" or "a third" are not figures, and
//! neither are ordinals ("14th"): they say how much, not which number. Other
//! languages' number words are left as words: reading them needs the
//! story's language (the Spanish "once" is eleven, the English "once" no
//! number), and a translation is another story anyway.

use std::borrow::Cow;

/// One figure among a run of words: its value, and the words it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure<'w> {
    /// The digits as written (borrowed: most figures are), or a
    /// spelled-out number's digits.
    pub value: Cow<'w, str>,
    /// Index of its first word.
    pub start: usize,
    /// Index after its last word.
    pub end: usize,
}

/// The figures of `words` (normalized tokens, as
/// [`crate::dedup::fingerprint::tokens`] makes them), in order.
pub fn figures(words: &[String]) -> Vec<Figure<'_>> {
    let mut found = Vec::new();
    let mut at = 0;
    while at < words.len() {
        let figure = if is_number(&words[at]) {
            Some(Figure {
                value: Cow::Borrowed(words[at].as_str()),
                start: at,
                end: at + 1,
            })
        } else {
            spelled_at(words, at)
        };
        match figure {
            Some(figure) => {
                at = figure.end;
                found.push(figure);
            }
            None => at += 1,
        }
    }
    found
}

/// Whether a token is a number as written: every character numeric, in any
/// script, as the figures rule counted before number words were read.
fn is_number(word: &str) -> bool {
    !word.is_empty() && word.chars().all(char::is_numeric)
}

/// What a number word is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    /// One to nineteen.
    Small(u32),
    /// Twenty, thirty, … ninety.
    Tens(u32),
    Hundred,
}

fn number_word(word: &str) -> Option<Word> {
    // Every word of both stories passes here on every comparison: most are
    // turned away by their length or first letter before any comparing.
    if !(3..=9).contains(&word.len())
        || !matches!(
            word.as_bytes()[0],
            b'o' | b't' | b'f' | b's' | b'e' | b'n' | b'h'
        )
    {
        return None;
    }
    Some(match word {
        "one" => Word::Small(1),
        "two" => Word::Small(2),
        "three" => Word::Small(3),
        "four" => Word::Small(4),
        "five" => Word::Small(5),
        "six" => Word::Small(6),
        "seven" => Word::Small(7),
        "eight" => Word::Small(8),
        "nine" => Word::Small(9),
        "ten" => Word::Small(10),
        "eleven" => Word::Small(11),
        "twelve" => Word::Small(12),
        "thirteen" => Word::Small(13),
        "fourteen" => Word::Small(14),
        "fifteen" => Word::Small(15),
        "sixteen" => Word::Small(16),
        "seventeen" => Word::Small(17),
        "eighteen" => Word::Small(18),
        "nineteen" => Word::Small(19),
        "twenty" => Word::Tens(20),
        "thirty" => Word::Tens(30),
        "forty" => Word::Tens(40),
        "fifty" => Word::Tens(50),
        "sixty" => Word::Tens(60),
        "seventy" => Word::Tens(70),
        "eighty" => Word::Tens(80),
        "ninety" => Word::Tens(90),
        "hundred" => Word::Hundred,
        _ => return None,
    })
}

/// The figure spelled out at `start` ("seven", "twenty five", "two hundred
/// and twelve"), if a number word starts there. A word that does not
/// continue a number the way English writes one starts the next figure:
/// "five to four" is 5 and 4, "four five" is 4 and 5.
fn spelled_at(words: &[String], start: usize) -> Option<Figure<'static>> {
    let mut value = 0;
    let mut last: Option<Word> = None;
    let mut end = start;
    while end < words.len() {
        let Some(word) = number_word(&words[end]) else {
            // "two hundred and twelve": "and" joins a hundred to what follows.
            let joins = words[end] == "and"
                && last == Some(Word::Hundred)
                && matches!(
                    words.get(end + 1).and_then(|w| number_word(w)),
                    Some(Word::Small(_) | Word::Tens(_))
                );
            if joins {
                end += 1;
                continue;
            }
            break;
        };
        let fits = match (last, word) {
            (None | Some(Word::Hundred), Word::Small(_) | Word::Tens(_)) => true,
            (Some(Word::Tens(_)), Word::Small(n)) => n < 10,
            // "a hundred", "two hundred", "twenty hundred" (2,000) all read.
            (None | Some(Word::Small(_) | Word::Tens(_)), Word::Hundred) => value < 100,
            _ => false,
        };
        if !fits {
            break;
        }
        match word {
            Word::Small(n) | Word::Tens(n) => value += n,
            Word::Hundred => value = value.max(1) * 100,
        }
        last = Some(word);
        end += 1;
    }
    (end > start).then(|| Figure {
        value: Cow::Owned(value.to_string()),
        start,
        end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::fingerprint::tokens;

    fn values(text: &str) -> Vec<String> {
        figures(&tokens(text))
            .into_iter()
            .map(|figure| figure.value.into_owned())
            .collect()
    }

    #[test]
    fn number_words_read_as_the_digits_a_partner_writes() {
        assert_eq!(values("at least seven dead"), values("killing at least 7"));
        assert_eq!(values("Nineteen arrested"), ["19"]);
        assert_eq!(values("twenty-five villages"), ["25"]);
        assert_eq!(values("two hundred and twelve votes"), ["212"]);
        assert_eq!(values("a hundred homes"), ["100"]);
    }

    #[test]
    fn scale_words_stay_words_after_digits_and_after_number_words() {
        assert_eq!(values("forty million euros"), values("40 million euros"));
        assert_eq!(values("seven thousand homes"), ["7"]);
        assert_eq!(values("7,000 homes"), ["7", "000"]);
    }

    #[test]
    fn digits_are_the_tokens_they_are() {
        assert_eq!(values("120,000 homes"), ["120", "000"]);
        assert_eq!(values("toll 71, 400 injured"), ["71", "400"]);
        assert_eq!(values("4.25 percent"), ["4", "25"]);
        assert_eq!(values("٣ قتلى"), ["٣"]);
    }

    #[test]
    fn words_that_do_not_continue_a_number_start_the_next() {
        assert_eq!(values("by five to four"), ["5", "4"]);
        assert_eq!(values("four five"), ["4", "5"]);
        assert_eq!(values("twenty twelve"), ["20", "12"]);
        assert_eq!(values("hundred and fifty"), ["150"]);
        assert_eq!(values("bread and butter, seven and eight"), ["7", "8"]);
        assert_eq!(values("two hundred hundred"), ["200", "100"]);
    }

    #[test]
    fn amounts_that_are_not_exact_cardinals_are_not_figures() {
        assert!(values("dozens of houses, hundreds of people").is_empty());
        assert!(values("the 14th place, the 1990s, a third").is_empty());
    }

    #[test]
    fn a_figure_knows_the_words_it_spans() {
        let words = tokens("toll of two hundred rises");
        assert_eq!(
            figures(&words),
            [Figure {
                value: Cow::from("200"),
                start: 2,
                end: 4
            }]
        );
    }
}
