//! Double and triple exponential moving averages (TA-Lib `DEMA`, `TEMA`) and `TRIX`.
//!
//! `DEMA = 2 e1 - e2`, `TEMA = 3 e1 - 3 e2 + e3` where `e2 = EMA(e1)`, `e3 = EMA(e2)`, each EMA
//! seeded with the SMA of its first `n` inputs (so lookbacks are `2 (n-1)` and `3 (n-1)`).
//! `TRIX = 100 * (e3 / e3[1] - 1)`, lookback `3 (n-1) + 1`.

use crate::error::Result;
use crate::overlap::ema::{step, ExponentialMovingAverage};
use crate::params;

fn chain<const N: usize>(period: usize) -> [ExponentialMovingAverage; N] {
    std::array::from_fn(|_| ExponentialMovingAverage::unchecked(period))
}

/// Feed `x` through the chain; returns the last stage's value (NaN until it is ready).
#[inline]
fn feed<const N: usize>(
    chain: &mut [ExponentialMovingAverage; N],
    x: f64,
    stages: &mut [f64; N],
) -> bool {
    let mut v = x;
    for (k, ema) in chain.iter_mut().enumerate() {
        v = ema.update(v);
        stages[k] = v;
        if !ema.is_ready() {
            return false;
        }
    }
    true
}

macro_rules! ema_chain {
    ($name:ident, $label:literal, $stages:literal, $combine:expr) => {
        #[derive(Debug, Clone)]
        pub struct $name {
            chain: [ExponentialMovingAverage; $stages],
            value: f64,
        }

        impl $name {
            pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
                params::period($label, "timeperiod", timeperiod, 2)
            }

            pub fn new(timeperiod: usize) -> Result<Self> {
                Ok(Self {
                    chain: chain(Self::check(timeperiod)?),
                    value: f64::NAN,
                })
            }

            #[inline]
            pub fn update(&mut self, x: f64) -> f64 {
                let mut s = [f64::NAN; $stages];
                if !feed(&mut self.chain, x, &mut s) {
                    return f64::NAN;
                }
                self.value = $combine(&s);
                self.value
            }

            pub fn value(&self) -> f64 {
                self.value
            }

            pub fn is_ready(&self) -> bool {
                self.chain[$stages - 1].is_ready()
            }

            pub fn reset(&mut self) {
                self.chain.iter_mut().for_each(|e| e.reset());
                self.value = f64::NAN;
            }
        }
    };
}

ema_chain!(
    DoubleExponentialMovingAverage,
    "dema",
    2,
    |s: &[f64; 2]| (2.0 * s[0]) - s[1]
);
ema_chain!(TripleExponentialMovingAverage, "tema", 3, |s: &[f64; 3]| s
    [2]
    + ((3.0 * s[0]) - (3.0 * s[1])));

/// Run the streams over the lookback prefix (seeding is the only irregular part), then hand the
/// primed stage values to a tight loop. Returns `(index of the first output, stages)`, or `None`
/// when the input is too short; `out` is NaN up to that index.
fn prime<const N: usize>(
    real: &[f64],
    period: usize,
    out: &mut [f64],
) -> Option<(usize, [f64; N], f64)> {
    let begin = params::first_valid(real);
    let mut chain: [ExponentialMovingAverage; N] = chain(period);
    let mut s = [f64::NAN; N];
    for (i, &x) in real.iter().enumerate().skip(begin) {
        if feed(&mut chain, x, &mut s) {
            params::fill_nan(out, i);
            return Some((i, s, chain[0].k()));
        }
    }
    params::fill_nan(out, real.len());
    None
}

fn dema_loop<const FMA: bool>(real: &[f64], from: usize, s: [f64; 2], k: f64, out: &mut [f64]) {
    let [mut e1, mut e2] = s;
    out[from] = (2.0 * e1) - e2;
    for (o, &x) in out[from + 1..].iter_mut().zip(&real[from + 1..]) {
        e1 = step::<FMA>(x, e1, k);
        e2 = step::<FMA>(e1, e2, k);
        *o = (2.0 * e1) - e2;
    }
}

fn tema_loop<const FMA: bool>(real: &[f64], from: usize, s: [f64; 3], k: f64, out: &mut [f64]) {
    let [mut e1, mut e2, mut e3] = s;
    out[from] = e3 + ((3.0 * e1) - (3.0 * e2));
    for (o, &x) in out[from + 1..].iter_mut().zip(&real[from + 1..]) {
        e1 = step::<FMA>(x, e1, k);
        e2 = step::<FMA>(e1, e2, k);
        e3 = step::<FMA>(e2, e3, k);
        *o = e3 + ((3.0 * e1) - (3.0 * e2));
    }
}

fn trix_loop<const FMA: bool>(real: &[f64], from: usize, s: [f64; 3], k: f64, out: &mut [f64]) {
    let [mut e1, mut e2, mut e3] = s;
    out[from] = f64::NAN;
    for (o, &x) in out[from + 1..].iter_mut().zip(&real[from + 1..]) {
        let prev = e3;
        e1 = step::<FMA>(x, e1, k);
        e2 = step::<FMA>(e1, e2, k);
        e3 = step::<FMA>(e2, e3, k);
        *o = trix_ratio(e3, prev);
    }
}

#[inline(always)]
fn trix_ratio(e3: f64, prev: f64) -> f64 {
    if prev != 0.0 {
        ((e3 / prev) - 1.0) * 100.0
    } else {
        0.0
    }
}

/// Batch DEMA.
pub fn dema(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = DoubleExponentialMovingAverage::check(timeperiod)?;
    params::same_len("dema", "real", real.len(), "out", out.len())?;
    if let Some((from, s, k)) = prime::<2>(real, period, out) {
        crate::with_fma!(dema_loop(real, from, s, k, out));
    }
    Ok(())
}

/// Batch TEMA.
pub fn tema(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = TripleExponentialMovingAverage::check(timeperiod)?;
    params::same_len("tema", "real", real.len(), "out", out.len())?;
    if let Some((from, s, k)) = prime::<3>(real, period, out) {
        crate::with_fma!(tema_loop(real, from, s, k, out));
    }
    Ok(())
}

/// TRIX: one-period rate of change (percent) of a triple-smoothed EMA.
#[derive(Debug, Clone)]
pub struct Trix {
    chain: [ExponentialMovingAverage; 3],
    primed: bool,
    ready: bool,
    prev: f64,
    value: f64,
}

impl Trix {
    pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
        params::period("trix", "timeperiod", timeperiod, 1)
    }

    pub fn new(timeperiod: usize) -> Result<Self> {
        let chain = chain(Self::check(timeperiod)?);
        Ok(Self {
            chain,
            primed: false,
            ready: false,
            prev: f64::NAN,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        let mut s = [f64::NAN; 3];
        if !feed(&mut self.chain, x, &mut s) {
            return f64::NAN;
        }
        let prev = std::mem::replace(&mut self.prev, s[2]);
        if !self.primed {
            self.primed = true;
            return f64::NAN;
        }
        self.ready = true;
        self.value = trix_ratio(s[2], prev);
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.ready
    }

    pub fn reset(&mut self) {
        self.chain.iter_mut().for_each(|e| e.reset());
        self.primed = false;
        self.ready = false;
        self.prev = f64::NAN;
        self.value = f64::NAN;
    }
}

/// Batch TRIX.
pub fn trix(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = Trix::check(timeperiod)?;
    params::same_len("trix", "real", real.len(), "out", out.len())?;
    if let Some((from, s, k)) = prime::<3>(real, period, out) {
        crate::with_fma!(trix_loop(real, from, s, k, out));
    }
    Ok(())
}
