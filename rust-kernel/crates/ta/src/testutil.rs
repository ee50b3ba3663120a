//! Deterministic pseudo-random inputs and an exact-equality assertion that treats NaN == NaN.

/// A random walk from a small xorshift generator (no dependency, reproducible by seed).
pub fn series(len: usize, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut price = 100.0;
    (0..len)
        .map(|_| {
            price += next() - 0.5;
            price
        })
        .collect()
}

/// Valid candles (low <= open, close <= high) around a random walk.
pub fn ohlc(len: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let mid = series(len, seed);
    let noise = series(len, seed + 1000);
    let open: Vec<f64> = mid
        .iter()
        .zip(&noise)
        .map(|(m, n)| m + (n - 100.0) * 0.1)
        .collect();
    let close = mid.clone();
    let high: Vec<f64> = (0..len)
        .map(|i| open[i].max(close[i]) + (noise[i] % 0.3).abs())
        .collect();
    let low: Vec<f64> = (0..len)
        .map(|i| open[i].min(close[i]) - (noise[i] % 0.2).abs())
        .collect();
    (open, high, low, close)
}

/// Bitwise-equal apart from NaN (any NaN equals any NaN).
pub fn assert_same(expected: &[f64], got: &[f64]) {
    assert_eq!(expected.len(), got.len());
    for (i, (a, b)) in expected.iter().zip(got).enumerate() {
        assert!(
            (a.is_nan() && b.is_nan()) || a == b,
            "index {i}: expected {a}, got {b}"
        );
    }
}
