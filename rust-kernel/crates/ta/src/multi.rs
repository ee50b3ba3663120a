//! One indicator over many symbols, spread over cores.
//!
//! Why: a screener or a portfolio backtest computes the same indicator for hundreds of symbols.
//! Calling the batch function once per symbol from Python pays the interpreter and the boundary per
//! symbol and uses one core; here the indicator is resolved once (name and parameters validated up
//! front), then every symbol runs the very same batch function on its own slices in a rayon pool,
//! so each symbol's result equals the single-symbol call's bit for bit.
//!
//! Symbols are independent jobs: a job owns its input slices and its output slices, so no two
//! threads ever touch the same memory and no locking is needed.

use rayon::prelude::*;

use crate::error::{KernelError, Result};
use crate::momentum::{self, apo, ChangeKind, DmiKind, MacdExtParams, StochFParams, StochParams};
use crate::statistics::linearreg::{self, Output};
use crate::{extra, overlap, price, statistics, volatility, volume};

const NAME: &str = "multi";

type Runner = Box<dyn Fn(&[&[f64]], &mut [&mut [f64]]) -> Result<()> + Send + Sync>;

/// An indicator resolved from its name and parameters, ready to run on any number of symbols.
pub struct Indicator {
    name: &'static str,
    inputs: &'static [&'static str],
    outputs: &'static [&'static str],
    run: Runner,
}

impl std::fmt::Debug for Indicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indicator")
            .field("name", &self.name)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .finish()
    }
}

/// The inputs and output buffers of one symbol, in the indicator's input and output order.
pub struct Job<'a> {
    pub inputs: Vec<&'a [f64]>,
    pub outputs: Vec<&'a mut [f64]>,
}

/// Parameters given by the caller, looked up by name with TA-Lib's defaults; every given one must
/// be used, so a misspelt name is an error instead of a silent default.
struct Params<'a> {
    indicator: &'a str,
    given: &'a [(&'a str, f64)],
    used: Vec<bool>,
}

impl Params<'_> {
    fn real(&mut self, name: &'static str, default: f64) -> f64 {
        match self.given.iter().position(|(k, _)| *k == name) {
            Some(i) => {
                self.used[i] = true;
                self.given[i].1
            }
            None => default,
        }
    }

    /// An integer parameter; a fractional or negative value is refused here, the range by the
    /// indicator's own check.
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

    /// A TA-Lib `matype` or period as the `i64` the indicators' own checks take.
    fn code(&mut self, name: &'static str, default: usize) -> Result<i64> {
        Ok(self.int(name, default)? as i64)
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

const REAL: &[&str] = &["real"];
const HL: &[&str] = &["high", "low"];
const HLC: &[&str] = &["high", "low", "close"];
const HLCV: &[&str] = &["high", "low", "close", "volume"];
const OHLC: &[&str] = &["open", "high", "low", "close"];
const ONE: &[&str] = &["real"];

/// The indicator names `resolve` accepts: the whole catalogue.
pub const NAMES: &[&str] = crate::catalogue::INDICATORS;

fn one(f: fn(&[f64], usize, &mut [f64]) -> Result<()>, period: usize) -> Runner {
    Box::new(move |i, o| f(i[0], period, o[0]))
}

/// Resolve `name` with `(parameter, value)` pairs (missing parameters take the defaults of the
/// single-symbol function). Parameters are validated here, once, by running the indicator on an
/// empty input.
pub fn resolve(name: &str, given: &[(&str, f64)]) -> Result<Indicator> {
    let mut p = Params {
        indicator: name,
        given,
        used: vec![false; given.len()],
    };
    let lr = |o: Output, p: &mut Params| -> Result<Runner> {
        let n = p.int("timeperiod", 14)?;
        Ok(Box::new(move |i, out| {
            linearreg::linreg(o, i[0], n, out[0])
        }))
    };
    let change = |k: ChangeKind, p: &mut Params| -> Result<Runner> {
        let n = p.int("timeperiod", 10)?;
        Ok(Box::new(move |i, out| momentum::change(k, i[0], n, out[0])))
    };
    let dmi = |k: DmiKind, p: &mut Params| -> Result<Runner> {
        let n = p.int("timeperiod", 14)?;
        Ok(match k {
            // No close: the low stands in for it, as in the binding.
            DmiKind::PlusDm | DmiKind::MinusDm => {
                Box::new(move |i, o| momentum::dmi(k, i[0], i[1], i[1], n, o[0]))
            }
            _ => Box::new(move |i, o| momentum::dmi(k, i[0], i[1], i[2], n, o[0])),
        })
    };
    let osc = |percent: bool, p: &mut Params| -> Result<Runner> {
        let label = if percent { "ppo" } else { "apo" };
        let f = p.code("fastperiod", 12)?;
        let s = p.code("slowperiod", 26)?;
        let ma = p.code("matype", 0)?;
        let (f, s, ma) = apo::check(label, f, s, ma)?;
        Ok(Box::new(move |i, o| {
            momentum::price_oscillator(percent, i[0], f, s, ma, o[0])
        }))
    };
    let (name, inputs, outputs, run): (&'static str, _, &'static [&'static str], Runner) =
        match name {
            "sma" => (
                "sma",
                REAL,
                ONE,
                one(overlap::sma, p.int("timeperiod", 30)?),
            ),
            "ema" => (
                "ema",
                REAL,
                ONE,
                one(overlap::ema, p.int("timeperiod", 30)?),
            ),
            "wma" => (
                "wma",
                REAL,
                ONE,
                one(overlap::wma, p.int("timeperiod", 30)?),
            ),
            "dema" => (
                "dema",
                REAL,
                ONE,
                one(overlap::dema, p.int("timeperiod", 30)?),
            ),
            "tema" => (
                "tema",
                REAL,
                ONE,
                one(overlap::tema, p.int("timeperiod", 30)?),
            ),
            "trima" => (
                "trima",
                REAL,
                ONE,
                one(overlap::trima, p.int("timeperiod", 30)?),
            ),
            "kama" => (
                "kama",
                REAL,
                ONE,
                one(overlap::kama, p.int("timeperiod", 30)?),
            ),
            "trix" => (
                "trix",
                REAL,
                ONE,
                one(overlap::trix, p.int("timeperiod", 30)?),
            ),
            "midpoint" => (
                "midpoint",
                REAL,
                ONE,
                one(overlap::midpoint, p.int("timeperiod", 14)?),
            ),
            "midprice" => {
                let n = p.int("timeperiod", 14)?;
                let run: Runner = Box::new(move |i, o| overlap::midprice(i[0], i[1], n, o[0]));
                ("midprice", HL, ONE, run)
            }
            "t3" => {
                let n = p.int("timeperiod", 5)?;
                let v = p.real("vfactor", 0.7);
                let run: Runner = Box::new(move |i, o| overlap::t3(i[0], n, v, o[0]));
                ("t3", REAL, ONE, run)
            }
            "sar" => {
                let a = p.real("acceleration", 0.02);
                let m = p.real("maximum", 0.2);
                let run: Runner = Box::new(move |i, o| overlap::sar(i[0], i[1], a, m, o[0]));
                ("sar", HL, ONE, run)
            }
            "bbands" => {
                let n = p.int("timeperiod", 20)?;
                let (up, dn) = (p.real("nbdevup", 2.0), p.real("nbdevdn", 2.0));
                let matype = p.int("matype", 0)?;
                if matype != 0 {
                    return Err(KernelError::InvalidParameter {
                        indicator: NAME,
                        name: "matype",
                        value: format!("{matype} (for bbands)"),
                        expected: "must be 0 (SMA)".into(),
                    });
                }
                let run: Runner = Box::new(move |i, o| {
                    let [a, b, c] = o else { unreachable!() };
                    overlap::bbands(i[0], n, up, dn, a, b, c)
                });
                ("bbands", REAL, &["upper", "middle", "lower"], run)
            }
            "rsi" => (
                "rsi",
                REAL,
                ONE,
                one(momentum::rsi, p.int("timeperiod", 14)?),
            ),
            "macd" => {
                let f = p.int("fastperiod", 12)?;
                let s = p.int("slowperiod", 26)?;
                let g = p.int("signalperiod", 9)?;
                let run: Runner = Box::new(move |i, o| {
                    let [a, b, c] = o else { unreachable!() };
                    momentum::macd(i[0], f, s, g, a, b, c)
                });
                ("macd", REAL, &["macd", "signal", "hist"], run)
            }
            "macdext" => {
                let params = p.macdext()?;
                let run: Runner = Box::new(move |i, o| {
                    let [a, b, c] = o else { unreachable!() };
                    momentum::macdext(i[0], params, a, b, c)
                });
                ("macdext", REAL, &["macd", "signal", "hist"], run)
            }
            "macdfix" => {
                let g = p.int("signalperiod", 9)?;
                let run: Runner = Box::new(move |i, o| {
                    let [a, b, c] = o else { unreachable!() };
                    momentum::macdfix(i[0], g, a, b, c)
                });
                ("macdfix", REAL, &["macd", "signal", "hist"], run)
            }
            "mfi" => {
                let n = p.int("timeperiod", 14)?;
                let run: Runner =
                    Box::new(move |i, o| momentum::mfi(i[0], i[1], i[2], i[3], n, o[0]));
                ("mfi", HLCV, ONE, run)
            }
            "ultosc" => {
                let a = p.int("timeperiod1", 7)?;
                let b = p.int("timeperiod2", 14)?;
                let c = p.int("timeperiod3", 28)?;
                let run: Runner =
                    Box::new(move |i, o| momentum::ultosc(i[0], i[1], i[2], a, b, c, o[0]));
                ("ultosc", HLC, ONE, run)
            }
            "mom" => ("mom", REAL, ONE, change(ChangeKind::Mom, &mut p)?),
            "roc" => ("roc", REAL, ONE, change(ChangeKind::Roc, &mut p)?),
            "rocp" => ("rocp", REAL, ONE, change(ChangeKind::Rocp, &mut p)?),
            "rocr" => ("rocr", REAL, ONE, change(ChangeKind::Rocr, &mut p)?),
            "willr" => {
                let n = p.int("timeperiod", 14)?;
                let run: Runner = Box::new(move |i, o| momentum::willr(i[0], i[1], i[2], n, o[0]));
                ("willr", HLC, ONE, run)
            }
            "plus_dm" => ("plus_dm", HL, ONE, dmi(DmiKind::PlusDm, &mut p)?),
            "minus_dm" => ("minus_dm", HL, ONE, dmi(DmiKind::MinusDm, &mut p)?),
            "plus_di" => ("plus_di", HLC, ONE, dmi(DmiKind::PlusDi, &mut p)?),
            "minus_di" => ("minus_di", HLC, ONE, dmi(DmiKind::MinusDi, &mut p)?),
            "dx" => ("dx", HLC, ONE, dmi(DmiKind::Dx, &mut p)?),
            "adx" => ("adx", HLC, ONE, dmi(DmiKind::Adx, &mut p)?),
            "adxr" => ("adxr", HLC, ONE, dmi(DmiKind::Adxr, &mut p)?),
            "apo" => ("apo", REAL, ONE, osc(false, &mut p)?),
            "ppo" => ("ppo", REAL, ONE, osc(true, &mut p)?),
            "aroon" => {
                let n = p.int("timeperiod", 14)?;
                let run: Runner = Box::new(move |i, o| {
                    let [a, b] = o else { unreachable!() };
                    momentum::aroon(i[0], i[1], n, a, b)
                });
                ("aroon", HL, &["aroondown", "aroonup"], run)
            }
            "aroonosc" => {
                let n = p.int("timeperiod", 14)?;
                let run: Runner = Box::new(move |i, o| momentum::aroonosc(i[0], i[1], n, o[0]));
                ("aroonosc", HL, ONE, run)
            }
            "bop" => {
                let run: Runner = Box::new(|i, o| momentum::bop(i[0], i[1], i[2], i[3], o[0]));
                ("bop", OHLC, ONE, run)
            }
            "cci" => {
                let n = p.int("timeperiod", 14)?;
                let run: Runner = Box::new(move |i, o| momentum::cci(i[0], i[1], i[2], n, o[0]));
                ("cci", HLC, ONE, run)
            }
            "cmo" => (
                "cmo",
                REAL,
                ONE,
                one(momentum::cmo, p.int("timeperiod", 14)?),
            ),
            "stoch" => {
                let k = p.code("fastk_period", 5)?;
                let sk = p.code("slowk_period", 3)?;
                let skm = p.code("slowk_matype", 0)?;
                let sd = p.code("slowd_period", 3)?;
                let sdm = p.code("slowd_matype", 0)?;
                let params = StochParams::check(k, sk, skm, sd, sdm)?;
                let run: Runner = Box::new(move |i, o| {
                    let [a, b] = o else { unreachable!() };
                    momentum::stoch(i[0], i[1], i[2], params, a, b)
                });
                ("stoch", HLC, &["slowk", "slowd"], run)
            }
            "stochf" => {
                let params = p.stochf("stochf")?;
                let run: Runner = Box::new(move |i, o| {
                    let [a, b] = o else { unreachable!() };
                    momentum::stochf(i[0], i[1], i[2], params, a, b)
                });
                ("stochf", HLC, &["fastk", "fastd"], run)
            }
            "stochrsi" => {
                let n = p.int("timeperiod", 14)?;
                let params = p.stochf("stochrsi")?;
                let run: Runner = Box::new(move |i, o| {
                    let [a, b] = o else { unreachable!() };
                    momentum::stochrsi(i[0], n, params, a, b)
                });
                ("stochrsi", REAL, &["fastk", "fastd"], run)
            }
            "atr" => {
                let n = p.int("timeperiod", 14)?;
                let run: Runner = Box::new(move |i, o| volatility::atr(i[0], i[1], i[2], n, o[0]));
                ("atr", HLC, ONE, run)
            }
            "natr" => {
                let n = p.int("timeperiod", 14)?;
                let run: Runner = Box::new(move |i, o| volatility::natr(i[0], i[1], i[2], n, o[0]));
                ("natr", HLC, ONE, run)
            }
            "trange" => {
                let run: Runner = Box::new(|i, o| volatility::trange(i[0], i[1], i[2], o[0]));
                ("trange", HLC, ONE, run)
            }
            "var" => (
                "var",
                REAL,
                ONE,
                one(statistics::var, p.int("timeperiod", 5)?),
            ),
            "correl" => {
                let n = p.int("timeperiod", 30)?;
                let run: Runner = Box::new(move |i, o| statistics::correl(i[0], i[1], n, o[0]));
                ("correl", &["real0", "real1"], ONE, run)
            }
            "beta" => {
                let n = p.int("timeperiod", 5)?;
                let run: Runner = Box::new(move |i, o| statistics::beta(i[0], i[1], n, o[0]));
                ("beta", &["real0", "real1"], ONE, run)
            }
            "stddev" => {
                let n = p.int("timeperiod", 5)?;
                let k = p.real("nbdev", 1.0);
                let run: Runner = Box::new(move |i, o| statistics::stddev(i[0], n, k, o[0]));
                ("stddev", REAL, ONE, run)
            }
            "linearreg" => ("linearreg", REAL, ONE, lr(Output::Value, &mut p)?),
            "linearreg_slope" => ("linearreg_slope", REAL, ONE, lr(Output::Slope, &mut p)?),
            "linearreg_intercept" => (
                "linearreg_intercept",
                REAL,
                ONE,
                lr(Output::Intercept, &mut p)?,
            ),
            "linearreg_angle" => ("linearreg_angle", REAL, ONE, lr(Output::Angle, &mut p)?),
            "tsf" => ("tsf", REAL, ONE, lr(Output::Forecast, &mut p)?),
            "ad" => {
                let run: Runner = Box::new(|i, o| volume::ad(i[0], i[1], i[2], i[3], o[0]));
                ("ad", HLCV, ONE, run)
            }
            "adosc" => {
                let f = p.int("fastperiod", 3)?;
                let s = p.int("slowperiod", 10)?;
                let run: Runner =
                    Box::new(move |i, o| volume::adosc(i[0], i[1], i[2], i[3], f, s, o[0]));
                ("adosc", HLCV, ONE, run)
            }
            "obv" => {
                let run: Runner = Box::new(|i, o| volume::obv(i[0], i[1], o[0]));
                ("obv", &["real", "volume"], ONE, run)
            }
            "avgprice" => {
                let run: Runner = Box::new(|i, o| price::avgprice(i[0], i[1], i[2], i[3], o[0]));
                ("avgprice", OHLC, ONE, run)
            }
            "medprice" => {
                let run: Runner = Box::new(|i, o| price::medprice(i[0], i[1], o[0]));
                ("medprice", HL, ONE, run)
            }
            "typprice" => {
                let run: Runner = Box::new(|i, o| price::typprice(i[0], i[1], i[2], o[0]));
                ("typprice", HLC, ONE, run)
            }
            "wclprice" => {
                let run: Runner = Box::new(|i, o| price::wclprice(i[0], i[1], i[2], o[0]));
                ("wclprice", HLC, ONE, run)
            }
            "vwap" => {
                let session = p.int("session_ms", extra::vwap::DAY_MS as usize)? as i64;
                let run: Runner = Box::new(move |i, o| {
                    // Epoch milliseconds are integers below 2^53, exact in a float64.
                    let ts: Vec<i64> = i[4].iter().map(|&t| t as i64).collect();
                    extra::vwap(i[0], i[1], i[2], i[3], &ts, session, o[0])
                });
                ("vwap", &["high", "low", "close", "volume", "ts"], ONE, run)
            }
            "keltner" => {
                let n = p.int("timeperiod", 20)?;
                let a = p.int("atrperiod", 10)?;
                let m = p.real("multiplier", 2.0);
                let typical = p.real("typical", 1.0) != 0.0;
                let run: Runner = Box::new(move |i, o| {
                    let [u, c, l] = o else { unreachable!() };
                    extra::keltner(i[0], i[1], i[2], n, a, m, typical, u, c, l)
                });
                ("keltner", HLC, &["upper", "middle", "lower"], run)
            }
            "donchian" => {
                let n = p.int("timeperiod", 20)?;
                let run: Runner = Box::new(move |i, o| {
                    let [u, c, l] = o else { unreachable!() };
                    extra::donchian(i[0], i[1], n, u, c, l)
                });
                ("donchian", HL, &["upper", "middle", "lower"], run)
            }
            "supertrend" => {
                let n = p.int("timeperiod", 10)?;
                let m = p.real("multiplier", 3.0);
                let run: Runner = Box::new(move |i, o| {
                    let [a, b] = o else { unreachable!() };
                    extra::supertrend(i[0], i[1], i[2], n, m, a, b)
                });
                ("supertrend", HLC, &["supertrend", "direction"], run)
            }
            "ichimoku" => {
                let t = p.int("tenkan", 9)?;
                let k = p.int("kijun", 26)?;
                let s = p.int("senkou", 52)?;
                let d = p.int("displacement", 26)?;
                let run: Runner = Box::new(move |i, o| {
                    let [a, b, c, e, f] = o else { unreachable!() };
                    extra::ichimoku(i[0], i[1], i[2], t, k, s, d, [a, b, c, e, f])
                });
                let outs: &'static [&'static str] =
                    &["tenkan", "kijun", "senkou_a", "senkou_b", "chikou"];
                ("ichimoku", HLC, outs, run)
            }
            "cmf" => {
                let n = p.int("timeperiod", 20)?;
                let run: Runner = Box::new(move |i, o| {
                    extra::chaikin_money_flow(i[0], i[1], i[2], i[3], n, o[0])
                });
                ("cmf", HLCV, ONE, run)
            }
            "hma" => ("hma", REAL, ONE, one(extra::hma, p.int("timeperiod", 9)?)),
            "zlema" => (
                "zlema",
                REAL,
                ONE,
                one(extra::zlema, p.int("timeperiod", 20)?),
            ),
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
    let indicator = Indicator {
        name,
        inputs,
        outputs,
        run,
    };
    indicator.validate()?;
    Ok(indicator)
}

impl Indicator {
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Names of the inputs, in the order a job passes them (`real`, or `high`, `low`, ...).
    pub fn inputs(&self) -> &'static [&'static str] {
        self.inputs
    }

    /// Names of the outputs, in the order a job receives them.
    pub fn outputs(&self) -> &'static [&'static str] {
        self.outputs
    }

    /// Run on one symbol.
    pub fn run(&self, inputs: &[&[f64]], outputs: &mut [&mut [f64]]) -> Result<()> {
        if inputs.len() != self.inputs.len() || outputs.len() != self.outputs.len() {
            return Err(KernelError::InvalidParameter {
                indicator: self.name,
                name: "inputs",
                value: format!("{} inputs and {} outputs", inputs.len(), outputs.len()),
                expected: format!(
                    "must be {} inputs ({}) and {} outputs",
                    self.inputs.len(),
                    self.inputs.join(", "),
                    self.outputs.len()
                ),
            });
        }
        (self.run)(inputs, outputs)
    }

    /// Parameters are checked by the batch functions before they look at the data, so a run on
    /// empty inputs refuses exactly the parameters a real run would.
    fn validate(&self) -> Result<()> {
        let empty: Vec<&[f64]> = vec![&[]; self.inputs.len()];
        let mut bufs: Vec<Vec<f64>> = vec![Vec::new(); self.outputs.len()];
        let mut outs: Vec<&mut [f64]> = bufs.iter_mut().map(|b| b.as_mut_slice()).collect();
        self.run(&empty, &mut outs)
    }
}

/// Run `indicator` on every job, on `threads` threads (None: rayon's global pool, one thread per
/// core; 1: in the calling thread). An error names the index of the first failing symbol.
pub fn run(
    indicator: &Indicator,
    jobs: &mut [Job<'_>],
    threads: Option<usize>,
) -> std::result::Result<(), (usize, KernelError)> {
    let work = |jobs: &mut [Job<'_>]| -> std::result::Result<(), (usize, KernelError)> {
        jobs.par_iter_mut().enumerate().try_for_each(|(k, job)| {
            indicator
                .run(&job.inputs, &mut job.outputs)
                .map_err(|e| (k, e))
        })
    };
    match threads {
        Some(0) => Err((
            0,
            KernelError::InvalidParameter {
                indicator: NAME,
                name: "threads",
                value: "0".into(),
                expected: "must be >= 1".into(),
            },
        )),
        Some(1) => {
            for (k, job) in jobs.iter_mut().enumerate() {
                indicator
                    .run(&job.inputs, &mut job.outputs)
                    .map_err(|e| (k, e))?;
            }
            Ok(())
        }
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| {
                    (
                        0,
                        KernelError::InvalidParameter {
                            indicator: NAME,
                            name: "threads",
                            value: n.to_string(),
                            expected: format!("could not start a thread pool ({e})"),
                        },
                    )
                })?;
            pool.install(|| work(jobs))
        }
        None => work(jobs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_same, ohlc};

    #[test]
    fn every_name_resolves_with_defaults_and_equals_one_symbol_calls() {
        let symbols: Vec<_> = (0..5).map(|s| ohlc(300 + 17 * s, s as u64 + 3)).collect();
        for &name in NAMES {
            let ind = resolve(name, &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
            let columns = |s: &(Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>)| -> Vec<Vec<f64>> {
                let vol: Vec<f64> = s.0.iter().map(|v| (v * 37.0) % 11.0).collect();
                ind.inputs()
                    .iter()
                    .map(|k| match *k {
                        "open" => s.0.clone(),
                        "high" | "real0" => s.1.clone(),
                        "low" => s.2.clone(),
                        "volume" => vol.clone(),
                        _ => s.3.clone(),
                    })
                    .collect()
            };
            let data: Vec<Vec<Vec<f64>>> = symbols.iter().map(columns).collect();
            let mut outs: Vec<Vec<Vec<f64>>> = data
                .iter()
                .map(|d| vec![vec![0.0; d[0].len()]; ind.outputs().len()])
                .collect();
            let mut jobs: Vec<Job> = data
                .iter()
                .zip(outs.iter_mut())
                .map(|(d, o)| Job {
                    inputs: d.iter().map(|v| v.as_slice()).collect(),
                    outputs: o.iter_mut().map(|v| v.as_mut_slice()).collect(),
                })
                .collect();
            run(&ind, &mut jobs, Some(2)).unwrap();
            drop(jobs);
            for (d, o) in data.iter().zip(&outs) {
                let mut want = vec![vec![0.0; d[0].len()]; ind.outputs().len()];
                let ins: Vec<&[f64]> = d.iter().map(|v| v.as_slice()).collect();
                let mut w: Vec<&mut [f64]> = want.iter_mut().map(|v| v.as_mut_slice()).collect();
                ind.run(&ins, &mut w).unwrap();
                for (a, b) in want.iter().zip(o) {
                    assert_same(a, b);
                }
            }
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let err = resolve("smaa", &[]).unwrap_err().to_string();
        assert!(err.starts_with("multi: name must be one of ad, "), "{err}");
        let err = resolve("sma", &[("period", 3.0)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "multi: params must name a parameter of sma, got \"period\" (for sma)"
        );
        let err = resolve("sma", &[("timeperiod", 1.0)]).unwrap_err();
        assert_eq!(err.to_string(), "sma: timeperiod must be >= 2, got 1");
        let err = resolve("sma", &[("timeperiod", 2.5)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "multi: timeperiod must be a non-negative integer, got 2.5 (for sma)"
        );
        let ind = resolve("atr", &[]).unwrap();
        let (a, b) = (vec![1.0; 5], vec![1.0; 4]);
        let mut o1 = vec![0.0; 5];
        let mut o2 = vec![0.0; 5];
        let mut jobs = vec![
            Job {
                inputs: vec![&a, &a, &a],
                outputs: vec![&mut o1],
            },
            Job {
                inputs: vec![&a, &b, &a],
                outputs: vec![&mut o2],
            },
        ];
        let (k, err) = run(&ind, &mut jobs, Some(1)).unwrap_err();
        assert_eq!(k, 1);
        assert_eq!(
            err.to_string(),
            "atr: high and low must have the same length, got 5 and 4"
        );
    }
}
