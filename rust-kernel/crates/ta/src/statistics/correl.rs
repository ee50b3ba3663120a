//! Pearson's correlation coefficient of two series over a window (TA-Lib `CORREL`).
//!
//! TA-Lib 0.8 (decoded from the shipped library, whose C sources differ from the published 0.6
//! ones) keeps the sums of `dx = x - Kx`, `dx²`, `dy = y - Ky`, `dy²` and `dx·dy` about shifts
//! `Kx`, `Ky` (first the oldest values of the first window) and computes, per window,
//! `vx = Σdx² - (Σdx)²/n`, `vy = Σdy² - (Σdy)²/n`, `cov = Σdxdy - Σdx Σdy / n` (each `/n` a
//! multiplication by `1/n`), and `r = cov / sqrt(vx vy)` clamped to [-1, 1]; `r = 0` unless
//! `vx > 1e-14 Σdx²`, `vy > 1e-14 Σdy²` and `vx vy > 0`. It re-centres (`K` = the window's means,
//! every sum recomputed from the window, negative variances set to 0) when, after adding the new
//! value, `1e-6 Σdx² > vx` or `1e-6 Σdy² > vy`, when the previous leaving value's `dx²` (or `dy²`)
//! exceeds `1e6` times the sum, or every `32 n` windows. We take the same steps in the same order,
//! so results equal TA-Lib's bit for bit.

use crate::error::Result;
use crate::params;
use crate::window::Window;

const NAME: &str = "correl";

pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
    params::period(NAME, "timeperiod", timeperiod, 1)
}

pub const fn lookback(timeperiod: usize) -> usize {
    timeperiod - 1
}

/// The shifted sums and the re-centring state, shared by the batch loop and the stream.
#[derive(Debug, Clone)]
pub(crate) struct ShiftedCorrelation {
    period: usize,
    inv: f64,
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

impl ShiftedCorrelation {
    pub(crate) fn new(period: usize) -> Self {
        Self {
            period,
            inv: 1.0 / period as f64,
            kx: 0.0,
            ky: 0.0,
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

    /// Begin with the first `period - 1` pairs of the first window (`x[0]`, `y[0]` are the
    /// shifts; both slices must hold at least one value).
    pub(crate) fn start(&mut self, x: &[f64], y: &[f64]) {
        *self = Self::new(self.period);
        self.kx = x[0];
        self.ky = y[0];
        for (&a, &b) in x[..self.period - 1].iter().zip(&y[..self.period - 1]) {
            let dx = a - self.kx;
            self.sx += dx;
            self.sxx += dx * dx;
            let dy = b - self.ky;
            self.sxy += dx * dy;
            self.sy += dy;
            self.syy += dy * dy;
        }
    }

    /// The correlation of the windows `wx`, `wy` (exactly `period` values each, the newest
    /// last), each one value after the previous call's.
    #[inline(always)]
    pub(crate) fn step(&mut self, wx: &[f64], wy: &[f64]) -> f64 {
        let last = self.period - 1;
        let dx = wx[last] - self.kx;
        self.sx += dx;
        self.sxx += dx * dx;
        let mut vx = self.sxx - (self.sx * self.sx) * self.inv;
        let (vy, cov);
        let mut recentre = self.sxx * 1e-6 > vx;
        if !recentre {
            let dy = wy[last] - self.ky;
            self.sy += dy;
            self.syy += dy * dy;
            let v = self.syy - (self.sy * self.sy) * self.inv;
            recentre = self.syy * 1e-6 > v
                || self.left_x2 > self.sxx * 1e6
                || self.left_y2 > self.syy * 1e6
                || {
                    self.countdown -= 1;
                    self.countdown == 0
                };
            if !recentre {
                self.sxy += dx * dy;
                vy = v;
                cov = self.sxy - (self.sx * self.sy) * self.inv;
            } else {
                (vx, vy, cov) = self.recentre(wx, wy);
            }
        } else {
            (vx, vy, cov) = self.recentre(wx, wy);
        }
        let r = coefficient(vx, vy, cov, self.sxx, self.syy);
        let ox = wx[0] - self.kx;
        let oy = wy[0] - self.ky;
        self.sx -= ox;
        self.sy -= oy;
        self.sxx -= ox * ox;
        self.sxy -= ox * oy;
        self.syy -= oy * oy;
        self.left_x2 = ox * ox;
        self.left_y2 = oy * oy;
        r
    }

    /// Re-centre on the window's means and recompute every sum; returns `(vx, vy, cov)`.
    #[cold]
    #[inline(never)]
    fn recentre(&mut self, wx: &[f64], wy: &[f64]) -> (f64, f64, f64) {
        let r = recompute(wx, wy, self.inv);
        (self.kx, self.ky) = (r.kx, r.ky);
        (self.sx, self.sxx, self.sy, self.syy, self.sxy) = (r.sx, r.sxx, r.sy, r.syy, r.sxy);
        self.countdown = 32 * self.period;
        (r.vx, r.vy, r.cov)
    }
}

/// The state after a re-centring.
#[derive(Debug, Clone, Copy)]
struct Recentred {
    kx: f64,
    ky: f64,
    sx: f64,
    sxx: f64,
    sy: f64,
    syy: f64,
    sxy: f64,
    vx: f64,
    vy: f64,
    cov: f64,
}

#[inline(always)]
fn recompute(wx: &[f64], wy: &[f64], inv: f64) -> Recentred {
    let (mut mx, mut my) = (0.0, 0.0);
    for (&a, &b) in wx.iter().zip(wy) {
        mx += a;
        my += b;
    }
    let (kx, ky) = (mx * inv, my * inv);
    let (mut sx, mut sxx, mut sy, mut syy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (&a, &b) in wx.iter().zip(wy) {
        let dx = a - kx;
        sx += dx;
        sxx += dx * dx;
        let dy = b - ky;
        sxy += dx * dy;
        sy += dy;
        syy += dy * dy;
    }
    let vx = sxx - (sx * sx) * inv;
    let vy = syy - (sy * sy) * inv;
    let cov = sxy - (sy * sx) * inv;
    // Negative (rounded) variances are 0; NaN passes through, as in TA-Lib.
    let vx = if vx < 0.0 { 0.0 } else { vx };
    let vy = if vy < 0.0 { 0.0 } else { vy };
    Recentred {
        kx,
        ky,
        sx,
        sxx,
        sy,
        syy,
        sxy,
        vx,
        vy,
        cov,
    }
}

/// [`recompute`] out of line, by value, for the batch loop (its state stays in registers).
#[cold]
#[inline(never)]
fn recompute_cold(wx: &[f64], wy: &[f64], inv: f64) -> Recentred {
    recompute(wx, wy, inv)
}

/// `r` from the window's variances and covariance, as TA-Lib clamps and guards it. Written
/// without branches (the square root and the division are taken for every window, then the
/// result is selected) so that a block of them vectorises; the values are the same.
#[inline(always)]
fn coefficient(vx: f64, vy: f64, cov: f64, sxx: f64, syy: f64) -> f64 {
    let defined = vx > sxx * 1e-14 && vy > syy * 1e-14 && vx * vy > 0.0;
    let r = cov / (vx * vy).sqrt();
    let clamped = r.clamp(-1.0, 1.0); // NaN stays NaN, as in TA-Lib
    if defined {
        clamped
    } else {
        0.0
    }
}

/// Windows per block of the batch: their sums are collected, then their coefficients computed
/// in one loop without dependencies (square roots and divisions four lanes wide with AVX2).
const BLOCK: usize = 256;

/// [`coefficient`] of each window of a block: `m[0..5]` hold `vx, vy, cov, sxx, syy`.
#[inline(always)]
fn coefficients(m: &[[f64; BLOCK]; 5], out: &mut [f64]) {
    let n = out.len();
    let [vx, vy, cov, sxx, syy] = m;
    let (vx, vy, cov, sxx, syy) = (&vx[..n], &vy[..n], &cov[..n], &sxx[..n], &syy[..n]);
    for i in 0..n {
        out[i] = coefficient(vx[i], vy[i], cov[i], sxx[i], syy[i]);
    }
}

/// The batch loop: [`ShiftedCorrelation::step`] with every sum in a local.
fn batch_loop(x: &[f64], y: &[f64], period: usize, out: &mut [f64]) {
    let mut st = ShiftedCorrelation::new(period);
    st.start(x, y);
    let ShiftedCorrelation {
        inv,
        mut kx,
        mut ky,
        mut sx,
        mut sxx,
        mut sy,
        mut syy,
        mut sxy,
        mut countdown,
        ..
    } = st;
    let (mut left_x2, mut left_y2) = (0.0, 0.0);
    let last = period - 1;
    let mut block = [[0.0; BLOCK]; 5];
    for i in 0..out.len() {
        let (wx, wy) = (&x[i..i + period], &y[i..i + period]);
        let dx = wx[last] - kx;
        sx += dx;
        sxx += dx * dx;
        let mut vx = sxx - (sx * sx) * inv;
        let (vy, cov);
        let mut recentre = sxx * 1e-6 > vx;
        let mut dy = 0.0;
        let mut v = 0.0;
        if !recentre {
            dy = wy[last] - ky;
            sy += dy;
            syy += dy * dy;
            v = syy - (sy * sy) * inv;
            recentre = syy * 1e-6 > v || left_x2 > sxx * 1e6 || left_y2 > syy * 1e6 || {
                countdown -= 1;
                countdown == 0
            };
        }
        if !recentre {
            sxy += dx * dy;
            vy = v;
            cov = sxy - (sx * sy) * inv;
        } else {
            let r = recompute_cold(wx, wy, inv);
            (kx, ky, sx, sxx, sy, syy, sxy) = (r.kx, r.ky, r.sx, r.sxx, r.sy, r.syy, r.sxy);
            countdown = 32 * period;
            (vx, vy, cov) = (r.vx, r.vy, r.cov);
        }
        let j = i % BLOCK;
        (block[0][j], block[1][j], block[2][j]) = (vx, vy, cov);
        (block[3][j], block[4][j]) = (sxx, syy);
        if j == BLOCK - 1 || i + 1 == out.len() {
            let first = i - j;
            crate::with_simd!(coefficients(&block, &mut out[first..=i]));
        }
        let ox = wx[0] - kx;
        let oy = wy[0] - ky;
        sx -= ox;
        sy -= oy;
        sxx -= ox * ox;
        sxy -= ox * oy;
        syy -= oy * oy;
        left_x2 = ox * ox;
        left_y2 = oy * oy;
    }
}

/// Batch CORREL of `real0` and `real1` into `out`.
pub fn correl(real0: &[f64], real1: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = check(timeperiod)?;
    params::same_len(NAME, "real0", real0.len(), "real1", real1.len())?;
    params::same_len(NAME, "real0", real0.len(), "out", out.len())?;
    let begin = params::first_valid_all(&[real0, real1]);
    let start = begin + lookback(period);
    params::fill_nan(out, start);
    if start >= real0.len() {
        return Ok(());
    }
    let (x, y) = (&real0[begin..], &real1[begin..]);
    batch_loop(x, y, period, &mut out[start..]);
    Ok(())
}

/// Streaming CORREL: `update(x, y)` equals [`correl`] at every index.
#[derive(Debug, Clone)]
pub struct Correlation {
    x: Window,
    y: Window,
    st: ShiftedCorrelation,
    primed: bool,
    value: f64,
}

impl Correlation {
    pub fn new(timeperiod: usize) -> Result<Self> {
        let period = check(timeperiod)?;
        Ok(Self {
            x: Window::new(period),
            y: Window::new(period),
            st: ShiftedCorrelation::new(period),
            primed: false,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64, y: f64) -> f64 {
        if self.x.is_empty() && (x.is_nan() || y.is_nan()) {
            return f64::NAN;
        }
        self.x.push(x);
        self.y.push(y);
        if !self.x.is_full() {
            return f64::NAN;
        }
        if !self.is_primed() {
            let (wx, wy) = (self.x.as_slice(), self.y.as_slice());
            self.st.start(wx, wy);
            self.primed = true;
        }
        self.value = self.st.step(self.x.as_slice(), self.y.as_slice());
        self.value
    }

    fn is_primed(&self) -> bool {
        self.primed
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.x.is_full()
    }

    pub fn reset(&mut self) {
        self.x.clear();
        self.y.clear();
        self.primed = false;
        self.value = f64::NAN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn streaming_equals_batch_and_is_close_to_two_pass() {
        let x = series(1500, 5);
        let y: Vec<f64> = series(1500, 6)
            .iter()
            .zip(&x)
            .map(|(a, b)| a * 0.3 + b * 700.0)
            .collect();
        for period in [1, 2, 5, 30, 77] {
            let mut out = vec![0.0; x.len()];
            correl(&x, &y, period, &mut out).unwrap();
            let mut s = Correlation::new(period).unwrap();
            let streamed: Vec<f64> = x.iter().zip(&y).map(|(&a, &b)| s.update(a, b)).collect();
            assert_same(&out, &streamed);
            for i in period.max(2) - 1..x.len() {
                let (wx, wy) = (&x[i + 1 - period..=i], &y[i + 1 - period..=i]);
                let n = period as f64;
                let (mx, my) = (wx.iter().sum::<f64>() / n, wy.iter().sum::<f64>() / n);
                let cov: f64 = wx.iter().zip(wy).map(|(a, b)| (a - mx) * (b - my)).sum();
                let vx: f64 = wx.iter().map(|a| (a - mx) * (a - mx)).sum();
                let vy: f64 = wy.iter().map(|b| (b - my) * (b - my)).sum();
                let want = if period == 1 {
                    0.0
                } else {
                    cov / (vx * vy).sqrt()
                };
                assert!(
                    (out[i] - want).abs() <= 1e-9,
                    "{period} {i}: {} {want}",
                    out[i]
                );
            }
        }
    }
}
