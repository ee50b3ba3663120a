//! MACD with selectable moving averages (TA-Lib `MACDEXT`).
//!
//! `macd = MA_fast(x) - MA_slow(x)`, `signal = MA_signal(macd)`, `hist = macd - signal`, each
//! average an SMA (`matype` 0) or an EMA (1); TA-Lib's other types are refused with an error
//! naming the parameter. As in TA-Lib, the periods (and their types) are swapped when
//! `slowperiod < fastperiod`, and both averages are first defined at `slow - 1`: the fast one
//! starts `slow - fast` values late (an EMA is seeded on the `fast` values ending at `slow - 1`,
//! an SMA's running sum starts there), which matters to the last bit. Lookback
//! `slow - 1 + signal - 1`; a signal period of 1 copies the MACD line.

use crate::error::Result;
use crate::momentum::macd::{self, Macd};
use crate::momentum::stoch::{ma_batch, MaStage, MaType};
use crate::params;

const NAME: &str = "macdext";

/// Validated parameters, fast and slow swapped as TA-Lib does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacdExtParams {
    pub fast: (usize, MaType),
    pub slow: (usize, MaType),
    pub signal: (usize, MaType),
}

impl MacdExtParams {
    pub fn lookback(&self) -> usize {
        self.slow.0 - 1 + self.signal.0 - 1
    }
}

pub fn check(
    fastperiod: i64,
    fastmatype: i64,
    slowperiod: i64,
    slowmatype: i64,
    signalperiod: i64,
    signalmatype: i64,
) -> Result<MacdExtParams> {
    let fast = (
        params::period(NAME, "fastperiod", fastperiod, 2)?,
        MaType::from_code(NAME, "fastmatype", fastmatype)?,
    );
    let slow = (
        params::period(NAME, "slowperiod", slowperiod, 2)?,
        MaType::from_code(NAME, "slowmatype", slowmatype)?,
    );
    let signal = (
        params::period(NAME, "signalperiod", signalperiod, 1)?,
        MaType::from_code(NAME, "signalmatype", signalmatype)?,
    );
    let (fast, slow) = if slow.0 < fast.0 {
        (slow, fast)
    } else {
        (fast, slow)
    };
    Ok(MacdExtParams { fast, slow, signal })
}

/// Batch MACDEXT into three caller buffers of the input's length (`out_hist` doubles as the
/// slow average's scratch, so the call allocates nothing).
pub fn macdext(
    real: &[f64],
    p: MacdExtParams,
    out_macd: &mut [f64],
    out_signal: &mut [f64],
    out_hist: &mut [f64],
) -> Result<()> {
    let n = real.len();
    params::same_len(NAME, "real", n, "out_macd", out_macd.len())?;
    params::same_len(NAME, "real", n, "out_signal", out_signal.len())?;
    params::same_len(NAME, "real", n, "out_hist", out_hist.len())?;
    let begin = params::first_valid(real);
    let start = begin + p.lookback();
    if start >= n {
        for out in [out_macd, out_signal, out_hist] {
            params::fill_nan(out, n);
        }
        return Ok(());
    }
    let ((fast, fast_ma), (slow, slow_ma), (signal, signal_ma)) = (p.fast, p.slow, p.signal);
    if (fast_ma, slow_ma, signal_ma) == (MaType::Ema, MaType::Ema, MaType::Ema) && signal > 1 {
        // Three EMAs are TA-Lib's MACD (same seeds, same `k`): MACD's chunked loop. A
        // signal period of 1 is a copy here but an EMA with k = 1 in MACD, hence the guard.
        let state = Macd::with_k(
            (fast, params::per_to_k(fast)),
            (slow, params::per_to_k(slow)),
            signal,
        );
        return macd::run(NAME, state, real, out_macd, out_signal, out_hist);
    }
    // Both averages are defined from `first` on.
    let first = begin + slow - 1;
    let late = begin + slow - fast;
    ma_batch(fast_ma, &real[late..], fast, &mut out_macd[late..]);
    ma_batch(slow_ma, &real[begin..], slow, &mut out_hist[begin..]);
    for (m, &s) in out_macd[first..].iter_mut().zip(&out_hist[first..]) {
        *m -= s;
    }
    ma_batch(
        signal_ma,
        &out_macd[first..],
        signal,
        &mut out_signal[first..],
    );
    for ((h, &m), &s) in out_hist[start..]
        .iter_mut()
        .zip(&out_macd[start..])
        .zip(&out_signal[start..])
    {
        *h = m - s;
    }
    for out in [out_macd, out_signal, out_hist] {
        params::fill_nan(out, start);
    }
    Ok(())
}

/// Streaming MACDEXT; `update` returns `(macd, signal, hist)`, NaN until all three are defined.
#[derive(Debug, Clone)]
pub struct MacdExt {
    params: MacdExtParams,
    fast: MaStage,
    slow: MaStage,
    signal: MaStage,
    seen: usize,
    value: (f64, f64, f64),
}

impl MacdExt {
    pub fn new(p: MacdExtParams) -> Self {
        Self {
            params: p,
            fast: MaStage::new(p.fast.1, p.fast.0),
            slow: MaStage::new(p.slow.1, p.slow.0),
            signal: MaStage::new(p.signal.1, p.signal.0),
            seen: 0,
            value: (f64::NAN, f64::NAN, f64::NAN),
        }
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> (f64, f64, f64) {
        const NONE: (f64, f64, f64) = (f64::NAN, f64::NAN, f64::NAN);
        if self.seen == 0 && x.is_nan() {
            return NONE;
        }
        let slow = self.slow.update(x);
        let fast = if self.seen >= self.params.slow.0 - self.params.fast.0 {
            self.fast.update(x)
        } else {
            None
        };
        self.seen += 1;
        let (Some(f), Some(s)) = (fast, slow) else {
            return NONE;
        };
        let m = f - s;
        match self.signal.update(m) {
            Some(g) => {
                self.value = (m, g, m - g);
                self.value
            }
            None => NONE,
        }
    }

    pub fn value(&self) -> (f64, f64, f64) {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.seen > self.params.lookback()
    }

    pub fn reset(&mut self) {
        *self = Self::new(self.params);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, series};

    #[test]
    fn streaming_equals_batch() {
        let x = series(300, 12);
        for codes in [
            (12, 0, 26, 0, 9, 0),
            (26, 1, 12, 0, 5, 1),
            (3, 1, 3, 1, 1, 0),
        ] {
            let p = check(codes.0, codes.1, codes.2, codes.3, codes.4, codes.5).unwrap();
            let mut o = [vec![0.0; x.len()], vec![0.0; x.len()], vec![0.0; x.len()]];
            let [a, b, c] = &mut o;
            macdext(&x, p, a, b, c).unwrap();
            let mut s = MacdExt::new(p);
            let got: Vec<(f64, f64, f64)> = x.iter().map(|&v| s.update(v)).collect();
            assert_same(&o[0], &got.iter().map(|t| t.0).collect::<Vec<_>>());
            assert_same(&o[1], &got.iter().map(|t| t.1).collect::<Vec<_>>());
            assert_same(&o[2], &got.iter().map(|t| t.2).collect::<Vec<_>>());
            assert_eq!(o[0].iter().take_while(|v| v.is_nan()).count(), p.lookback());
        }
    }

    #[test]
    fn other_matypes_are_refused() {
        assert_eq!(
            check(12, 0, 26, 3, 9, 0).unwrap_err().to_string(),
            "macdext: slowmatype must be 0 (SMA) or 1 (EMA); other moving averages are not \
             supported yet, got 3"
        );
    }
}
