//! Beta of one series against another over a window of returns (TA-Lib `BETA`).
//!
//! TA-Lib works on one-step returns `rx = (x[j] - x[j-1]) / x[j-1]` (0 when `x[j-1]` is exactly
//! 0; same for `y`) and reports the least-squares slope of `ry` on `rx` over the last `n`
//! returns: `beta = (n Σrxry - Σrx Σry) / (n Σrx² - (Σrx)²)`. The lookback is `n`: `n + 1`
//! prices make `n` returns.
//!
//! TA-Lib 0.8 (decoded from the shipped library with `objdump -d`; its C sources differ from the
//! published 0.6 ones, which use raw sums) keeps the five sums of `dx = rx - Kx` and
//! `dy = ry - Ky` about shifts, first the very first returns. Per window, after adding the new
//! return's `dx` to `Σdx`, `Σdx²`:
//!
//! - `D = n Σdx² - (Σdx)²`; it re-centres when `1e-6 n Σdx² > D`, when the previous leaving
//!   `dx²` exceeds `1000 Σdx²`, when (after adding `dy²`) the previous leaving `dy²` exceeds
//!   `1000 Σdy²`, or every `32 n` windows. Re-centring sets `K` to the window's mean return (a
//!   division by `n`), recomputes every sum over the window, and clamps a negative `D` to 0.
//! - `beta = (n Σdxdy - Σdx Σdy) / D` when `D > 1e-14 n Σdx²`, else 0 (so a window with a NaN
//!   gives 0, not NaN, and the sums heal at the next re-centring, as in TA-Lib).
//! - The leaving return's `dx`, `dy` are then removed from every sum.
//!
//! There is no FMA variant of `BETA` in the library, so plain multiplies and adds match it on
//! every CPU. Returns are computed once and kept in a ring (TA-Lib recomputes the leaving one
//! from prices: the same division of the same values, so the same bits).

use crate::error::Result;
use crate::params;
use crate::window::Window;

const NAME: &str = "beta";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 1)
}

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod
}

/// One-step return, 0 after an exact zero price (TA-Lib's test; NaN is not zero).
#[inline(always)]
fn ret(prev: f64, cur: f64) -> f64 {
    if prev != 0.0 {
        (cur - prev) / prev
    } else {
        0.0
    }
}

/// The shifted sums, the shifts and the re-centring state.
#[derive(Debug, Clone, Copy)]
struct Shifted {
    n: f64,
    refresh: usize,
    kx: f64,
    ky: f64,
    sx: f64,
    sxx: f64,
    sy: f64,
    syy: f64,
    sxy: f64,
    countdown: usize,
    left_x2: f64,
    left_y2: f64,
}

impl Shifted {
    /// Begin with the first pair of returns as the shifts.
    fn new(period: usize, rx0: f64, ry0: f64) -> Self {
        Self {
            n: period as f64,
            refresh: 32 * period,
            kx: rx0,
            ky: ry0,
            sx: 0.0,
            sxx: 0.0,
            sy: 0.0,
            syy: 0.0,
            sxy: 0.0,
            countdown: 32 * period,
            left_x2: 0.0,
            left_y2: 0.0,
        }
    }

    /// One of the first `n - 1` returns (before the first full window).
    #[inline(always)]
    fn add(&mut self, rx: f64, ry: f64) {
        let dx = rx - self.kx;
        let dy = ry - self.ky;
        self.sxx += dx * dx;
        self.sx += dx;
        self.sy += dy;
        self.syy += dy * dy;
        self.sxy += dx * dy;
    }

    /// The beta of the full window `wx`, `wy` (raw returns, oldest first, the newest `rx`, `ry`
    /// last); the oldest leaves the sums afterwards.
    #[inline(always)]
    fn step(&mut self, rx: f64, ry: f64, wx: &[f64], wy: &[f64]) -> f64 {
        let dx = rx - self.kx;
        let dy = ry - self.ky;
        self.sx += dx;
        self.sxx += dx * dx;
        let mut nsxx = self.n * self.sxx;
        let mut d = nsxx - self.sx * self.sx;
        let recentre = nsxx * 1e-6 > d || self.left_x2 > self.sxx * 1000.0 || {
            self.syy += dy * dy;
            self.left_y2 > self.syy * 1000.0 || {
                self.countdown -= 1;
                self.countdown == 0
            }
        };
        if recentre {
            (*self, nsxx, d) = recentre_cold(*self, wx, wy);
        } else {
            self.sy += dy;
            self.sxy += dx * dy;
        }
        let ox = wx[0] - self.kx;
        let oy = wy[0] - self.ky;
        let beta = if d > nsxx * 1e-14 {
            (self.sxy * self.n - self.sx * self.sy) / d
        } else {
            0.0
        };
        self.sy -= oy;
        self.sx -= ox;
        self.sxy -= ox * oy;
        self.sxx -= ox * ox;
        self.syy -= oy * oy;
        self.left_x2 = ox * ox;
        self.left_y2 = oy * oy;
        beta
    }
}

/// Re-centre on the window's mean returns and recompute every sum; returns the state, `n Σdx²`
/// and the clamped `D`. Out of line and by value so the hot loop's state stays in registers.
#[cold]
#[inline(never)]
fn recentre_cold(mut st: Shifted, wx: &[f64], wy: &[f64]) -> (Shifted, f64, f64) {
    let (mut mx, mut my) = (0.0, 0.0);
    for (&a, &b) in wx.iter().zip(wy) {
        // TA-Lib skips a return after a zero price instead of adding 0.0; the same sum, since a
        // sum that starts at +0.0 never becomes -0.0.
        mx += a;
        my += b;
    }
    st.kx = mx / st.n;
    st.ky = my / st.n;
    (st.sx, st.sxx, st.sy, st.syy, st.sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (&a, &b) in wx.iter().zip(wy) {
        let dx = a - st.kx;
        let dy = b - st.ky;
        st.sx += dx;
        st.sxx += dx * dx;
        st.sy += dy;
        st.syy += dy * dy;
        st.sxy += dx * dy;
    }
    let nsxx = st.n * st.sxx;
    let d = nsxx - st.sx * st.sx;
    // A negative (rounded) D is 0; NaN passes through.
    let d = if d < 0.0 { 0.0 } else { d };
    st.countdown = st.refresh;
    (st, nsxx, d)
}

/// The returns of the current window, each written twice so the window is one slice (no modulo
/// and no wrap-around split in the loop).
struct Returns {
    buf: Vec<f64>,
    period: usize,
    pos: usize,
}

impl Returns {
    fn new(period: usize) -> Self {
        Self {
            buf: vec![0.0; 2 * period],
            period,
            pos: 0,
        }
    }

    /// Append `r`; after `period` pushes, [`Returns::window`] is the last `period` returns.
    #[inline(always)]
    fn push(&mut self, r: f64) {
        self.buf[self.pos] = r;
        self.buf[self.pos + self.period] = r;
        self.pos += 1;
        if self.pos == self.period {
            self.pos = 0;
        }
    }

    #[inline(always)]
    fn window(&self) -> &[f64] {
        &self.buf[self.pos..self.pos + self.period]
    }
}

/// Batch BETA of `real0` (the market, x) and `real1` (the asset, y) into `out`.
pub fn beta(real0: &[f64], real1: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = check(timeperiod)?;
    params::same_len(NAME, "real0", real0.len(), "real1", real1.len())?;
    params::same_len(NAME, "real0", real0.len(), "out", out.len())?;
    let begin = params::first_valid_all(&[real0, real1]);
    let start = begin + lookback(period);
    params::fill_nan(out, start);
    if start >= real0.len() {
        return Ok(());
    }
    batch_loop(&real0[begin..], &real1[begin..], period, &mut out[start..]);
    Ok(())
}

/// `x`, `y` hold `period + out.len()` prices (at least 2).
fn batch_loop(x: &[f64], y: &[f64], period: usize, out: &mut [f64]) {
    let mut st = Shifted::new(period, ret(x[0], x[1]), ret(y[0], y[1]));
    let (mut wx, mut wy) = (Returns::new(period), Returns::new(period));
    for j in 1..period {
        let (rx, ry) = (ret(x[j - 1], x[j]), ret(y[j - 1], y[j]));
        wx.push(rx);
        wy.push(ry);
        st.add(rx, ry);
    }
    let (x, y) = (&x[period - 1..], &y[period - 1..]);
    for ((o, px), py) in out.iter_mut().zip(x.windows(2)).zip(y.windows(2)) {
        let (rx, ry) = (ret(px[0], px[1]), ret(py[0], py[1]));
        wx.push(rx);
        wy.push(ry);
        *o = st.step(rx, ry, wx.window(), wy.window());
    }
}

/// Streaming BETA: `update(x, y)` equals [`beta`] at every index.
#[derive(Debug, Clone)]
pub struct Beta {
    period: usize,
    wx: Window,
    wy: Window,
    last: Option<(f64, f64)>,
    returns: usize,
    st: Option<Shifted>,
    value: f64,
}

impl Beta {
    pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
        check(timeperiod)
    }

    pub fn new(timeperiod: usize) -> Result<Self> {
        let period = check(timeperiod)?;
        Ok(Self {
            period,
            wx: Window::new(period),
            wy: Window::new(period),
            last: None,
            returns: 0,
            st: None,
            value: f64::NAN,
        })
    }

    /// Feed the next pair of prices (`x` the market, `y` the asset); NaN until `n + 1` pairs.
    #[inline]
    pub fn update(&mut self, x: f64, y: f64) -> f64 {
        let Some((px, py)) = self.last else {
            // Leading pairs with a NaN are skipped, as TA-Lib's wrapper does.
            if !x.is_nan() && !y.is_nan() {
                self.last = Some((x, y));
            }
            return f64::NAN;
        };
        self.last = Some((x, y));
        let (rx, ry) = (ret(px, x), ret(py, y));
        self.wx.push(rx);
        self.wy.push(ry);
        self.returns += 1;
        let st = self
            .st
            .get_or_insert_with(|| Shifted::new(self.period, rx, ry));
        if self.returns < self.period {
            st.add(rx, ry);
            return f64::NAN;
        }
        self.value = st.step(rx, ry, self.wx.as_slice(), self.wy.as_slice());
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.returns >= self.period
    }

    pub fn reset(&mut self) {
        self.wx.clear();
        self.wy.clear();
        self.last = None;
        self.returns = 0;
        self.st = None;
        self.value = f64::NAN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn streaming_equals_batch_and_is_close_to_two_pass() {
        let x: Vec<f64> = series(1500, 5).iter().map(|v| v * 740.0).collect();
        let y: Vec<f64> = series(1500, 6)
            .iter()
            .zip(&x)
            .map(|(a, b)| a * 30.0 + b * 0.5)
            .collect();
        for period in [1, 2, 5, 30, 77] {
            let mut out = vec![0.0; x.len()];
            beta(&x, &y, period, &mut out).unwrap();
            let mut s = Beta::new(period).unwrap();
            let streamed: Vec<f64> = x.iter().zip(&y).map(|(&a, &b)| s.update(a, b)).collect();
            assert_same(&out, &streamed);
            assert!(out[..period].iter().all(|v| v.is_nan()));
            let rx: Vec<f64> = x.windows(2).map(|w| (w[1] - w[0]) / w[0]).collect();
            let ry: Vec<f64> = y.windows(2).map(|w| (w[1] - w[0]) / w[0]).collect();
            for i in period..x.len() {
                let (wx, wy) = (&rx[i - period..i], &ry[i - period..i]);
                let n = period as f64;
                let (mx, my) = (wx.iter().sum::<f64>() / n, wy.iter().sum::<f64>() / n);
                let cov: f64 = wx.iter().zip(wy).map(|(a, b)| (a - mx) * (b - my)).sum();
                let vx: f64 = wx.iter().map(|a| (a - mx) * (a - mx)).sum();
                let want = if period == 1 { 0.0 } else { cov / vx };
                assert!(
                    (out[i] - want).abs() <= 1e-9 * want.abs().max(1.0),
                    "{period} {i}: {} {want}",
                    out[i]
                );
            }
        }
    }

    #[test]
    fn nan_gap_gives_zero_then_heals_and_stream_matches() {
        let mut x = series(800, 7);
        let y = series(800, 8);
        x[100] = f64::NAN;
        let mut out = vec![0.0; x.len()];
        beta(&x, &y, 5, &mut out).unwrap();
        assert!(out[101..106].iter().all(|&v| v == 0.0));
        assert!(out[700..].iter().all(|v| v.is_finite() && *v != 0.0));
        let mut s = Beta::new(5).unwrap();
        let streamed: Vec<f64> = x.iter().zip(&y).map(|(&a, &b)| s.update(a, b)).collect();
        assert_same(&out, &streamed);
        s.reset();
        assert!(s.value().is_nan() && !s.is_ready());
    }
}
