//! Candlestick patterns (TA-Lib `CDL*`), identical to TA-Lib's outputs.
//!
//! - `settings.rs`: TA-Lib's candle settings (what "long", "short", "near" mean).
//! - `engine.rs`: the running averages and the driver shared by batch, scan and streaming.
//! - `single.rs`, `double.rs`, `triple.rs`, `multi.rs`: the rules, one family per file.
//!
//! Outputs are 0, or +/-100 (80 for the weaker engulfing/harami variants, 200 for a confirmed
//! hikkake), with TA-Lib's lookback (0 before the first complete pattern) and its handling of
//! leading NaNs (skipped, as `talib`'s Python wrapper does). Single patterns and the streaming
//! scanner give `i32` like TA-Lib; `scan`'s grid is `i16` (same values, half the memory).

use crate::error::{KernelError, Result};
use crate::params;

/// Declare a pattern: a unit struct implementing [`engine::Pattern`] from its TA-Lib name,
/// lookback, the `(setting, shift)` averages it reads, an optional default penetration and its
/// rule as a closure-like body over the [`engine::Ctx`] `c` and the penetration `p`.
macro_rules! pattern {
    (
        $(#[$doc:meta])*
        $ty:ident = $name:literal / $lower:literal, lookback $lb:literal,
        avgs [$(($set:ident, $k:literal)),* $(,)?],
        $(penetration $pen:literal,)?
        |$c:ident, $p:ident| $body:block
    ) => {
        $(#[$doc])*
        pub struct $ty;

        impl Pattern for $ty {
            const NAME: &'static str = $name;
            const LOWER: &'static str = $lower;
            const LOOKBACK: usize = $lb;
            const AVGS: &'static [(CandleSetting, usize)] = &[$(($set, $k)),*];
            $(const PENETRATION: Option<f64> = Some($pen);)?

            #[inline(always)]
            #[allow(unused_variables)]
            fn eval<A: Avgs>($c: &Ctx<'_, A>, _state: &mut State, $p: f64) -> i32 $body
        }
    };
}

pub mod double;
pub mod engine;
pub mod multi;
pub mod settings;
pub mod single;
pub mod triple;

pub use engine::{Engine, Pattern, PatternDef, BLOCK};

/// Every implemented pattern, sorted by TA-Lib name (the order of `scan`'s rows).
pub static PATTERNS: [PatternDef; 61] = [
    PatternDef::of::<triple::Cdl2Crows>(),
    PatternDef::of::<triple::Cdl3BlackCrows>(),
    PatternDef::of::<triple::Cdl3Inside>(),
    PatternDef::of::<multi::Cdl3LineStrike>(),
    PatternDef::of::<triple::Cdl3Outside>(),
    PatternDef::of::<triple::Cdl3StarsInSouth>(),
    PatternDef::of::<triple::Cdl3WhiteSoldiers>(),
    PatternDef::of::<triple::CdlAbandonedBaby>(),
    PatternDef::of::<triple::CdlAdvanceBlock>(),
    PatternDef::of::<single::CdlBeltHold>(),
    PatternDef::of::<multi::CdlBreakaway>(),
    PatternDef::of::<single::CdlClosingMarubozu>(),
    PatternDef::of::<multi::CdlConcealBabysWall>(),
    PatternDef::of::<double::CdlCounterAttack>(),
    PatternDef::of::<double::CdlDarkCloudCover>(),
    PatternDef::of::<single::CdlDoji>(),
    PatternDef::of::<double::CdlDojiStar>(),
    PatternDef::of::<single::CdlDragonflyDoji>(),
    PatternDef::of::<double::CdlEngulfing>(),
    PatternDef::of::<triple::CdlEveningDojiStar>(),
    PatternDef::of::<triple::CdlEveningStar>(),
    PatternDef::of::<triple::CdlGapSideSideWhite>(),
    PatternDef::of::<single::CdlGravestoneDoji>(),
    PatternDef::of::<single::CdlHammer>(),
    PatternDef::of::<single::CdlHangingMan>(),
    PatternDef::of::<double::CdlHarami>(),
    PatternDef::of::<double::CdlHaramiCross>(),
    PatternDef::of::<single::CdlHighWave>(),
    PatternDef::of::<multi::CdlHikkake>(),
    PatternDef::of::<multi::CdlHikkakeMod>(),
    PatternDef::of::<double::CdlHomingPigeon>(),
    PatternDef::of::<triple::CdlIdentical3Crows>(),
    PatternDef::of::<double::CdlInNeck>(),
    PatternDef::of::<single::CdlInvertedHammer>(),
    PatternDef::of::<double::CdlKicking>(),
    PatternDef::of::<double::CdlKickingByLength>(),
    PatternDef::of::<multi::CdlLadderBottom>(),
    PatternDef::of::<single::CdlLongLeggedDoji>(),
    PatternDef::of::<single::CdlLongLine>(),
    PatternDef::of::<single::CdlMarubozu>(),
    PatternDef::of::<double::CdlMatchingLow>(),
    PatternDef::of::<multi::CdlMatHold>(),
    PatternDef::of::<triple::CdlMorningDojiStar>(),
    PatternDef::of::<triple::CdlMorningStar>(),
    PatternDef::of::<double::CdlOnNeck>(),
    PatternDef::of::<double::CdlPiercing>(),
    PatternDef::of::<single::CdlRickshawMan>(),
    PatternDef::of::<multi::CdlRiseFall3Methods>(),
    PatternDef::of::<double::CdlSeparatingLines>(),
    PatternDef::of::<single::CdlShootingStar>(),
    PatternDef::of::<single::CdlShortLine>(),
    PatternDef::of::<single::CdlSpinningTop>(),
    PatternDef::of::<triple::CdlStalledPattern>(),
    PatternDef::of::<triple::CdlStickSandwich>(),
    PatternDef::of::<single::CdlTakuri>(),
    PatternDef::of::<triple::CdlTasukiGap>(),
    PatternDef::of::<double::CdlThrusting>(),
    PatternDef::of::<triple::CdlTristar>(),
    PatternDef::of::<triple::CdlUnique3River>(),
    PatternDef::of::<triple::CdlUpsideGap2Crows>(),
    PatternDef::of::<triple::CdlXSideGap3Methods>(),
];

/// The pattern called `name` (TA-Lib's `CDLENGULFING` or the lower-case `cdlengulfing`).
pub fn find(name: &str) -> Option<&'static PatternDef> {
    PATTERNS.iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

/// Validate a penetration as TA-Lib does (`[0, 1.797e308]`, NaN refused).
pub fn check_penetration(def: &PatternDef, value: f64) -> Result<f64> {
    params::real(def.lower, "penetration", value, 0.0, f64::MAX)
}

/// The penetration a pattern uses: `given` when it takes one, checked; otherwise its default
/// (0 for the patterns without one, where it is ignored).
pub fn penetration_of(def: &PatternDef, given: Option<f64>) -> Result<f64> {
    match (def.penetration, given) {
        (None, None) => Ok(0.0),
        (None, Some(_)) => Err(KernelError::InvalidParameter {
            indicator: def.lower,
            name: "penetration",
            value: format!("{given:?}"),
            expected: "is not a parameter of this pattern".into(),
        }),
        (Some(default), None) => Ok(default),
        (Some(_), Some(value)) => check_penetration(def, value),
    }
}

fn check_ohlc(
    name: &'static str,
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
) -> Result<()> {
    params::same_len(name, "open", open.len(), "high", high.len())?;
    params::same_len(name, "open", open.len(), "low", low.len())?;
    params::same_len(name, "open", open.len(), "close", close.len())
}

/// Check the candles and the length of a pattern-major `out` of `rows` rows (row `p` is
/// `out[p*n..(p+1)*n]`), zero every row's leading-NaN prefix, and return the candles from the
/// first valid one (`None` when there is nothing to compute).
fn prepare<'a, T: Copy + Default>(
    name: &'static str,
    rows: usize,
    open: &'a [f64],
    high: &'a [f64],
    low: &'a [f64],
    close: &'a [f64],
    out: &mut [T],
) -> Result<Option<(engine::Bars<'a>, usize)>> {
    check_ohlc(name, open, high, low, close)?;
    let n = open.len();
    if out.len() != n * rows {
        return Err(KernelError::LengthMismatch {
            indicator: name,
            left: "open",
            left_len: n * rows,
            right: "out",
            right_len: out.len(),
        });
    }
    if n == 0 || rows == 0 {
        return Ok(None);
    }
    let begin = params::first_valid_all(&[open, high, low, close]);
    for row in out.chunks_mut(n) {
        row[..begin].fill(T::default());
    }
    let bars = engine::Bars {
        open: &open[begin..],
        high: &high[begin..],
        low: &low[begin..],
        close: &close[begin..],
        base: 0,
    };
    Ok(Some((bars, begin)))
}

/// One pattern over whole series: `out[i]` is TA-Lib's output at candle `i`. `penetration`
/// is only accepted by the patterns that take one (`None`: TA-Lib's default). Every cell of
/// `out` is written, so callers may pass reused buffers. Runs the fused single-pattern loop.
pub fn pattern(
    def: &'static PatternDef,
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    penetration: Option<f64>,
    out: &mut [i32],
) -> Result<()> {
    let pen = penetration_of(def, penetration)?;
    if let Some((bars, begin)) = prepare(def.lower, 1, open, high, low, close, out)? {
        def.run_single(&bars, open.len() - begin, pen, &mut out[begin..]);
    }
    Ok(())
}

/// Every pattern of `defs` (default penetrations) in one pass over the candles, sharing the
/// running averages. `out` has `defs.len() * n` values, one row of `n` per pattern
/// (pattern-major), every cell written. The cells are `i16`, not the `i32` of [`pattern`]:
/// the values are the same (0, +/-80, +/-100, +/-200), and a grid of 61 patterns is large
/// enough that writing (and, when new, faulting in) half the memory is a good part of the
/// scan's time.
pub fn scan(
    defs: &[&'static PatternDef],
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    out: &mut [i16],
) -> Result<()> {
    let Some((bars, begin)) = prepare("scan", defs.len(), open, high, low, close, out)? else {
        return Ok(());
    };
    let with_pen: Vec<_> = defs
        .iter()
        .map(|d| (*d, d.penetration.unwrap_or(0.0)))
        .collect();
    let n = open.len();
    let mut engine = Engine::new(&with_pen, BLOCK);
    engine.run_all(&bars, n - begin, &mut out[begin..], n);
    Ok(())
}

/// Streaming scan: one candle per `update`, returning every pattern's output for that candle,
/// equal to the batch output at the same index.
pub struct PatternScanner {
    defs: Vec<&'static PatternDef>,
    engine: Engine,
    open: Vec<f64>,
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
    /// Index (since the first valid candle) of the first buffered candle.
    base: usize,
    /// Valid candles seen (leading candles holding a NaN are skipped, like the batch).
    count: usize,
    ready_at: usize,
    /// The engine's outputs for the last candle (its cells are `i16`, like `scan`'s grid).
    cells: Vec<i16>,
    last: Vec<i32>,
}

/// Candles kept for the rules (5) and the running sums (period 10 plus the shift).
const KEEP: usize = 32;

impl PatternScanner {
    pub fn new(defs: &[&'static PatternDef]) -> Self {
        let with_pen: Vec<_> = defs
            .iter()
            .map(|d| (*d, d.penetration.unwrap_or(0.0)))
            .collect();
        Self {
            defs: defs.to_vec(),
            engine: Engine::new(&with_pen, 1),
            open: Vec::with_capacity(2 * KEEP),
            high: Vec::with_capacity(2 * KEEP),
            low: Vec::with_capacity(2 * KEEP),
            close: Vec::with_capacity(2 * KEEP),
            base: 0,
            count: 0,
            ready_at: defs.iter().map(|d| d.lookback).max().unwrap_or(0),
            cells: vec![0; defs.len()],
            last: vec![0; defs.len()],
        }
    }

    /// The patterns, in the order of the outputs.
    pub fn patterns(&self) -> &[&'static PatternDef] {
        &self.defs
    }

    /// Feed one candle; returns the outputs of every pattern for it.
    pub fn update(&mut self, open: f64, high: f64, low: f64, close: f64) -> &[i32] {
        if self.count == 0 && [open, high, low, close].iter().any(|v| v.is_nan()) {
            self.last.fill(0);
            return &self.last;
        }
        if self.open.len() == 2 * KEEP {
            for buffer in [
                &mut self.open,
                &mut self.high,
                &mut self.low,
                &mut self.close,
            ] {
                buffer.drain(..KEEP);
            }
            self.base += KEEP;
        }
        self.open.push(open);
        self.high.push(high);
        self.low.push(low);
        self.close.push(close);
        let t = self.count;
        self.count += 1;
        let bars = engine::Bars {
            open: &self.open,
            high: &self.high,
            low: &self.low,
            close: &self.close,
            base: self.base,
        };
        self.engine.run(&bars, t, t + 1, &mut self.cells, 1, t);
        for (v, &c) in self.last.iter_mut().zip(&self.cells) {
            *v = i32::from(c);
        }
        &self.last
    }

    /// The outputs of the last candle (zeros before the first).
    pub fn value(&self) -> &[i32] {
        &self.last
    }

    /// True once every pattern is past its lookback.
    pub fn is_ready(&self) -> bool {
        self.count > self.ready_at
    }

    /// Forget every candle, as if newly constructed.
    pub fn reset(&mut self) {
        self.engine.reset();
        for buffer in [
            &mut self.open,
            &mut self.high,
            &mut self.low,
            &mut self.close,
        ] {
            buffer.clear();
        }
        self.base = 0;
        self.count = 0;
        self.last.fill(0);
    }
}

#[cfg(test)]
mod tests;
