//! Double and triple exponential moving averages (TA-Lib `DEMA`, `TEMA`) and `TRIX`.
//!
//! `DEMA = 2 e1 - e2`, `TEMA = 3 e1 - 3 e2 + e3` where `e2 = EMA(e1)`, `e3 = EMA(e2)`, each EMA
//! seeded with the SMA of its first `n` inputs (so lookbacks are `2 (n-1)` and `3 (n-1)`).
//! `TRIX = 100 * (e3 / e3[1] - 1)`, lookback `3 (n-1) + 1`.
//!
//! Every EMA is the anchored recurrence of [`super::ema`] (equal to TA-Lib to rounding; anchored
//! blocks, see `crate::chain`). The batch primes the streams over the lookback, then continues
//! their states stage by stage over cache-sized chunks, so stream and batch agree exactly.

use crate::chain::Anchored;
use crate::error::Result;
use crate::overlap::ema::{self, ExponentialMovingAverage};
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
/// primed states to the chunked loops. Returns `(index of the first output, stage values, states,
/// k)`, or `None` when the input is too short; `out` is NaN up to that index.
#[allow(clippy::type_complexity)]
fn prime<const N: usize>(
    real: &[f64],
    period: usize,
    out: &mut [f64],
) -> Option<(usize, [f64; N], [Anchored<1>; N], f64)> {
    let begin = params::first_valid(real);
    let mut chain: [ExponentialMovingAverage; N] = chain(period);
    let mut s = [f64::NAN; N];
    for (i, &x) in real.iter().enumerate().skip(begin) {
        if feed(&mut chain, x, &mut s) {
            params::fill_nan(out, i);
            let states = std::array::from_fn(|j| chain[j].state().clone());
            return Some((i, s, states, chain[0].k()));
        }
    }
    params::fill_nan(out, real.len());
    None
}

/// Inputs per chunk: the stages of a chunk pass through buffers that stay in L1.
const CHUNK: usize = 512;

#[inline(always)]
fn dema_loop(
    real: &[f64],
    from: usize,
    s: [f64; 2],
    st: [Anchored<1>; 2],
    k: f64,
    out: &mut [f64],
) {
    let [mut s1, mut s2] = st;
    out[from] = (2.0 * s[0]) - s[1];
    let mut e1 = [0.0; CHUNK];
    for (x, o) in real[from + 1..]
        .chunks(CHUNK)
        .zip(out[from + 1..].chunks_mut(CHUNK))
    {
        let e1 = &mut e1[..x.len()];
        ema::run(&mut s1, k, x, e1);
        ema::run(&mut s2, k, e1, o);
        for (o, &e1) in o.iter_mut().zip(&*e1) {
            *o = (2.0 * e1) - *o;
        }
    }
}

#[inline(always)]
fn tema_loop(
    real: &[f64],
    from: usize,
    s: [f64; 3],
    st: [Anchored<1>; 3],
    k: f64,
    out: &mut [f64],
) {
    let [mut s1, mut s2, mut s3] = st;
    out[from] = s[2] + ((3.0 * s[0]) - (3.0 * s[1]));
    let (mut e1, mut e2) = ([0.0; CHUNK], [0.0; CHUNK]);
    for (x, o) in real[from + 1..]
        .chunks(CHUNK)
        .zip(out[from + 1..].chunks_mut(CHUNK))
    {
        let (e1, e2) = (&mut e1[..x.len()], &mut e2[..x.len()]);
        ema::run(&mut s1, k, x, e1);
        ema::run(&mut s2, k, e1, e2);
        ema::run(&mut s3, k, e2, o);
        for ((o, &e1), &e2) in o.iter_mut().zip(&*e1).zip(&*e2) {
            *o += (3.0 * e1) - (3.0 * e2);
        }
    }
}

#[inline(always)]
fn trix_loop(
    real: &[f64],
    from: usize,
    s: [f64; 3],
    st: [Anchored<1>; 3],
    k: f64,
    out: &mut [f64],
) {
    let [mut s1, mut s2, mut s3] = st;
    out[from] = f64::NAN;
    let mut prev = s[2];
    let (mut e1, mut e2) = ([0.0; CHUNK], [0.0; CHUNK]);
    for (x, o) in real[from + 1..]
        .chunks(CHUNK)
        .zip(out[from + 1..].chunks_mut(CHUNK))
    {
        let (e1, e2) = (&mut e1[..x.len()], &mut e2[..x.len()]);
        ema::run(&mut s1, k, x, e1);
        ema::run(&mut s2, k, e1, e2);
        // e3 into e1, whose values are no longer needed.
        ema::run(&mut s3, k, e2, e1);
        o[0] = trix_ratio(e1[0], prev);
        for (o, e3) in o[1..].iter_mut().zip(e1.windows(2)) {
            *o = trix_ratio(e3[1], e3[0]);
        }
        prev = e1[e1.len() - 1];
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
    if let Some((from, s, st, k)) = prime::<2>(real, period, out) {
        crate::with_avx2!(dema_loop(real, from, s, st, k, out));
    }
    Ok(())
}

/// Batch TEMA.
pub fn tema(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let period = TripleExponentialMovingAverage::check(timeperiod)?;
    params::same_len("tema", "real", real.len(), "out", out.len())?;
    if let Some((from, s, st, k)) = prime::<3>(real, period, out) {
        crate::with_avx2!(tema_loop(real, from, s, st, k, out));
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
    if let Some((from, s, st, k)) = prime::<3>(real, period, out) {
        crate::with_avx2!(trix_loop(real, from, s, st, k, out));
    }
    Ok(())
}
