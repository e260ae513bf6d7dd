//! Near-duplicate detection: a 64-bit SimHash of each article's title and body, computed
//! at index time and stored as a fast field.
//!
//! The text is cut into lowercase words and every run of three consecutive words (a
//! shingle) is hashed; each of the 64 output bits is the majority vote of that bit over
//! all shingles. Articles sharing most of their shingles get fingerprints a few bits apart,
//! while unrelated ones differ in about half of the 64 bits. Syndicated copies (another
//! byline, a changed headline word, a sentence added or cut) stay within
//! [`NEAR_DUPLICATE_BITS`].

/// Fingerprints at most this many bits apart are near-identical articles.
///
/// On the archive test fixture a syndicated copy (another byline, one headline word and one
/// phrase changed) is 3 bits away and distinct articles on the same story 21 or more; unrelated
/// texts differ in about 32. On the news corpus, the groups formed under --collapse for sample
/// queries were all real copies (updated Reuters stories, BBC articles filed twice).
pub(crate) const NEAR_DUPLICATE_BITS: u32 = 10;

/// Words per shingle.
const SHINGLE: usize = 3;

/// Each byte as it counts in a word (ASCII letters lowercased), or 0 for a separator.
const WORD_BYTE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() || byte >= 0x80 {
            table[b] = byte.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// The fingerprint of an article's title and body.
///
/// Words are runs of ASCII letters and digits and of non-ASCII characters (so `Київ` and
/// `naïve` are words), ASCII letters lowercased; everything else separates words. Hashing is
/// done while scanning the bytes, with no allocation per word: this runs once per article
/// indexed.
pub(crate) fn simhash(title: &str, body: &str) -> u64 {
    let mut words: Vec<u64> = Vec::with_capacity(body.len() / 5 + 8);
    for text in [title, body] {
        let mut h = 0u64;
        let mut in_word = false;
        for &b in text.as_bytes() {
            let folded = WORD_BYTE[usize::from(b)];
            if folded != 0 {
                h = (h.rotate_left(5) ^ u64::from(folded)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                in_word = true;
            } else if in_word {
                words.push(h);
                (h, in_word) = (0, false);
            }
        }
        if in_word {
            words.push(h);
        }
    }
    if words.is_empty() {
        return 0;
    }
    if words.len() < SHINGLE {
        majority([combine(&words)])
    } else {
        majority(words.windows(SHINGLE).map(combine))
    }
}

/// Each bit set where most of `hashes` have it set.
///
/// The 64 counters are kept bit-sliced (word p holds bit p of every counter), so adding a hash
/// is a ripple carry over a few words instead of 64 separate increments.
fn majority(hashes: impl IntoIterator<Item = u64>) -> u64 {
    let mut planes = [0u64; 64];
    let mut n = 0u64;
    for h in hashes {
        let mut carry = h;
        for plane in planes.iter_mut() {
            let next = *plane & carry;
            *plane ^= carry;
            carry = next;
            if carry == 0 {
                break;
            }
        }
        n += 1;
    }
    // Counters never exceed n, so planes past its bit length are empty.
    let used = &planes[..(64 - n.leading_zeros()) as usize];
    let mut result = 0u64;
    for bit in 0..64 {
        let ones: u64 = used.iter().enumerate().map(|(p, plane)| ((plane >> bit) & 1) << p).sum();
        if 2 * ones > n {
            result |= 1 << bit;
        }
    }
    result
}

/// One well-mixed hash for a run of word hashes (order matters).
fn combine(words: &[u64]) -> u64 {
    let mut h = 0x243f_6a88_85a3_08d3u64;
    for &w in words {
        h = (h ^ w).wrapping_mul(0xbf58_476d_1ce4_e5b9).rotate_left(27);
    }
    // A finalizer (SplitMix64's) so every input bit affects every output bit.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Whether two fingerprints belong to near-identical articles.
pub(crate) fn near_identical(a: u64, b: u64) -> bool {
    (a ^ b).count_ones() <= NEAR_DUPLICATE_BITS
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "Ukraine's President Volodymyr Zelensky met the US special envoy Keith Kellogg \
        in Kyiv on Thursday, after days of public sparring between Kyiv and Washington over \
        how to end the war. The two men spoke for more than an hour and did not hold a joint \
        press conference afterwards, which had been planned, a source said. Zelensky said the \
        meeting gave him hope; Kellogg called it extensive and positive.";

    #[test]
    fn copies_with_small_edits_are_near_identical_and_other_text_is_not() {
        let original = simhash("Zelensky meets Kellogg in Kyiv", STORY);
        // A syndicated copy: a byline added and one word changed. (In a text this short every
        // edited word changes three of about 70 shingles, so heavier edits drift further.)
        let edited = format!("By our correspondent. {}", STORY.replace("on Thursday", "on Friday"));
        let copy = simhash("Zelensky meets Kellogg in Kyiv", &edited);
        assert!(near_identical(original, copy), "{} bits apart", (original ^ copy).count_ones());
        let other = simhash(
            "Markets rally",
            "Stocks rose in London and Frankfurt on Friday as investors bet that central banks \
             would cut interest rates sooner than expected, while oil prices fell for a third day.",
        );
        assert!(!near_identical(original, other), "{} bits apart", (original ^ other).count_ones());
    }

    #[test]
    fn bit_sliced_majority_matches_plain_counting() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for n in [1usize, 2, 3, 7, 64, 1000] {
            let hashes: Vec<u64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x
                })
                .collect();
            let plain = (0..64).fold(0u64, |acc, bit| {
                let ones = hashes.iter().filter(|h| *h >> bit & 1 == 1).count();
                if 2 * ones > n { acc | 1 << bit } else { acc }
            });
            assert_eq!(majority(hashes.iter().copied()), plain, "{n} hashes");
        }
    }

    #[test]
    fn case_and_punctuation_do_not_matter() {
        assert_eq!(simhash("A title", STORY), simhash("a TITLE!", &STORY.to_uppercase()));
        assert_eq!(simhash("", ""), 0);
    }
}
