//! Chaikin A/D oscillator (TA-Lib `ADOSC`): `EMA(AD, fast) - EMA(AD, slow)`.
//!
//! Both EMAs start at the first AD value (not at an SMA) and run from the first candle; outputs
//! begin after `max(fast, slow) - 1` candles. TA-Lib 0.8 computes each EMA step as
//! `(1 - k) * ema + k * ad`, fused on FMA CPUs, and so do we.

use crate::error::Result;
use crate::params;
use crate::volume::ad::money_flow;
use crate::volume::check_hlcv;

const NAME: &str = "adosc";

/// Validate `(fastperiod, slowperiod)`.
pub fn check(
    fastperiod: impl params::IntParam,
    slowperiod: impl params::IntParam,
) -> Result<(usize, usize)> {
    Ok((
        params::period(NAME, "fastperiod", fastperiod, 2)?,
        params::period(NAME, "slowperiod", slowperiod, 2)?,
    ))
}

pub fn lookback(fastperiod: usize, slowperiod: usize) -> usize {
    fastperiod.max(slowperiod) - 1
}

#[derive(Debug, Clone, Copy)]
struct Weights {
    fk: f64,
    f1: f64,
    sk: f64,
    s1: f64,
}

impl Weights {
    fn new(fast: usize, slow: usize) -> Self {
        let fk = params::per_to_k(fast);
        let sk = params::per_to_k(slow);
        Self {
            fk,
            f1: 1.0 - fk,
            sk,
            s1: 1.0 - sk,
        }
    }

    #[inline(always)]
    fn step<const FUSED: bool>(&self, fast: &mut f64, slow: &mut f64, ad: f64) {
        *fast = params::madd::<FUSED>(self.f1, *fast, self.fk * ad);
        *slow = params::madd::<FUSED>(self.s1, *slow, self.sk * ad);
    }
}

#[allow(clippy::too_many_arguments)]
pub fn adosc(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    fastperiod: usize,
    slowperiod: usize,
    out: &mut [f64],
) -> Result<()> {
    let (fast, slow) = check(fastperiod, slowperiod)?;
    check_hlcv(NAME, high, low, close, volume, out)?;
    let begin = params::first_valid_all(&[high, low, close, volume]);
    let start = begin + lookback(fast, slow);
    params::fill_nan(out, start);
    if start >= high.len() {
        return Ok(());
    }
    let w = Weights::new(fast, slow);
    let s = begin..high.len();
    let (h, l, c, v) = (
        &high[s.clone()],
        &low[s.clone()],
        &close[s.clone()],
        &volume[s],
    );
    let o = &mut out[begin..];
    let lb = lookback(fast, slow);
    #[cfg(target_arch = "x86_64")]
    if params::has_fma() {
        // SAFETY: the CPU supports FMA (checked just above).
        unsafe { core_fma(h, l, c, v, w, lb, o) };
        return Ok(());
    }
    core::<false>(h, l, c, v, w, lb, o);
    Ok(())
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn core_fma(
    h: &[f64],
    l: &[f64],
    c: &[f64],
    v: &[f64],
    w: Weights,
    lb: usize,
    o: &mut [f64],
) {
    core::<true>(h, l, c, v, w, lb, o)
}

#[inline(always)]
fn core<const FUSED: bool>(
    h: &[f64],
    l: &[f64],
    c: &[f64],
    v: &[f64],
    w: Weights,
    lb: usize,
    out: &mut [f64],
) {
    let mut ad = money_flow(h[0], l[0], c[0], v[0]);
    let (mut fast, mut slow) = (ad, ad);
    for i in 1..lb {
        ad += money_flow(h[i], l[i], c[i], v[i]);
        w.step::<FUSED>(&mut fast, &mut slow, ad);
    }
    let first = lb;
    let rows = out[first..]
        .iter_mut()
        .zip(&h[first..])
        .zip(&l[first..])
        .zip(&c[first..])
        .zip(&v[first..]);
    for ((((o, &hi), &lo), &cl), &vo) in rows {
        let range = hi - lo;
        if range > 0.0 {
            ad += (((cl - lo) - (hi - cl)) / range) * vo;
        }
        w.step::<FUSED>(&mut fast, &mut slow, ad);
        *o = fast - slow;
    }
}

/// Streaming ADOSC: `update(high, low, close, volume)` equals [`adosc`] at every index.
#[derive(Debug, Clone)]
pub struct ChaikinOscillator {
    w: Weights,
    lookback: usize,
    fused: bool,
    count: usize,
    ad: f64,
    fast: f64,
    slow: f64,
    value: f64,
}

impl ChaikinOscillator {
    pub fn new(fastperiod: usize, slowperiod: usize) -> Result<Self> {
        let (fast, slow) = check(fastperiod, slowperiod)?;
        Ok(Self {
            w: Weights::new(fast, slow),
            lookback: lookback(fast, slow),
            fused: params::has_fma(),
            count: 0,
            ad: 0.0,
            fast: 0.0,
            slow: 0.0,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64, volume: f64) -> f64 {
        if self.count == 0 {
            if high.is_nan() || low.is_nan() || close.is_nan() || volume.is_nan() {
                return f64::NAN;
            }
            self.ad = money_flow(high, low, close, volume);
            self.fast = self.ad;
            self.slow = self.ad;
        } else {
            self.ad += money_flow(high, low, close, volume);
            if self.fused {
                self.w.step::<true>(&mut self.fast, &mut self.slow, self.ad);
            } else {
                self.w
                    .step::<false>(&mut self.fast, &mut self.slow, self.ad);
            }
        }
        self.count += 1;
        if self.count <= self.lookback {
            return f64::NAN;
        }
        self.value = self.fast - self.slow;
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.count > self.lookback
    }

    pub fn reset(&mut self) {
        self.count = 0;
        self.value = f64::NAN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, ohlc};

    #[test]
    fn streaming_equals_batch() {
        let (o, h, l, c) = ohlc(300, 5);
        let v: Vec<f64> = o.iter().map(|x| x * 2.0).collect();
        for (f, s) in [(3, 10), (10, 3), (2, 2), (5, 30)] {
            let mut out = vec![0.0; h.len()];
            adosc(&h, &l, &c, &v, f, s, &mut out).unwrap();
            let mut st = ChaikinOscillator::new(f, s).unwrap();
            let streamed: Vec<f64> = (0..h.len())
                .map(|i| st.update(h[i], l[i], c[i], v[i]))
                .collect();
            assert_same(&out, &streamed);
            assert_eq!(out.iter().take_while(|x| x.is_nan()).count(), f.max(s) - 1);
        }
    }
}
