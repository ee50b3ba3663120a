//! A bank of streaming indicators for one symbol, updated together once per candle.
//!
//! Why: from Python, 20 separate `update` calls cost 20 interpreter round trips per candle; a bank
//! is configured once (name + parameters) and then takes one call per candle that updates every
//! indicator in Rust and writes all latest values into one caller-held buffer. Each member is the
//! same streaming struct the single-indicator API uses, so the bank's values equal the individual
//! streams' values exactly.

use crate::error::{KernelError, Result};
use crate::extra::{
    vwap, ChaikinMoneyFlow, DonchianChannels, HullMovingAverage, Ichimoku, KeltnerChannels,
    Supertrend, Vwap, ZeroLagExponentialMovingAverage,
};
use crate::momentum::{
    apo, Aroon, AroonOscillator, BalanceOfPower, ChandeMomentumOscillator, CommodityChannelIndex,
    DirectionalMovement, DmiKind, Macd, MacdExt, MacdExtParams, MacdFix, Momentum, MoneyFlowIndex,
    PriceOscillator, RateOfChange, RateOfChangePercentage, RateOfChangeRatio,
    RelativeStrengthIndex, StochFParams, StochParams, Stochastic, StochasticFast, StochasticRsi,
    UltimateOscillator, WilliamsR,
};
use crate::overlap::{
    BollingerBands, DoubleExponentialMovingAverage, ExponentialMovingAverage,
    KaufmanAdaptiveMovingAverage, MidPoint, MidPrice, ParabolicSar, SimpleMovingAverage,
    TriangularMovingAverage, TripleExponentialMovingAverage, Trix, WeightedMovingAverage, T3,
};
use crate::statistics::linearreg::Output;
use crate::statistics::{Beta, Correlation, LinearRegression, StandardDeviation, Variance};
use crate::volatility::{AverageTrueRange, NormalizedAverageTrueRange, TrueRange};
use crate::volume::{AccumulationDistribution, ChaikinOscillator, OnBalanceVolume};
use crate::{momentum, price};

const NAME: &str = "bank";

/// A price transform (no state: one candle each).
#[derive(Debug, Clone, Copy)]
enum PriceKind {
    Avg,
    Med,
    Typ,
    Wcl,
}

impl PriceKind {
    fn reset(&mut self) {}
}

/// A two-series indicator (CORREL, BETA) fed two of the candle's columns.
#[derive(Debug, Clone)]
struct Columns<T> {
    inner: T,
    x: usize,
    y: usize,
}

/// The candle columns a two-series member may take, by the index a caller gives.
const COLUMNS: [&str; 5] = ["open", "high", "low", "close", "volume"];

/// Declares the member enum and its `reset` (every member is reset the same way).
macro_rules! members {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        /// One member of a bank.
        #[derive(Debug, Clone)]
        enum Member {
            $($variant($ty),)*
        }

        impl Member {
            fn reset(&mut self) {
                match self {
                    $(Self::$variant(s) => s.reset(),)*
                }
            }
        }
    };
}

members!(
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
    MacdExt(MacdExt),
    MacdFix(MacdFix),
    T3(T3),
    Sar(ParabolicSar),
    Ultosc(UltimateOscillator),
    Mfi(MoneyFlowIndex),
    Mom(Momentum),
    Roc(RateOfChange),
    Rocp(RateOfChangePercentage),
    Rocr(RateOfChangeRatio),
    Willr(WilliamsR),
    Dmi(DirectionalMovement),
    PriceOsc(PriceOscillator),
    Aroon(Aroon),
    AroonOsc(AroonOscillator),
    Bop(BalanceOfPower),
    Cci(CommodityChannelIndex),
    Cmo(ChandeMomentumOscillator),
    Stoch(Stochastic),
    StochF(StochasticFast),
    StochRsi(StochasticRsi),
    Atr(AverageTrueRange),
    Natr(NormalizedAverageTrueRange),
    Trange(TrueRange),
    Var(Variance),
    Stddev(StandardDeviation),
    LinReg(LinearRegression),
    Correl(Columns<Correlation>),
    Beta(Columns<Beta>),
    Ad(AccumulationDistribution),
    Adosc(ChaikinOscillator),
    Obv(OnBalanceVolume),
    Price(PriceKind),
    Cmf(ChaikinMoneyFlow),
    Donchian(DonchianChannels),
    Hma(HullMovingAverage),
    // Boxed: many times larger than the other members.
    Ichimoku(Box<Ichimoku>),
    Keltner(KeltnerChannels),
    Supertrend(Supertrend),
    Zlema(ZeroLagExponentialMovingAverage),
    Vwap(Vwap),
);

impl<T: ColumnsReset> Columns<T> {
    fn reset(&mut self) {
        self.inner.reset_stream();
    }
}

/// The reset of the stream inside [`Columns`].
trait ColumnsReset {
    fn reset_stream(&mut self);
}

impl ColumnsReset for Correlation {
    fn reset_stream(&mut self) {
        self.reset();
    }
}

impl ColumnsReset for Beta {
    fn reset_stream(&mut self) {
        self.reset();
    }
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
        if v.fract() != 0.0 || !(0.0..=1e9).contains(&v) {
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

/// The indicator names a bank accepts: the whole catalogue (`avgprice` and the other price
/// transforms are stateless but accepted so a bank can carry them).
pub const NAMES: &[&str] = crate::catalogue::INDICATORS;

const ONE: &[&str] = &[""];
const BANDS: &[&str] = &["upper", "middle", "lower"];
const FAST: &[&str] = &["fastk", "fastd"];

impl Params<'_> {
    /// A TA-Lib `matype` (or other small code) as the `i64` the indicators' checks take.
    fn code(&mut self, name: &'static str, default: usize) -> Result<i64> {
        Ok(self.int(name, default)? as i64)
    }

    /// A candle column for a two-series member, required (there is no sensible default).
    fn column(&mut self, name: &'static str) -> Result<usize> {
        let given = self.given.iter().any(|(k, _)| *k == name);
        let v = self.int(name, COLUMNS.len())?;
        if !given || v >= COLUMNS.len() {
            return Err(KernelError::InvalidParameter {
                indicator: NAME,
                name,
                value: if given {
                    format!("{v} (for {})", self.indicator)
                } else {
                    format!("nothing (for {})", self.indicator)
                },
                expected: "must be a candle column: 0 open, 1 high, 2 low, 3 close, 4 volume"
                    .into(),
            });
        }
        Ok(v)
    }

    fn stochf(&mut self, indicator: &'static str) -> Result<StochFParams> {
        let k = self.code("fastk_period", 5)?;
        let d = self.code("fastd_period", 3)?;
        let ma = self.code("fastd_matype", 0)?;
        StochFParams::check(indicator, k, d, ma)
    }

    fn macdext(&mut self) -> Result<MacdExtParams> {
        let f = self.code("fastperiod", 12)?;
        let fm = self.code("fastmatype", 0)?;
        let s = self.code("slowperiod", 26)?;
        let sm = self.code("slowmatype", 0)?;
        let g = self.code("signalperiod", 9)?;
        let gm = self.code("signalmatype", 0)?;
        momentum::macdext::check(f, fm, s, sm, g, gm)
    }
}

impl Member {
    /// The member for `name` and the names of its outputs (`[""]` for one output).
    fn build(name: &str, given: &[(&str, f64)]) -> Result<(Self, &'static [&'static str])> {
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
        let dmi = |k: DmiKind, p: &mut Params| -> Result<Member> {
            Ok(Member::Dmi(DirectionalMovement::new(
                k,
                p.int("timeperiod", 14)?,
            )?))
        };
        let osc = |percent: bool, p: &mut Params| -> Result<Member> {
            let label = if percent { "ppo" } else { "apo" };
            let f = p.code("fastperiod", 12)?;
            let s = p.code("slowperiod", 26)?;
            let ma = p.code("matype", 0)?;
            let (f, s, ma) = apo::check(label, f, s, ma)?;
            Ok(Member::PriceOsc(PriceOscillator::new(percent, f, s, ma)))
        };
        let (member, outputs): (Self, &'static [&'static str]) = match name {
            "sma" => (
                Self::Sma(SimpleMovingAverage::new(p.int("timeperiod", 30)?)?),
                ONE,
            ),
            "ema" => (
                Self::Ema(ExponentialMovingAverage::new(p.int("timeperiod", 30)?)?),
                ONE,
            ),
            "wma" => (
                Self::Wma(WeightedMovingAverage::new(p.int("timeperiod", 30)?)?),
                ONE,
            ),
            "dema" => (
                Self::Dema(DoubleExponentialMovingAverage::new(
                    p.int("timeperiod", 30)?,
                )?),
                ONE,
            ),
            "tema" => (
                Self::Tema(TripleExponentialMovingAverage::new(
                    p.int("timeperiod", 30)?,
                )?),
                ONE,
            ),
            "trima" => (
                Self::Trima(TriangularMovingAverage::new(p.int("timeperiod", 30)?)?),
                ONE,
            ),
            "kama" => (
                Self::Kama(KaufmanAdaptiveMovingAverage::new(p.int("timeperiod", 30)?)?),
                ONE,
            ),
            "trix" => (Self::Trix(Trix::new(p.int("timeperiod", 30)?)?), ONE),
            "midpoint" => (
                Self::MidPoint(MidPoint::new(p.int("timeperiod", 14)?)?),
                ONE,
            ),
            "midprice" => (
                Self::MidPrice(MidPrice::new(p.int("timeperiod", 14)?)?),
                ONE,
            ),
            "bbands" => {
                let n = p.int("timeperiod", 20)?;
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
                (Self::Bbands(BollingerBands::new(n, up, dn)?), BANDS)
            }
            "rsi" => (
                Self::Rsi(RelativeStrengthIndex::new(p.int("timeperiod", 14)?)?),
                ONE,
            ),
            "macd" => {
                let f = p.int("fastperiod", 12)?;
                let s = p.int("slowperiod", 26)?;
                let g = p.int("signalperiod", 9)?;
                (Self::Macd(Macd::new(f, s, g)?), &["macd", "signal", "hist"])
            }
            "macdext" => (
                Self::MacdExt(MacdExt::new(p.macdext()?)),
                &["macd", "signal", "hist"],
            ),
            "macdfix" => (
                Self::MacdFix(MacdFix::new(p.int("signalperiod", 9)?)?),
                &["macd", "signal", "hist"],
            ),
            "t3" => {
                let n = p.int("timeperiod", 5)?;
                (Self::T3(T3::new(n, p.real("vfactor", 0.7))?), ONE)
            }
            "sar" => {
                let a = p.real("acceleration", 0.02);
                let m = p.real("maximum", 0.2);
                (Self::Sar(ParabolicSar::new(a, m)?), ONE)
            }
            "ultosc" => {
                let a = p.int("timeperiod1", 7)?;
                let b = p.int("timeperiod2", 14)?;
                let c = p.int("timeperiod3", 28)?;
                (Self::Ultosc(UltimateOscillator::new(a, b, c)?), ONE)
            }
            "mfi" => (
                Self::Mfi(MoneyFlowIndex::new(p.int("timeperiod", 14)?)?),
                ONE,
            ),
            "mom" => (Self::Mom(Momentum::new(p.int("timeperiod", 10)?)?), ONE),
            "roc" => (Self::Roc(RateOfChange::new(p.int("timeperiod", 10)?)?), ONE),
            "rocp" => (
                Self::Rocp(RateOfChangePercentage::new(p.int("timeperiod", 10)?)?),
                ONE,
            ),
            "rocr" => (
                Self::Rocr(RateOfChangeRatio::new(p.int("timeperiod", 10)?)?),
                ONE,
            ),
            "willr" => (Self::Willr(WilliamsR::new(p.int("timeperiod", 14)?)?), ONE),
            "plus_dm" => (dmi(DmiKind::PlusDm, &mut p)?, ONE),
            "minus_dm" => (dmi(DmiKind::MinusDm, &mut p)?, ONE),
            "plus_di" => (dmi(DmiKind::PlusDi, &mut p)?, ONE),
            "minus_di" => (dmi(DmiKind::MinusDi, &mut p)?, ONE),
            "dx" => (dmi(DmiKind::Dx, &mut p)?, ONE),
            "adx" => (dmi(DmiKind::Adx, &mut p)?, ONE),
            "adxr" => (dmi(DmiKind::Adxr, &mut p)?, ONE),
            "apo" => (osc(false, &mut p)?, ONE),
            "ppo" => (osc(true, &mut p)?, ONE),
            "aroon" => (
                Self::Aroon(Aroon::new(p.int("timeperiod", 14)?)?),
                &["aroondown", "aroonup"],
            ),
            "aroonosc" => (
                Self::AroonOsc(AroonOscillator::new(p.int("timeperiod", 14)?)?),
                ONE,
            ),
            "bop" => (Self::Bop(BalanceOfPower::new()), ONE),
            "cci" => (
                Self::Cci(CommodityChannelIndex::new(p.int("timeperiod", 14)?)?),
                ONE,
            ),
            "cmo" => (
                Self::Cmo(ChandeMomentumOscillator::new(p.int("timeperiod", 14)?)?),
                ONE,
            ),
            "stoch" => {
                let k = p.code("fastk_period", 5)?;
                let sk = p.code("slowk_period", 3)?;
                let skm = p.code("slowk_matype", 0)?;
                let sd = p.code("slowd_period", 3)?;
                let sdm = p.code("slowd_matype", 0)?;
                let params = StochParams::check(k, sk, skm, sd, sdm)?;
                (Self::Stoch(Stochastic::new(params)), &["slowk", "slowd"])
            }
            "stochf" => (Self::StochF(StochasticFast::new(p.stochf("stochf")?)), FAST),
            "stochrsi" => {
                let n = p.int("timeperiod", 14)?;
                let params = p.stochf("stochrsi")?;
                (Self::StochRsi(StochasticRsi::new(n, params)?), FAST)
            }
            "atr" => (
                Self::Atr(AverageTrueRange::new(p.int("timeperiod", 14)?)?),
                ONE,
            ),
            "natr" => (
                Self::Natr(NormalizedAverageTrueRange::new(p.int("timeperiod", 14)?)?),
                ONE,
            ),
            "trange" => (Self::Trange(TrueRange::new()), ONE),
            "var" => (Self::Var(Variance::new(p.int("timeperiod", 5)?)?), ONE),
            "stddev" => {
                let n = p.int("timeperiod", 5)?;
                let k = p.real("nbdev", 1.0);
                (Self::Stddev(StandardDeviation::new(n, k)?), ONE)
            }
            "linearreg" => (lr(Output::Value, &mut p)?, ONE),
            "linearreg_slope" => (lr(Output::Slope, &mut p)?, ONE),
            "linearreg_intercept" => (lr(Output::Intercept, &mut p)?, ONE),
            "linearreg_angle" => (lr(Output::Angle, &mut p)?, ONE),
            "tsf" => (lr(Output::Forecast, &mut p)?, ONE),
            "correl" => {
                let inner = Correlation::new(p.int("timeperiod", 30)?)?;
                let (x, y) = (p.column("real0")?, p.column("real1")?);
                (Self::Correl(Columns { inner, x, y }), ONE)
            }
            "beta" => {
                let inner = Beta::new(p.int("timeperiod", 5)?)?;
                let (x, y) = (p.column("real0")?, p.column("real1")?);
                (Self::Beta(Columns { inner, x, y }), ONE)
            }
            "ad" => (Self::Ad(AccumulationDistribution::new()), ONE),
            "adosc" => {
                let f = p.int("fastperiod", 3)?;
                let s = p.int("slowperiod", 10)?;
                (Self::Adosc(ChaikinOscillator::new(f, s)?), ONE)
            }
            "obv" => (Self::Obv(OnBalanceVolume::new()), ONE),
            "avgprice" => (Self::Price(PriceKind::Avg), ONE),
            "medprice" => (Self::Price(PriceKind::Med), ONE),
            "typprice" => (Self::Price(PriceKind::Typ), ONE),
            "wclprice" => (Self::Price(PriceKind::Wcl), ONE),
            "cmf" => (
                Self::Cmf(ChaikinMoneyFlow::new(p.int("timeperiod", 20)?)?),
                ONE,
            ),
            "donchian" => (
                Self::Donchian(DonchianChannels::new(p.int("timeperiod", 20)?)?),
                BANDS,
            ),
            "hma" => (
                Self::Hma(HullMovingAverage::new(p.int("timeperiod", 9)?)?),
                ONE,
            ),
            "zlema" => (
                Self::Zlema(ZeroLagExponentialMovingAverage::new(
                    p.int("timeperiod", 20)?,
                )?),
                ONE,
            ),
            "keltner" => {
                let n = p.int("timeperiod", 20)?;
                let a = p.int("atrperiod", 10)?;
                let m = p.real("multiplier", 2.0);
                let typical = p.real("typical", 1.0) != 0.0;
                (
                    Self::Keltner(KeltnerChannels::new(n, a, m, typical)?),
                    BANDS,
                )
            }
            "supertrend" => {
                let n = p.int("timeperiod", 10)?;
                let m = p.real("multiplier", 3.0);
                (
                    Self::Supertrend(Supertrend::new(n, m)?),
                    &["supertrend", "direction"],
                )
            }
            "vwap" => {
                let session = p.int("session_ms", vwap::DAY_MS as usize)? as i64;
                (Self::Vwap(Vwap::new(session)?), ONE)
            }
            "ichimoku" => {
                let t = p.int("tenkan", 9)?;
                let k = p.int("kijun", 26)?;
                let s = p.int("senkou", 52)?;
                let d = p.int("displacement", 26)?;
                (
                    Self::Ichimoku(Box::new(Ichimoku::new(t, k, s, d)?)),
                    &["tenkan", "kijun", "senkou_a", "senkou_b", "chikou"],
                )
            }
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

    /// Feed one candle (`[open, high, low, close, volume]`, opened at `ts` epoch milliseconds
    /// when known) and write the outputs into `out`.
    #[inline]
    fn update(&mut self, candle: &[f64; 5], ts: Option<i64>, out: &mut [f64]) {
        let [o, h, l, c, v] = *candle;
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
            Self::Bbands(s) => return write(out, <[f64; 3]>::from(s.update(c))),
            Self::Macd(s) => return write(out, <[f64; 3]>::from(s.update(c))),
            Self::MacdExt(s) => return write(out, <[f64; 3]>::from(s.update(c))),
            Self::MacdFix(s) => return write(out, <[f64; 3]>::from(s.update(c))),
            Self::T3(s) => s.update(c),
            Self::Sar(s) => s.update(h, l),
            Self::Ultosc(s) => s.update(h, l, c),
            Self::Mfi(s) => s.update(h, l, c, v),
            Self::Rsi(s) => s.update(c),
            Self::Mom(s) => s.update(c),
            Self::Roc(s) => s.update(c),
            Self::Rocp(s) => s.update(c),
            Self::Rocr(s) => s.update(c),
            Self::Willr(s) => s.update(h, l, c),
            // PLUS_DM and MINUS_DM take no close; TA-Lib's wrapper checks only high and low
            // for leading NaNs, so the low stands in for the close (as in the binding).
            Self::Dmi(s) => match s.kind() {
                DmiKind::PlusDm | DmiKind::MinusDm => s.update(h, l, l),
                _ => s.update(h, l, c),
            },
            Self::PriceOsc(s) => s.update(c),
            Self::Aroon(s) => return write(out, <[f64; 2]>::from(s.update(h, l))),
            Self::AroonOsc(s) => s.update(h, l),
            Self::Bop(s) => s.update(o, h, l, c),
            Self::Cci(s) => s.update(h, l, c),
            Self::Cmo(s) => s.update(c),
            Self::Stoch(s) => return write(out, <[f64; 2]>::from(s.update(h, l, c))),
            Self::StochF(s) => return write(out, <[f64; 2]>::from(s.update(h, l, c))),
            Self::StochRsi(s) => return write(out, <[f64; 2]>::from(s.update(c))),
            Self::Atr(s) => s.update(h, l, c),
            Self::Natr(s) => s.update(h, l, c),
            Self::Trange(s) => s.update(h, l, c),
            Self::Var(s) => s.update(c),
            Self::Stddev(s) => s.update(c),
            Self::LinReg(s) => s.update(c),
            Self::Correl(s) => s.inner.update(candle[s.x], candle[s.y]),
            Self::Beta(s) => s.inner.update(candle[s.x], candle[s.y]),
            Self::Ad(s) => s.update(h, l, c, v),
            Self::Adosc(s) => s.update(h, l, c, v),
            Self::Obv(s) => s.update(c, v),
            Self::Price(k) => match k {
                PriceKind::Avg => price::avgprice_one(o, h, l, c),
                PriceKind::Med => price::medprice_one(h, l),
                PriceKind::Typ => price::typprice_one(h, l, c),
                PriceKind::Wcl => price::wclprice_one(h, l, c),
            },
            Self::Cmf(s) => s.update(h, l, c, v),
            Self::Donchian(s) => return write(out, <[f64; 3]>::from(s.update(h, l))),
            Self::Hma(s) => s.update(c),
            Self::Zlema(s) => s.update(c),
            Self::Keltner(s) => return write(out, <[f64; 3]>::from(s.update(h, l, c))),
            Self::Supertrend(s) => return write(out, <[f64; 2]>::from(s.update(h, l, c))),
            Self::Ichimoku(s) => return write(out, s.update(h, l, c)),
            // Without a time the session is unknown: no value, and the stream is left as is.
            Self::Vwap(s) => ts.map_or(f64::NAN, |t| s.update(h, l, c, v, t)),
        };
        out[0] = one;
    }
}

#[inline(always)]
fn write<const K: usize>(out: &mut [f64], values: [f64; K]) {
    out[..K].copy_from_slice(&values);
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
        if outputs.len() == 1 {
            self.labels.push(tag);
        } else {
            self.labels
                .extend(outputs.iter().map(|p| format!("{tag}.{p}")));
        }
        self.members.push((member, at, outputs.len()));
        self.width += outputs.len();
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
    /// A VWAP member needs the candle's time: it writes NaN here (see [`Bank::update_at`]).
    #[inline]
    pub fn update(&mut self, o: f64, h: f64, l: f64, c: f64, v: f64, out: &mut [f64]) {
        self.update_with(&[o, h, l, c, v], None, out);
    }

    /// [`Bank::update`] for a candle opened at `ts` (epoch milliseconds), which VWAP members
    /// use to find their session.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn update_at(&mut self, o: f64, h: f64, l: f64, c: f64, v: f64, ts: i64, out: &mut [f64]) {
        self.update_with(&[o, h, l, c, v], Some(ts), out);
    }

    #[inline(always)]
    fn update_with(&mut self, candle: &[f64; 5], ts: Option<i64>, out: &mut [f64]) {
        for (member, at, k) in &mut self.members {
            member.update(candle, ts, &mut out[*at..*at + *k]);
        }
    }

    /// Whether a member (VWAP) needs each candle's time, i.e. [`Bank::update_at`].
    pub fn needs_time(&self) -> bool {
        self.members
            .iter()
            .any(|(m, _, _)| matches!(m, Member::Vwap(_)))
    }

    pub fn reset(&mut self) {
        for (member, _, _) in &mut self.members {
            member.reset();
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

    /// Every name, alone in a bank with its defaults, equals the batch function of the same
    /// name (which the indicators' own tests tie to their streams).
    #[test]
    fn every_name_equals_its_batch_function() {
        let (o, h, l, c) = ohlc(500, 9);
        let v: Vec<f64> = o.iter().map(|x| (x * 37.0) % 11.0).collect();
        for &name in NAMES {
            let pair: &[(&str, f64)] = &[("real0", 3.0), ("real1", 1.0)];
            let params = if matches!(name, "correl" | "beta") {
                pair
            } else {
                &[]
            };
            let mut bank = Bank::new();
            bank.add(name, params).unwrap();
            let batch_params = if params.is_empty() { params } else { &[] };
            let ind = crate::multi::resolve(name, batch_params).unwrap();
            let column = |k: &str| -> &[f64] {
                match k {
                    "open" => &o,
                    "high" | "real1" => &h,
                    "low" => &l,
                    "volume" => &v,
                    _ => &c,
                }
            };
            let ts: Vec<f64> = (0..c.len()).map(|i| (i as f64) * 3_600_000.0).collect();
            let column = |k: &str| -> &[f64] {
                if k == "ts" {
                    &ts
                } else {
                    column(k)
                }
            };
            let ins: Vec<&[f64]> = ind.inputs().iter().map(|k| column(k)).collect();
            let mut want = vec![vec![0.0; c.len()]; ind.outputs().len()];
            let mut w: Vec<&mut [f64]> = want.iter_mut().map(|x| x.as_mut_slice()).collect();
            ind.run(&ins, &mut w).unwrap();
            assert_eq!(bank.width(), want.len(), "{name}");
            let mut got = vec![vec![0.0; c.len()]; bank.width()];
            let mut out = vec![0.0; bank.width()];
            for i in 0..c.len() {
                bank.update_at(o[i], h[i], l[i], c[i], v[i], ts[i] as i64, &mut out);
                for (g, x) in got.iter_mut().zip(&out) {
                    g[i] = *x;
                }
            }
            if name == "ichimoku" {
                // The stream's chikou is the lagging line's newest point: the batch's value
                // `displacement` (26) candles earlier.
                let chikou = got.pop().unwrap();
                let lagging = want.pop().unwrap();
                assert_same(&lagging[..c.len() - 26], &chikou[26..]);
            }
            for (k, (a, b)) in want.iter().zip(&got).enumerate() {
                assert!(
                    a.iter()
                        .zip(b)
                        .all(|(x, y)| x == y || (x.is_nan() && y.is_nan())),
                    "{name} output {k}"
                );
            }
        }
    }

    #[test]
    fn vwap_needs_the_time() {
        let mut bank = Bank::new();
        bank.add("sma", &[("timeperiod", 2.0)]).unwrap();
        assert!(!bank.needs_time());
        bank.add("vwap", &[]).unwrap();
        assert!(bank.needs_time());
        let mut out = [0.0; 2];
        bank.update(1.0, 2.0, 0.5, 1.5, 10.0, &mut out);
        assert!(out[1].is_nan());
        bank.update_at(1.0, 2.0, 0.5, 1.5, 10.0, 0, &mut out);
        assert_eq!(out, [1.5, (2.0 + 0.5 + 1.5) / 3.0]);
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
        let err = bank.add("beta", &[]).unwrap_err().to_string();
        assert_eq!(
            err,
            "bank: real0 must be a candle column: 0 open, 1 high, 2 low, 3 close, 4 volume, got \
             nothing (for beta)"
        );
        let err = bank
            .add("correl", &[("real0", 3.0), ("real1", 5.0)])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("bank: real1 must be a candle column"),
            "{err}"
        );
        assert!(err.ends_with("got 5 (for correl)"), "{err}");
        assert_eq!(bank.width(), 0);
    }
}
