//! A bank of streaming indicators for one symbol, updated together once per candle.
//!
//! Why: from Python, 20 separate `update` calls cost 20 interpreter round trips per candle; a bank
//! is configured once (name + parameters) and then takes one call per candle that updates every
//! indicator in Rust and writes all latest values into one caller-held buffer. Each member is the
//! same streaming struct the single-indicator API uses, so the bank's values equal the individual
//! streams' values exactly.

use crate::error::{KernelError, Result};
use crate::momentum::{
    Macd, Momentum, RateOfChange, RateOfChangePercentage, RateOfChangeRatio, RelativeStrengthIndex,
    WilliamsR,
};
use crate::overlap::{
    BollingerBands, DoubleExponentialMovingAverage, ExponentialMovingAverage,
    KaufmanAdaptiveMovingAverage, MidPoint, MidPrice, SimpleMovingAverage, TriangularMovingAverage,
    TripleExponentialMovingAverage, Trix, WeightedMovingAverage,
};
use crate::statistics::linearreg::Output;
use crate::statistics::{LinearRegression, StandardDeviation, Variance};
use crate::volatility::{AverageTrueRange, NormalizedAverageTrueRange, TrueRange};
use crate::volume::{AccumulationDistribution, ChaikinOscillator, OnBalanceVolume};

const NAME: &str = "bank";

/// One member of a bank.
#[derive(Debug, Clone)]
enum Member {
    Sma(SimpleMovingAverage),
    Ema(ExponentialMovingAverage),
    Wma(WeightedMovingAverage),
    Dema(DoubleExponentialMovingAverage),
    Tema(TripleExponentialMovingAverage),
    Trima(TriangularMovingAverage),
    Kama(KaufmanAdaptiveMovingAverage),
    Trix(Trix),
    MidPoint(MidPoint),
    MidPrice(MidPrice),
    Bbands(BollingerBands),
    Rsi(RelativeStrengthIndex),
    Macd(Macd),
    Mom(Momentum),
    Roc(RateOfChange),
    Rocp(RateOfChangePercentage),
    Rocr(RateOfChangeRatio),
    Willr(WilliamsR),
    Atr(AverageTrueRange),
    Natr(NormalizedAverageTrueRange),
    Trange(TrueRange),
    Var(Variance),
    Stddev(StandardDeviation),
    LinReg(LinearRegression),
    Ad(AccumulationDistribution),
    Adosc(ChaikinOscillator),
    Obv(OnBalanceVolume),
}

/// The parameters given for one member, looked up by name with TA-Lib's defaults; every given
/// parameter must be used, so a misspelt name is an error rather than a silent default.
struct Params<'a> {
    indicator: String,
    given: &'a [(&'a str, f64)],
    used: Vec<bool>,
}

impl<'a> Params<'a> {
    fn real(&mut self, name: &'static str, default: f64) -> f64 {
        match self.given.iter().position(|(k, _)| *k == name) {
            Some(i) => {
                self.used[i] = true;
                self.given[i].1
            }
            None => default,
        }
    }

    fn int(&mut self, name: &'static str, default: usize) -> Result<usize> {
        let v = self.real(name, default as f64);
        if v.fract() != 0.0 || v < 0.0 || v > 1e9 {
            return Err(KernelError::InvalidParameter {
                indicator: NAME,
                name,
                value: format!("{v} (for {})", self.indicator),
                expected: "must be a non-negative integer".into(),
            });
        }
        Ok(v as usize)
    }

    fn finish(self) -> Result<()> {
        if let Some(i) = self.used.iter().position(|u| !u) {
            return Err(KernelError::InvalidParameter {
                indicator: NAME,
                name: "params",
                value: format!("{:?} (for {})", self.given[i].0, self.indicator),
                expected: format!("must name a parameter of {}", self.indicator),
            });
        }
        Ok(())
    }
}

/// The indicator names a bank accepts (TA-Lib names, lower case).
pub const NAMES: &[&str] = &[
    "ad",
    "adosc",
    "atr",
    "bbands",
    "dema",
    "ema",
    "kama",
    "linearreg",
    "linearreg_angle",
    "linearreg_intercept",
    "linearreg_slope",
    "macd",
    "midpoint",
    "midprice",
    "mom",
    "natr",
    "obv",
    "roc",
    "rocp",
    "rocr",
    "rsi",
    "sma",
    "stddev",
    "tema",
    "trange",
    "trima",
    "trix",
    "tsf",
    "var",
    "willr",
    "wma",
];

impl Member {
    fn build(name: &str, given: &[(&str, f64)]) -> Result<(Self, usize)> {
        let mut p = Params {
            indicator: name.to_string(),
            given,
            used: vec![false; given.len()],
        };
        let lr = |o: Output, p: &mut Params| -> Result<Member> {
            Ok(Member::LinReg(LinearRegression::new(
                o,
                p.int("timeperiod", 14)?,
            )?))
        };
        let (member, outputs) = match name {
            "sma" => (
                Self::Sma(SimpleMovingAverage::new(p.int("timeperiod", 30)?)?),
                1,
            ),
            "ema" => (
                Self::Ema(ExponentialMovingAverage::new(p.int("timeperiod", 30)?)?),
                1,
            ),
            "wma" => (
                Self::Wma(WeightedMovingAverage::new(p.int("timeperiod", 30)?)?),
                1,
            ),
            "dema" => (
                Self::Dema(DoubleExponentialMovingAverage::new(
                    p.int("timeperiod", 30)?,
                )?),
                1,
            ),
            "tema" => (
                Self::Tema(TripleExponentialMovingAverage::new(
                    p.int("timeperiod", 30)?,
                )?),
                1,
            ),
            "trima" => (
                Self::Trima(TriangularMovingAverage::new(p.int("timeperiod", 30)?)?),
                1,
            ),
            "kama" => (
                Self::Kama(KaufmanAdaptiveMovingAverage::new(p.int("timeperiod", 30)?)?),
                1,
            ),
            "trix" => (Self::Trix(Trix::new(p.int("timeperiod", 30)?)?), 1),
            "midpoint" => (Self::MidPoint(MidPoint::new(p.int("timeperiod", 14)?)?), 1),
            "midprice" => (Self::MidPrice(MidPrice::new(p.int("timeperiod", 14)?)?), 1),
            "bbands" => {
                let n = p.int("timeperiod", 5)?;
                let up = p.real("nbdevup", 2.0);
                let dn = p.real("nbdevdn", 2.0);
                let matype = p.int("matype", 0)?;
                if matype != 0 {
                    return Err(KernelError::InvalidParameter {
                        indicator: NAME,
                        name: "matype",
                        value: format!("{matype} (for bbands)"),
                        expected: "must be 0 (SMA)".into(),
                    });
                }
                (Self::Bbands(BollingerBands::new(n, up, dn)?), 3)
            }
            "rsi" => (
                Self::Rsi(RelativeStrengthIndex::new(p.int("timeperiod", 14)?)?),
                1,
            ),
            "macd" => {
                let f = p.int("fastperiod", 12)?;
                let s = p.int("slowperiod", 26)?;
                let g = p.int("signalperiod", 9)?;
                (Self::Macd(Macd::new(f, s, g)?), 3)
            }
            "mom" => (Self::Mom(Momentum::new(p.int("timeperiod", 10)?)?), 1),
            "roc" => (Self::Roc(RateOfChange::new(p.int("timeperiod", 10)?)?), 1),
            "rocp" => (
                Self::Rocp(RateOfChangePercentage::new(p.int("timeperiod", 10)?)?),
                1,
            ),
            "rocr" => (
                Self::Rocr(RateOfChangeRatio::new(p.int("timeperiod", 10)?)?),
                1,
            ),
            "willr" => (Self::Willr(WilliamsR::new(p.int("timeperiod", 14)?)?), 1),
            "atr" => (
                Self::Atr(AverageTrueRange::new(p.int("timeperiod", 14)?)?),
                1,
            ),
            "natr" => (
                Self::Natr(NormalizedAverageTrueRange::new(p.int("timeperiod", 14)?)?),
                1,
            ),
            "trange" => (Self::Trange(TrueRange::new()), 1),
            "var" => (Self::Var(Variance::new(p.int("timeperiod", 5)?)?), 1),
            "stddev" => {
                let n = p.int("timeperiod", 5)?;
                let k = p.real("nbdev", 1.0);
                (Self::Stddev(StandardDeviation::new(n, k)?), 1)
            }
            "linearreg" => (lr(Output::Value, &mut p)?, 1),
            "linearreg_slope" => (lr(Output::Slope, &mut p)?, 1),
            "linearreg_intercept" => (lr(Output::Intercept, &mut p)?, 1),
            "linearreg_angle" => (lr(Output::Angle, &mut p)?, 1),
            "tsf" => (lr(Output::Forecast, &mut p)?, 1),
            "ad" => (Self::Ad(AccumulationDistribution::new()), 1),
            "adosc" => {
                let f = p.int("fastperiod", 3)?;
                let s = p.int("slowperiod", 10)?;
                (Self::Adosc(ChaikinOscillator::new(f, s)?), 1)
            }
            "obv" => (Self::Obv(OnBalanceVolume::new()), 1),
            other => {
                return Err(KernelError::InvalidParameter {
                    indicator: NAME,
                    name: "name",
                    value: format!("{other:?}"),
                    expected: format!("must be one of {}", NAMES.join(", ")),
                })
            }
        };
        p.finish()?;
        Ok((member, outputs))
    }

    #[inline]
    fn update(&mut self, o: f64, h: f64, l: f64, c: f64, v: f64, out: &mut [f64]) {
        let _ = o;
        let one = match self {
            Self::Sma(s) => s.update(c),
            Self::Ema(s) => s.update(c),
            Self::Wma(s) => s.update(c),
            Self::Dema(s) => s.update(c),
            Self::Tema(s) => s.update(c),
            Self::Trima(s) => s.update(c),
            Self::Kama(s) => s.update(c),
            Self::Trix(s) => s.update(c),
            Self::MidPoint(s) => s.update(c),
            Self::MidPrice(s) => s.update(h, l),
            Self::Bbands(s) => {
                let (a, b, d) = s.update(c);
                out[0] = a;
                out[1] = b;
                out[2] = d;
                return;
            }
            Self::Macd(s) => {
                let (a, b, d) = s.update(c);
                out[0] = a;
                out[1] = b;
                out[2] = d;
                return;
            }
            Self::Rsi(s) => s.update(c),
            Self::Mom(s) => s.update(c),
            Self::Roc(s) => s.update(c),
            Self::Rocp(s) => s.update(c),
            Self::Rocr(s) => s.update(c),
            Self::Willr(s) => s.update(h, l, c),
            Self::Atr(s) => s.update(h, l, c),
            Self::Natr(s) => s.update(h, l, c),
            Self::Trange(s) => s.update(h, l, c),
            Self::Var(s) => s.update(c),
            Self::Stddev(s) => s.update(c),
            Self::LinReg(s) => s.update(c),
            Self::Ad(s) => s.update(h, l, c, v),
            Self::Adosc(s) => s.update(h, l, c, v),
            Self::Obv(s) => s.update(c, v),
        };
        out[0] = one;
    }
}

/// Many streaming indicators of one symbol (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Bank {
    members: Vec<(Member, usize, usize)>,
    labels: Vec<String>,
    width: usize,
}

impl Bank {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an indicator by TA-Lib name with `(parameter, value)` pairs (missing ones take
    /// TA-Lib's defaults); returns the index of its first output in the value buffer.
    pub fn add(&mut self, name: &str, params: &[(&str, f64)]) -> Result<usize> {
        let (member, outputs) = Member::build(name, params)?;
        let at = self.width;
        let tag = if params.is_empty() {
            name.to_string()
        } else {
            let ps: Vec<String> = params.iter().map(|(_, v)| v.to_string()).collect();
            format!("{name}_{}", ps.join("_"))
        };
        match outputs {
            1 => self.labels.push(tag),
            _ => {
                let parts: &[&str] = if name == "macd" {
                    &["macd", "signal", "hist"]
                } else {
                    &["upper", "middle", "lower"]
                };
                self.labels
                    .extend(parts.iter().map(|p| format!("{tag}.{p}")));
            }
        }
        self.members.push((member, at, outputs));
        self.width += outputs;
        Ok(at)
    }

    /// Number of values one update writes.
    pub fn width(&self) -> usize {
        self.width
    }

    /// One label per value, in buffer order (`ema_12`, `macd.signal`, ...).
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Feed one candle to every member and write their latest values into `out[..width]`.
    #[inline]
    pub fn update(&mut self, o: f64, h: f64, l: f64, c: f64, v: f64, out: &mut [f64]) {
        for (member, at, k) in &mut self.members {
            member.update(o, h, l, c, v, &mut out[*at..*at + *k]);
        }
    }

    pub fn reset(&mut self) {
        for (member, _, _) in &mut self.members {
            let fresh = match member {
                Member::Sma(s) => s.reset(),
                Member::Ema(s) => s.reset(),
                Member::Wma(s) => s.reset(),
                Member::Dema(s) => s.reset(),
                Member::Tema(s) => s.reset(),
                Member::Trima(s) => s.reset(),
                Member::Kama(s) => s.reset(),
                Member::Trix(s) => s.reset(),
                Member::MidPoint(s) => s.reset(),
                Member::MidPrice(s) => s.reset(),
                Member::Bbands(s) => s.reset(),
                Member::Rsi(s) => s.reset(),
                Member::Macd(s) => s.reset(),
                Member::Mom(s) => s.reset(),
                Member::Roc(s) => s.reset(),
                Member::Rocp(s) => s.reset(),
                Member::Rocr(s) => s.reset(),
                Member::Willr(s) => s.reset(),
                Member::Atr(s) => s.reset(),
                Member::Natr(s) => s.reset(),
                Member::Trange(s) => s.reset(),
                Member::Var(s) => s.reset(),
                Member::Stddev(s) => s.reset(),
                Member::LinReg(s) => s.reset(),
                Member::Ad(s) => s.reset(),
                Member::Adosc(s) => s.reset(),
                Member::Obv(s) => s.reset(),
            };
            let () = fresh;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, ohlc};

    #[test]
    fn bank_equals_individual_streams() {
        let (o, h, l, c) = ohlc(400, 21);
        let mut bank = Bank::new();
        assert_eq!(bank.add("ema", &[("timeperiod", 12.0)]).unwrap(), 0);
        assert_eq!(bank.add("macd", &[]).unwrap(), 1);
        assert_eq!(bank.add("atr", &[]).unwrap(), 4);
        bank.add("obv", &[]).unwrap();
        assert_eq!(bank.width(), 6);
        assert_eq!(bank.labels()[2], "macd.signal");
        let mut ema = ExponentialMovingAverage::new(12).unwrap();
        let mut macd = Macd::new(12, 26, 9).unwrap();
        let mut atr = AverageTrueRange::new(14).unwrap();
        let mut obv = OnBalanceVolume::new();
        let mut out = vec![0.0; 6];
        for i in 0..o.len() {
            bank.update(o[i], h[i], l[i], c[i], o[i], &mut out);
            let (a, b, d) = macd.update(c[i]);
            let want = [
                ema.update(c[i]),
                a,
                b,
                d,
                atr.update(h[i], l[i], c[i]),
                obv.update(c[i], o[i]),
            ];
            assert_same(&want, &out);
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let mut bank = Bank::new();
        let err = bank.add("emaa", &[]).unwrap_err().to_string();
        assert!(
            err.starts_with("bank: name must be one of ad, adosc"),
            "{err}"
        );
        let err = bank.add("ema", &[("period", 3.0)]).unwrap_err().to_string();
        assert_eq!(
            err,
            "bank: params must name a parameter of ema, got \"period\" (for ema)"
        );
        let err = bank
            .add("ema", &[("timeperiod", 1.0)])
            .unwrap_err()
            .to_string();
        assert_eq!(err, "ema: timeperiod must be >= 2, got 1");
    }
}
