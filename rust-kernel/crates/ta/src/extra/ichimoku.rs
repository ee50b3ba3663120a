//! Ichimoku Kinko Hyo.
//!
//! With `mid(n) = (max(high, n) + min(low, n)) / 2` over the last `n` candles (TA-Lib's MIDPRICE):
//! - `tenkan = mid(tenkan)` (conversion line, default 9),
//! - `kijun = mid(kijun)` (base line, default 26),
//! - `senkou_a = (tenkan + kijun) / 2` and `senkou_b = mid(senkou)` (default 52), both plotted
//!   `displacement` candles ahead (default 26),
//! - `chikou` = the close plotted `displacement` candles back.
//!
//! Alignment (all outputs have the input's length): `senkou_a[i]` and `senkou_b[i]` are the cloud
//! *at* candle `i`, i.e. the values computed at `i - displacement`; they use no data after `i`
//! and are safe as features. `chikou[i] = close[i + displacement]` (NaN for the last
//! `displacement` candles) is the chart's lagging line and **looks ahead**: never use it as a
//! feature at `i`. The stream cannot know the future, so its `chikou` is the newest point of the
//! lagging line, the value of index `i - displacement` (= the current close).
//!
//! Lookbacks: tenkan `tenkan - 1`, kijun `kijun - 1`, senkou A `max(tenkan, kijun) - 1 +
//! displacement`, senkou B `senkou - 1 + displacement`.

use super::block::{windows, BlockWindow, Op};
use crate::error::Result;
use crate::params;
use crate::window::Ring;

const NAME: &str = "ichimoku";

/// Validated `(tenkan, kijun, senkou, displacement)`.
pub fn check(
    tenkan: impl params::IntParam,
    kijun: impl params::IntParam,
    senkou: impl params::IntParam,
    displacement: impl params::IntParam,
) -> Result<(usize, usize, usize, usize)> {
    Ok((
        params::period(NAME, "tenkan", tenkan, 1)?,
        params::period(NAME, "kijun", kijun, 1)?,
        params::period(NAME, "senkou", senkou, 1)?,
        params::period(NAME, "displacement", displacement, 0)?,
    ))
}

/// `mid(n)` of every window, written into `out[i]` (NaN where the window is not full).
fn midline(high: &[f64], low: &[f64], n: usize, out: &mut [f64]) {
    params::fill_nan(out, n - 1);
    windows(Op::Max, high, n, |i, v| out[i] = v);
    windows(Op::Min, low, n, |i, v| out[i] = (out[i] + v) / 2.0);
}

/// Shift `x` forward by `d` in place: `x[i] = x[i - d]`, NaN for `i < d`.
fn shift_forward(x: &mut [f64], d: usize) {
    if d == 0 {
        return;
    }
    let len = x.len();
    if d >= len {
        x.fill(f64::NAN);
        return;
    }
    x.copy_within(..len - d, d);
    x[..d].fill(f64::NAN);
}

/// Batch Ichimoku into `(tenkan, kijun, senkou_a, senkou_b, chikou)`; leading candles with a NaN
/// are skipped.
#[allow(clippy::too_many_arguments)]
pub fn ichimoku(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    tenkan: usize,
    kijun: usize,
    senkou: usize,
    displacement: usize,
    out: [&mut [f64]; 5],
) -> Result<()> {
    let (t, k, s, d) = check(tenkan, kijun, senkou, displacement)?;
    let [ten, kij, sa, sb, chi] = out;
    super::lens(
        NAME,
        &["high", "low", "close"],
        &[high, low, close],
        &[ten, kij, sa, sb, chi],
    )?;
    let begin = params::first_valid_all(&[high, low, close]);
    let len = high.len();
    for o in [&mut *ten, &mut *kij, &mut *sa, &mut *sb, &mut *chi] {
        params::fill_nan(o, begin);
    }
    let (h, l) = (&high[begin..], &low[begin..]);
    midline(h, l, t, &mut ten[begin..]);
    midline(h, l, k, &mut kij[begin..]);
    midline(h, l, s, &mut sb[begin..]);
    for i in begin..len {
        sa[i] = (ten[i] + kij[i]) / 2.0;
    }
    shift_forward(&mut sa[begin..], d);
    shift_forward(&mut sb[begin..], d);
    for i in begin..len {
        chi[i] = if i + d < len { close[i + d] } else { f64::NAN };
    }
    Ok(())
}

/// Streaming Ichimoku: `update(high, low, close)` returns `(tenkan, kijun, senkou_a, senkou_b,
/// chikou)`; the first four equal [`ichimoku`] at every index, `chikou` is the batch's value at
/// index `i - displacement` (see the module docs).
#[derive(Debug, Clone)]
pub struct Ichimoku {
    windows: [(BlockWindow, BlockWindow); 3],
    displacement: usize,
    delayed_a: Ring,
    delayed_b: Ring,
    started: bool,
    value: [f64; 5],
}

impl Ichimoku {
    pub fn new(tenkan: usize, kijun: usize, senkou: usize, displacement: usize) -> Result<Self> {
        let (t, k, s, d) = check(tenkan, kijun, senkou, displacement)?;
        let pair = |n| (BlockWindow::new(Op::Max, n), BlockWindow::new(Op::Min, n));
        Ok(Self {
            windows: [pair(t), pair(k), pair(s)],
            displacement: d,
            delayed_a: Ring::new(d + 1),
            delayed_b: Ring::new(d + 1),
            started: false,
            value: [f64::NAN; 5],
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> [f64; 5] {
        if !self.started {
            if high.is_nan() || low.is_nan() || close.is_nan() {
                return [f64::NAN; 5];
            }
            self.started = true;
        }
        let mut mids = [f64::NAN; 3];
        for (m, (hi, lo)) in mids.iter_mut().zip(self.windows.iter_mut()) {
            if let (Some(a), Some(b)) = (hi.update(high), lo.update(low)) {
                *m = (a + b) / 2.0;
            }
        }
        let [ten, kij, sb] = mids;
        self.delayed_a.push((ten + kij) / 2.0);
        self.delayed_b.push(sb);
        let delayed = |r: &Ring| {
            if r.len() > self.displacement {
                r.ago(self.displacement)
            } else {
                f64::NAN
            }
        };
        self.value = [
            ten,
            kij,
            delayed(&self.delayed_a),
            delayed(&self.delayed_b),
            close,
        ];
        self.value
    }

    pub fn value(&self) -> [f64; 5] {
        self.value
    }

    /// True once every line (including the displaced senkou B) has a value.
    pub fn is_ready(&self) -> bool {
        !self.value[3].is_nan()
    }

    pub fn reset(&mut self) {
        for (a, b) in &mut self.windows {
            a.reset();
            b.reset();
        }
        self.delayed_a.clear();
        self.delayed_b.clear();
        self.started = false;
        self.value = [f64::NAN; 5];
    }
}
