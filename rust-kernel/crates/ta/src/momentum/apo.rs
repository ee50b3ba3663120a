//! Absolute and percentage price oscillators (TA-Lib `APO`, `PPO`): `APO = MA_fast - MA_slow`,
//! `PPO = ((MA_fast - MA_slow) / MA_slow) * 100` (0 when `MA_slow` is within TA-Lib's zero band),
//! with `matype` 0 (SMA) or 1 (EMA). TA-Lib swaps the periods when `slowperiod < fastperiod`; both
//! averages start at the first value (unlike MACD, whose fast EMA starts later), and the output
//! starts where the slow one does; lookback `slow - 1`. Bit-identical to TA-Lib 0.8 with SMAs; the
//! EMA path equals it to rounding (anchored blocks, see `crate::chain`).

use crate::error::Result;
use crate::momentum::stoch::{ma_batch, MaStage, MaType};
use crate::overlap::sma;
use crate::params;

/// Validated `(fast, slow, matype)`, swapped as TA-Lib does.
pub fn check(
    indicator: &'static str,
    fastperiod: i64,
    slowperiod: i64,
    matype: i64,
) -> Result<(usize, usize, MaType)> {
    let fast = params::period(indicator, "fastperiod", fastperiod, 2)?;
    let slow = params::period(indicator, "slowperiod", slowperiod, 2)?;
    let ma = MaType::from_code(indicator, "matype", matype)?;
    Ok(if slow < fast {
        (slow, fast, ma)
    } else {
        (fast, slow, ma)
    })
}

#[inline(always)]
fn combine(percent: bool, fast: f64, slow: f64) -> f64 {
    if !percent {
        fast - slow
    } else if params::is_zero(slow) {
        0.0
    } else {
        ((fast - slow) / slow) * 100.0
    }
}

/// Batch APO (`percent = false`) or PPO.
#[allow(clippy::too_many_arguments)]
pub fn price_oscillator(
    percent: bool,
    real: &[f64],
    fast: usize,
    slow: usize,
    ma: MaType,
    out: &mut [f64],
) -> Result<()> {
    let name = if percent { "ppo" } else { "apo" };
    params::same_len(name, "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    let start = begin + slow - 1;
    params::fill_nan(out, start);
    if start >= real.len() {
        return Ok(());
    }
    if ma == MaType::Sma {
        // The slow average into `out`, then the fast one combined on the fly: no scratch buffer
        // (a fresh 8 MB per million candles costs more in page faults than both averages).
        let (real, out) = (&real[begin..], &mut out[begin..]);
        sma::each(real, slow, |i, v| out[i] = v);
        sma::each(real, fast, |i, f| {
            if i >= slow - 1 {
                out[i] = combine(percent, f, out[i]);
            }
        });
        return Ok(());
    }
    // The slow average into `out`, the fast one into a scratch buffer, then combine.
    ma_batch(ma, &real[begin..], slow, &mut out[begin..]);
    let mut fast_values = vec![0.0; real.len() - begin];
    ma_batch(ma, &real[begin..], fast, &mut fast_values);
    for (o, &f) in out[start..].iter_mut().zip(&fast_values[slow - 1..]) {
        *o = combine(percent, f, *o);
    }
    Ok(())
}

/// Streaming APO / PPO.
#[derive(Debug, Clone)]
pub struct PriceOscillator {
    percent: bool,
    fast: MaStage,
    slow: MaStage,
    seen: usize,
    value: f64,
}

impl PriceOscillator {
    pub fn new(percent: bool, fast: usize, slow: usize, ma: MaType) -> Self {
        Self {
            percent,
            fast: MaStage::new(ma, fast),
            slow: MaStage::new(ma, slow),
            seen: 0,
            value: f64::NAN,
        }
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.seen == 0 && x.is_nan() {
            return f64::NAN;
        }
        let slow = self.slow.update(x);
        let fast = self.fast.update(x);
        self.seen += 1;
        match (fast, slow) {
            (Some(f), Some(s)) => {
                self.value = combine(self.percent, f, s);
                self.value
            }
            _ => f64::NAN,
        }
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        !self.value.is_nan()
    }

    pub fn reset(&mut self) {
        self.fast.reset();
        self.slow.reset();
        self.seen = 0;
        self.value = f64::NAN;
    }
}
