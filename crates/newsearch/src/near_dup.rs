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
/// indexed, on the thread that feeds the indexing threads.
///
/// The scan is branch-free (a word ending is a conditional store, not a jump: word lengths
/// are too irregular to predict) and runs over several stretches of the text at once, each cut
/// at a separator, so that the multiply chains of independent words overlap.
pub(crate) fn simhash(title: &str, body: &str) -> u64 {
    let mut words: Vec<u64> = Vec::with_capacity((title.len() + body.len()) / 2 + 2 * STREAMS + 4);
    word_hashes(title.as_bytes(), &mut words);
    word_hashes(body.as_bytes(), &mut words);
    if words.is_empty() {
        return 0;
    }
    if words.len() < SHINGLE {
        majority([combine(&words)])
    } else {
        majority(words.windows(SHINGLE).map(combine))
    }
}

/// Stretches of a long text hashed at once.
const STREAMS: usize = 2;

/// Texts shorter than this are scanned as one stretch.
const SPLIT_BYTES: usize = 256;

/// Appends the hash of each word of `text` to `words`, in order.
fn word_hashes(text: &[u8], words: &mut Vec<u64>) {
    if text.len() < SPLIT_BYTES {
        scan_all::<1>([text], words);
        return;
    }
    // Cut at separators near every 1/STREAMS of the text, so no word spans two stretches.
    let mut cuts = [0usize; STREAMS + 1];
    cuts[STREAMS] = text.len();
    for k in 1..STREAMS {
        let mut at = (text.len() * k / STREAMS).max(cuts[k - 1]);
        while at < text.len() && WORD_BYTE[usize::from(text[at])] != 0 {
            at += 1;
        }
        cuts[k] = at;
    }
    scan_all::<STREAMS>(std::array::from_fn(|k| &text[cuts[k]..cuts[k + 1]]), words);
}

/// Hashes the words of `stretches` side by side, each into its own region of `words`, then
/// closes the gaps between the regions.
#[expect(
    clippy::needless_range_loop,
    reason = "byte i of every stretch in one step: the stretches advance together"
)]
fn scan_all<const N: usize>(stretches: [&[u8]; N], words: &mut Vec<u64>) {
    // A stretch of n bytes has at most n / 2 + 1 words, and a scan writes one slot past its
    // last word.
    let room = stretches.map(|s| s.len() / 2 + 2);
    let start = words.len();
    words.resize(start + room.iter().sum::<usize>(), 0);
    let mut rest = &mut words[start..];
    let regions: [&mut [u64]; N] = std::array::from_fn(|k| {
        let (region, tail) = std::mem::take(&mut rest).split_at_mut(room[k]);
        rest = tail;
        region
    });
    let mut hashes = [0u64; N];
    let mut in_word = [false; N];
    let mut counts = [0usize; N];
    let shortest = stretches.iter().map(|s| s.len()).min().unwrap_or(0);
    for i in 0..shortest {
        for k in 0..N {
            step(&mut hashes[k], &mut in_word[k], stretches[k][i], regions[k], &mut counts[k]);
        }
    }
    for k in 0..N {
        for &b in &stretches[k][shortest..] {
            step(&mut hashes[k], &mut in_word[k], b, regions[k], &mut counts[k]);
        }
        if in_word[k] {
            regions[k][counts[k]] = hashes[k];
            counts[k] += 1;
        }
    }
    let mut end = start;
    let mut from = start;
    for k in 0..N {
        words.copy_within(from..from + counts[k], end);
        end += counts[k];
        from += room[k];
    }
    words.truncate(end);
}

/// One byte of a scan: extends the word's hash, or ends the word (its hash stored at `n`,
/// counted only if there was a word).
#[inline(always)]
fn step(h: &mut u64, in_word: &mut bool, b: u8, out: &mut [u64], n: &mut usize) {
    let folded = WORD_BYTE[usize::from(b)];
    let next = (h.rotate_left(5) ^ u64::from(folded)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let separator = folded == 0;
    out[*n] = *h;
    *n += usize::from(separator & *in_word);
    *h = if separator { 0 } else { next };
    *in_word = !separator;
}

/// Each bit set where most of `hashes` have it set.
///
/// The 64 counters are bytes, eight to a machine word: adding a hash adds, for each of its
/// eight bytes, that byte's bits spread one to a byte (a table lookup), with no branch; the
/// byte counters are emptied into wide ones before they can overflow.
fn majority(hashes: impl IntoIterator<Item = u64>) -> u64 {
    let mut lanes = [0u64; 8];
    let mut totals = [0u32; 64];
    let mut in_lanes = 0u32;
    let mut n = 0u64;
    let flush = |lanes: &mut [u64; 8], totals: &mut [u32; 64]| {
        for (i, lane) in lanes.iter_mut().enumerate() {
            for (j, count) in lane.to_le_bytes().into_iter().enumerate() {
                totals[8 * i + j] += u32::from(count);
            }
            *lane = 0;
        }
    };
    for h in hashes {
        for (i, lane) in lanes.iter_mut().enumerate() {
            *lane += SPREAD[((h >> (8 * i)) & 0xff) as usize];
        }
        n += 1;
        in_lanes += 1;
        if in_lanes == u32::from(u8::MAX) {
            flush(&mut lanes, &mut totals);
            in_lanes = 0;
        }
    }
    flush(&mut lanes, &mut totals);
    totals
        .iter()
        .enumerate()
        .fold(0u64, |acc, (bit, &ones)| if 2 * u64::from(ones) > n { acc | 1 << bit } else { acc })
}

/// Each byte value with its bit j moved to the lowest bit of byte j.
const SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut j = 0;
        while j < 8 {
            if b >> j & 1 == 1 {
                table[b] |= 1 << (8 * j);
            }
            j += 1;
        }
        b += 1;
    }
    table
};

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
    fn byte_counter_majority_matches_plain_counting() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for n in [1usize, 2, 3, 7, 64, 254, 255, 256, 511, 1000] {
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

    /// The fingerprint as first written: one byte at a time, a branch per word ending.
    fn simhash_one_byte_at_a_time(title: &str, body: &str) -> u64 {
        let mut words = Vec::new();
        for text in [title, body] {
            let (mut h, mut in_word) = (0u64, false);
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
        match words.len() {
            0 => 0,
            n if n < SHINGLE => majority([combine(&words)]),
            _ => majority(words.windows(SHINGLE).map(combine)),
        }
    }

    proptest::proptest! {
        /// Fingerprints stored by earlier versions stay comparable: the stretches scanned side
        /// by side give exactly the one-pass fingerprint, wherever the cuts fall.
        #[test]
        fn side_by_side_scan_gives_the_one_pass_fingerprint(
            title in "[a-zA-Z0-9 .,'é-]{0,40}",
            body in "([a-zA-Z0-9]{1,12}|[ \\n.,;:()'’-]{1,3}|Київ|naïve|—){0,400}",
        ) {
            proptest::prop_assert_eq!(simhash(&title, &body), simhash_one_byte_at_a_time(&title, &body));
        }
    }

    #[test]
    fn long_texts_and_texts_without_separators_give_the_one_pass_fingerprint() {
        let long = STORY.repeat(40);
        let no_gaps = "x".repeat(3000);
        let one_gap = format!("{}{}", "a".repeat(1500), " b".repeat(3));
        for body in [
            long.as_str(),
            no_gaps.as_str(),
            one_gap.as_str(),
            &long[..SPLIT_BYTES],
            &long[..SPLIT_BYTES - 1],
        ] {
            assert_eq!(simhash("A title", body), simhash_one_byte_at_a_time("A title", body));
        }
    }

    #[test]
    fn case_and_punctuation_do_not_matter() {
        assert_eq!(simhash("A title", STORY), simhash("a TITLE!", &STORY.to_uppercase()));
        assert_eq!(simhash("", ""), 0);
    }
}
