//! Finding the bytes a JSON string cannot hold verbatim, eight bytes at a time.
//!
//! Reading a string and writing one both spend most of their time walking runs of ordinary
//! bytes (prompts, catalog notes, ids, URLs) looking for a quote, a backslash or a control
//! character. One word-at-a-time scan serves both, so the trick is written and tested once.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Sets the high bit of every byte of `word` below `n` (exact for bytes below 0x80; a byte at
/// or above 0x80 never sets it, since `!word` clears its high bit).
const fn below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(ONES * n as u64) & !word & HIGHS
}

/// Sets the high bit of every byte of `word` equal to `b`.
const fn equal(word: u64, b: u8) -> u64 {
    below(word ^ (ONES * b as u64), 1)
}

/// The end of the run of bytes from `from` that JSON takes verbatim: the position of the next
/// quote, backslash or control character, or the end of `bytes`.
pub fn plain_run_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        if below(word, 0x20) | equal(word, b'"') | equal(word, b'\\') != 0 {
            break;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b < 0x20 || b == b'"' || b == b'\\' {
            break;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan agrees with a byte-by-byte search from every start, over every byte value in
    /// every position of a word.
    #[test]
    fn agrees_with_the_plain_search() {
        let naive = |b: &[u8], from: usize| {
            (from..b.len())
                .find(|&i| b[i] < 0x20 || b[i] == b'"' || b[i] == b'\\')
                .unwrap_or(b.len())
        };
        for special in 0..=255u8 {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 20];
                bytes[at] = special;
                for from in 0..bytes.len() {
                    assert_eq!(
                        plain_run_end(&bytes, from),
                        naive(&bytes, from),
                        "{special} at {at}"
                    );
                }
            }
        }
    }
}
