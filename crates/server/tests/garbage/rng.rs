//! The seeded generator of the flood: xorshift64, no dependency.

/// A small xorshift64 generator: deterministic, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that neighbouring seeds diverge.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// One word of a `|`-separated list.
    pub fn word<'a>(&mut self, list: &'a str) -> &'a str {
        let words: Vec<&str> = list.split('|').collect();
        words[self.below(words.len())]
    }
    pub fn of<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    pub fn text(&mut self, n: usize) -> String {
        const CHARS: &str = "a|Z|0|%|&|=|+|\"|'|\\|\n|\0|ü|😀|\u{202e}|\u{feff}| |/|?|#|:|{|}";
        (0..n).map(|_| self.word(CHARS)).collect()
    }
}
