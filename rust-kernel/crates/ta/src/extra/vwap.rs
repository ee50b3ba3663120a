//! Session-anchored volume-weighted average price.
//!
//! `VWAP = Σ(tp · volume) / Σ volume` over the candles of the current session so far, with the
//! typical price `tp = (high + low + close) / 3` (TA-Lib's TYPPRICE). A session is the interval
//! `[k · session_ms, (k + 1) · session_ms)` of epoch milliseconds, so the default `session_ms =
//! 86_400_000` resets at every UTC midnight; `session_ms = 3_600_000` resets every hour. The sums
//! restart whenever a candle's session differs from the previous candle's (also if time goes
//! backwards). A session whose volume so far is 0 has no VWAP: NaN. Lookback 0.

use crate::error::{KernelError, Result};
use crate::params;
use crate::price::typprice_one;

const NAME: &str = "vwap";

/// Milliseconds in a UTC day: the default session.
pub const DAY_MS: i64 = 86_400_000;

pub fn check(session_ms: i64) -> Result<i64> {
    if session_ms < 1 {
        return Err(KernelError::InvalidParameter {
            indicator: NAME,
            name: "session_ms",
            value: session_ms.to_string(),
            expected: "must be >= 1".into(),
        });
    }
    Ok(session_ms)
}

/// Streaming VWAP: `update(high, low, close, volume, ts)` equals [`vwap`] at every index.
#[derive(Debug, Clone)]
pub struct Vwap {
    session_ms: i64,
    session: Option<i64>,
    pv: f64,
    v: f64,
    value: f64,
}

impl Vwap {
    pub fn new(session_ms: i64) -> Result<Self> {
        Ok(Self {
            session_ms: check(session_ms)?,
            session: None,
            pv: 0.0,
            v: 0.0,
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64, volume: f64, ts: i64) -> f64 {
        let session = ts.div_euclid(self.session_ms);
        if self.session != Some(session) {
            self.session = Some(session);
            self.pv = 0.0;
            self.v = 0.0;
        }
        self.pv += typprice_one(high, low, close) * volume;
        self.v += volume;
        self.value = if self.v == 0.0 {
            f64::NAN
        } else {
            self.pv / self.v
        };
        self.value
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        !self.value.is_nan()
    }

    pub fn reset(&mut self) {
        self.session = None;
        self.pv = 0.0;
        self.v = 0.0;
        self.value = f64::NAN;
    }
}

/// Batch VWAP; `ts` are epoch milliseconds, one per candle.
pub fn vwap(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    ts: &[i64],
    session_ms: i64,
    out: &mut [f64],
) -> Result<()> {
    let mut s = Vwap::new(session_ms)?;
    super::lens(
        NAME,
        &["high", "low", "close", "volume"],
        &[high, low, close, volume],
        &[out],
    )?;
    params::same_len(NAME, "high", high.len(), "ts", ts.len())?;
    for i in 0..high.len() {
        out[i] = s.update(high[i], low[i], close[i], volume[i], ts[i]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resets_at_each_utc_day_and_weights_by_volume() {
        let h = [3.0, 6.0, 9.0, 12.0];
        let v = [1.0, 3.0, 0.0, 2.0];
        let ts = [DAY_MS - 2, DAY_MS - 1, DAY_MS, DAY_MS + 5];
        let mut out = [0.0; 4];
        vwap(&h, &h, &h, &v, &ts, DAY_MS, &mut out).unwrap();
        assert_eq!(out[0], 3.0);
        assert_eq!(out[1], (3.0 + 18.0) / 4.0);
        assert!(out[2].is_nan(), "no volume yet in the new session");
        assert_eq!(out[3], 12.0);
        let err = vwap(&h, &h, &h, &v, &ts[..3], DAY_MS, &mut out).unwrap_err();
        assert_eq!(
            err.to_string(),
            "vwap: high and ts must have the same length, got 4 and 3"
        );
        assert_eq!(
            Vwap::new(0).unwrap_err().to_string(),
            "vwap: session_ms must be >= 1, got 0"
        );
    }
}
