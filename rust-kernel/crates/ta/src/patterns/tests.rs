//! Invariants of the pattern machinery (TA-Lib parity itself is tested from Python against
//! `talib`, which the pure-Rust crate cannot call).

use super::*;
use crate::testutil::ohlc;

fn all() -> Vec<&'static PatternDef> {
    PATTERNS.iter().collect()
}

/// Discrete prices (many ties, dojis, gaps and equal highs) so multi-candle rules do fire.
fn coarse(len: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let (o, h, l, c) = ohlc(len, seed);
    let q = |v: &f64| (v * 4.0).round() / 4.0;
    let o: Vec<f64> = o.iter().map(q).collect();
    let c: Vec<f64> = c.iter().map(q).collect();
    let h: Vec<f64> = h
        .iter()
        .zip(o.iter().zip(&c))
        .map(|(h, (o, c))| q(h).max(*o).max(*c))
        .collect();
    let l: Vec<f64> = l
        .iter()
        .zip(o.iter().zip(&c))
        .map(|(l, (o, c))| q(l).min(*o).min(*c))
        .collect();
    (o, h, l, c)
}

#[test]
fn names_are_unique_sorted_and_findable() {
    let names: Vec<_> = PATTERNS.iter().map(|d| d.name).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted);
    for d in &PATTERNS {
        assert_eq!(d.lower, d.name.to_ascii_lowercase());
        assert!(std::ptr::eq(find(d.lower).unwrap(), d));
    }
    assert!(find("CDLNOPE").is_none());
}

#[test]
fn lookback_covers_every_average() {
    for d in &PATTERNS {
        for (set, k) in d.avgs {
            assert!(
                d.lookback >= d.warmup + set.period + k,
                "{} {} {}",
                d.name,
                set.name,
                k
            );
        }
    }
}

#[test]
fn scan_equals_each_pattern() {
    let (o, h, l, c) = coarse(3000, 3);
    let n = o.len();
    let defs = all();
    let mut grid = vec![7; n * defs.len()];
    scan(&defs, &o, &h, &l, &c, &mut grid).unwrap();
    let mut fired = 0;
    for (p, d) in defs.iter().enumerate() {
        let mut one = vec![7; n];
        pattern(d, &o, &h, &l, &c, None, &mut one).unwrap();
        let row: Vec<i32> = grid[p * n..(p + 1) * n].iter().map(|&v| v.into()).collect();
        assert_eq!(row, one, "{}", d.name);
        assert!(one[..d.lookback].iter().all(|&v| v == 0), "{}", d.name);
        fired += usize::from(one.iter().any(|&v| v != 0));
    }
    assert!(fired > 20, "only {fired} patterns fired on coarse data");
}

#[test]
fn scan_of_one_pattern_equals_the_pattern() {
    // A one-pattern scan runs the blocked engine into i16 cells, not the fused i32 loop.
    let (mut o, h, l, c) = coarse(1500, 4);
    o[0] = f64::NAN;
    let n = o.len();
    for d in all() {
        let mut cells = vec![7i16; n];
        scan(&[d], &o, &h, &l, &c, &mut cells).unwrap();
        let mut one = vec![7; n];
        pattern(d, &o, &h, &l, &c, None, &mut one).unwrap();
        let cells: Vec<i32> = cells.iter().map(|&v| v.into()).collect();
        assert_eq!(cells, one, "{}", d.name);
    }
}

#[test]
fn streaming_equals_batch_with_nan_prefix() {
    let (mut o, h, l, c) = coarse(700, 5);
    o[0] = f64::NAN;
    o[1] = f64::NAN;
    let n = o.len();
    let defs = all();
    let mut grid = vec![0; n * defs.len()];
    scan(&defs, &o, &h, &l, &c, &mut grid).unwrap();
    let mut s = PatternScanner::new(&defs);
    for round in 0..2 {
        for i in 0..n {
            let got = s.update(o[i], h[i], l[i], c[i]).to_vec();
            for (p, d) in defs.iter().enumerate() {
                let want = i32::from(grid[p * n + i]);
                assert_eq!(got[p], want, "{} at {i} (round {round})", d.name);
            }
        }
        assert!(s.is_ready());
        s.reset();
        assert!(!s.is_ready());
    }
}

#[test]
fn short_inputs_and_errors() {
    let d = find("cdlengulfing").unwrap();
    let mut out = vec![9; 1];
    pattern(d, &[1.0], &[2.0], &[0.5], &[1.5], None, &mut out).unwrap();
    assert_eq!(out, vec![0]);
    let mut none: Vec<i32> = vec![];
    pattern(d, &[], &[], &[], &[], None, &mut none).unwrap();
    let err = pattern(d, &[1.0], &[2.0, 3.0], &[0.5], &[1.5], None, &mut out).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cdlengulfing: open and high must have the same length, got 1 and 2"
    );
    let err = pattern(d, &[1.0], &[2.0], &[0.5], &[1.5], Some(0.2), &mut out).unwrap_err();
    assert!(err
        .to_string()
        .starts_with("cdlengulfing: penetration is not a parameter"));
    let star = find("CDLMORNINGSTAR").unwrap();
    let err = pattern(star, &[1.0], &[2.0], &[0.5], &[1.5], Some(-1.0), &mut out).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cdlmorningstar: penetration must be in [0, {}], got -1",
            f64::MAX
        )
    );
}

#[test]
fn engulfing_by_hand() {
    // white then black engulfing it: -100; then white engulfing with a matching end: +80.
    let o = [1.0, 1.5, 2.5, 1.0];
    let c = [1.2, 2.0, 1.0, 3.0];
    let h = [3.5, 3.5, 3.5, 3.5];
    let l = [0.5, 0.5, 0.5, 0.5];
    let mut out = vec![0; 4];
    pattern(
        find("CDLENGULFING").unwrap(),
        &o,
        &h,
        &l,
        &c,
        None,
        &mut out,
    )
    .unwrap();
    assert_eq!(out, vec![0, 0, -100, 80]);
}
