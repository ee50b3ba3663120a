//! The machinery every pattern shares: the candle window, TA-Lib's trailing sums, and the driver
//! that runs one pattern, all of them (`scan`), or one candle at a time (streaming).
//!
//! # Why the sums are keyed by their start
//! TA-Lib averages "the previous N candles" with a running total: it adds the first N ranges one
//! by one at the pattern's first output, then adds the newest range minus the oldest after every
//! candle. Floating-point addition is not associative, so the total for a given candle depends on
//! where the running sum started, which is the pattern's lookback minus the candle's shift. To be
//! bit-identical to TA-Lib (and so never flip a `<` on a tie), a running sum here is identified
//! by `(range type, period, first candle)`; patterns that share all three share one sum (in a
//! scan most of them do), and the others get their own.
//!
//! # Layout
//! The driver works in blocks of candles: it first advances every running sum over the block
//! into a small table (with a few columns of history for the shifted candles of multi-candle
//! patterns), then runs each pattern's monomorphised loop over the block. Streaming is the same
//! driver with a block of one candle, so the batch and streaming outputs cannot diverge.

use super::settings::{CandleSetting, RangeType, ALL};

/// Columns of history kept before a block: the largest shift a pattern reads (4) plus slack.
const HISTORY: usize = 8;
/// Candles per block in batch mode: the sum table stays in L1 cache.
pub const BLOCK: usize = 512;
/// Slots per pattern: one per (setting, shift) pair.
const SLOTS: usize = ALL.len() * 5;
const NO_SLOT: u16 = u16::MAX;

/// Candles addressed by their index since the first valid candle (`base` is the index of
/// element 0 of the slices).
#[derive(Clone, Copy)]
pub struct Bars<'a> {
    pub open: &'a [f64],
    pub high: &'a [f64],
    pub low: &'a [f64],
    pub close: &'a [f64],
    pub base: usize,
}

impl Bars<'_> {
    #[inline(always)]
    fn range(&self, kind: RangeType, t: usize) -> f64 {
        let j = t - self.base;
        kind.range(self.open[j], self.high[j], self.low[j], self.close[j])
    }
}

/// Memory a pattern carries from one candle to the next (only the hikkakes use it).
#[derive(Debug, Clone, Copy, Default)]
pub struct State {
    /// Index of the candle that formed the pending pattern.
    pub index: usize,
    /// Its value (0: none pending).
    pub result: i32,
}

/// What a pattern sees at candle `t`: the candles up to `t` and the averages it declared.
pub struct Ctx<'a> {
    bars: &'a Bars<'a>,
    /// Index of the current candle (since the first valid one).
    pub t: usize,
    sums: &'a [f64],
    stride: usize,
    col: usize,
    slots: &'a [u16; SLOTS],
}

impl Ctx<'_> {
    #[inline(always)]
    fn j(&self, k: usize) -> usize {
        self.t - k - self.bars.base
    }
    /// Open of the candle `k` before the current one.
    #[inline(always)]
    pub fn o(&self, k: usize) -> f64 {
        self.bars.open[self.j(k)]
    }
    #[inline(always)]
    pub fn h(&self, k: usize) -> f64 {
        self.bars.high[self.j(k)]
    }
    #[inline(always)]
    pub fn l(&self, k: usize) -> f64 {
        self.bars.low[self.j(k)]
    }
    #[inline(always)]
    pub fn c(&self, k: usize) -> f64 {
        self.bars.close[self.j(k)]
    }
    /// High of the candle at absolute index `t` (hikkake looks back to a remembered candle).
    #[inline(always)]
    pub fn high_at(&self, t: usize) -> f64 {
        self.bars.high[t - self.bars.base]
    }
    #[inline(always)]
    pub fn low_at(&self, t: usize) -> f64 {
        self.bars.low[t - self.bars.base]
    }
    /// `|close - open|` (`TA_REALBODY`).
    #[inline(always)]
    pub fn body(&self, k: usize) -> f64 {
        (self.c(k) - self.o(k)).abs()
    }
    /// `TA_CANDLECOLOR`: 1 for white (close >= open), -1 for black.
    #[inline(always)]
    pub fn color(&self, k: usize) -> i32 {
        if self.c(k) >= self.o(k) {
            1
        } else {
            -1
        }
    }
    #[inline(always)]
    pub fn white(&self, k: usize) -> bool {
        self.color(k) == 1
    }
    #[inline(always)]
    pub fn black(&self, k: usize) -> bool {
        self.color(k) == -1
    }
    /// `TA_UPPERSHADOW`.
    #[inline(always)]
    pub fn upper(&self, k: usize) -> f64 {
        let (o, c) = (self.o(k), self.c(k));
        self.h(k) - if c >= o { c } else { o }
    }
    /// `TA_LOWERSHADOW`.
    #[inline(always)]
    pub fn lower(&self, k: usize) -> f64 {
        let (o, c) = (self.o(k), self.c(k));
        (if c >= o { o } else { c }) - self.l(k)
    }
    /// `TA_HIGHLOWRANGE`.
    #[inline(always)]
    pub fn hl(&self, k: usize) -> f64 {
        self.h(k) - self.l(k)
    }
    /// Top of the real body (`fmax(open, close)`).
    #[inline(always)]
    pub fn top(&self, k: usize) -> f64 {
        self.o(k).max(self.c(k))
    }
    /// Bottom of the real body (`fmin(open, close)`).
    #[inline(always)]
    pub fn bottom(&self, k: usize) -> f64 {
        self.o(k).min(self.c(k))
    }
    /// `TA_REALBODYGAPUP(k2, k1)`: body of `k2` entirely above the body of `k1`.
    #[inline(always)]
    pub fn body_gap_up(&self, k2: usize, k1: usize) -> bool {
        self.bottom(k2) > self.top(k1)
    }
    /// `TA_REALBODYGAPDOWN(k2, k1)`.
    #[inline(always)]
    pub fn body_gap_down(&self, k2: usize, k1: usize) -> bool {
        self.top(k2) < self.bottom(k1)
    }
    /// `TA_CANDLEGAPUP(k2, k1)`: low of `k2` above the high of `k1`.
    #[inline(always)]
    pub fn gap_up(&self, k2: usize, k1: usize) -> bool {
        self.l(k2) > self.h(k1)
    }
    /// `TA_CANDLEGAPDOWN(k2, k1)`.
    #[inline(always)]
    pub fn gap_down(&self, k2: usize, k1: usize) -> bool {
        self.h(k2) < self.l(k1)
    }

    /// `TA_CANDLEAVERAGE(set, total, t - k)`: the setting's threshold for the candle `k` back.
    /// The pattern must have declared `(set, k)` in its `AVGS` (a missing one panics in tests).
    #[inline(always)]
    pub fn avg(&self, set: CandleSetting, k: usize) -> f64 {
        let div = set.range.divisor();
        if set.period == 0 {
            let j = self.j(k);
            let b = self.bars;
            let r = set
                .range
                .range(b.open[j], b.high[j], b.low[j], b.close[j]);
            return set.factor * r / div;
        }
        let slot = self.slots[set.id * 5 + k] as usize;
        let total = self.sums[slot * self.stride + self.col - k];
        set.factor * (total / set.period as f64) / div
    }
}

/// A candlestick pattern: its TA-Lib name, lookback, the averages it reads and its rule.
pub trait Pattern {
    /// TA-Lib's function name (`CDLENGULFING`).
    const NAME: &'static str;
    /// The lower-case name (Python function, error messages).
    const LOWER: &'static str;
    /// TA-Lib's lookback: the first candle with an output.
    const LOOKBACK: usize;
    /// Every `(setting, shift)` the rule reads through [`Ctx::avg`].
    const AVGS: &'static [(CandleSetting, usize)];
    /// Candles before the lookback that the rule sees without output (TA-Lib's pre-scan).
    const WARMUP: usize = 0;
    /// TA-Lib's default penetration, for the patterns that take one.
    const PENETRATION: Option<f64> = None;
    /// The output at the current candle: 0, or a signed strength (100, 80, 200...).
    fn eval(c: &Ctx<'_>, state: &mut State, penetration: f64) -> i32;
}

type RunFn = fn(&Block<'_>, &[u16; SLOTS], &mut State, f64, &mut [i32], usize);

/// A registered pattern, erased to function pointers so a scan can hold all of them.
pub struct PatternDef {
    pub name: &'static str,
    pub lower: &'static str,
    pub lookback: usize,
    pub avgs: &'static [(CandleSetting, usize)],
    pub warmup: usize,
    pub penetration: Option<f64>,
    run: RunFn,
}

impl PatternDef {
    pub const fn of<P: Pattern>() -> Self {
        Self {
            name: P::NAME,
            lower: P::LOWER,
            lookback: P::LOOKBACK,
            avgs: P::AVGS,
            warmup: P::WARMUP,
            penetration: P::PENETRATION,
            run: run_block::<P>,
        }
    }
}

/// One block of candles `[from, to)` with the running sums of every candle in it.
pub struct Block<'a> {
    bars: &'a Bars<'a>,
    sums: &'a [f64],
    stride: usize,
    from: usize,
    to: usize,
}

/// Run pattern `P` over a block: `out[t - out_offset]` receives the output of candle `t`.
fn run_block<P: Pattern>(
    block: &Block<'_>,
    slots: &[u16; SLOTS],
    state: &mut State,
    penetration: f64,
    out: &mut [i32],
    out_offset: usize,
) {
    let first = P::LOOKBACK - P::WARMUP;
    let mut ctx = Ctx {
        bars: block.bars,
        t: 0,
        sums: block.sums,
        stride: block.stride,
        col: 0,
        slots,
    };
    for t in block.from..block.to.min(P::LOOKBACK) {
        if t >= first {
            ctx.t = t;
            ctx.col = HISTORY + t - block.from;
            P::eval(&ctx, state, penetration);
        }
        out[t - out_offset] = 0;
    }
    for t in block.from.max(P::LOOKBACK)..block.to {
        ctx.t = t;
        ctx.col = HISTORY + t - block.from;
        out[t - out_offset] = P::eval(&ctx, state, penetration);
    }
}

/// A running sum of `period` ranges, valid from candle `start` on.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SumSpec {
    range: RangeType,
    period: usize,
    start: usize,
}

struct Entry {
    def: &'static PatternDef,
    slots: [u16; SLOTS],
    penetration: f64,
}

/// A set of patterns prepared to run together, with their shared running sums.
pub struct Engine {
    specs: Vec<SumSpec>,
    entries: Vec<Entry>,
    totals: Vec<f64>,
    table: Vec<f64>,
    stride: usize,
    states: Vec<State>,
}

impl Engine {
    /// Prepare `defs` with their penetrations; `block` is the largest block the engine will run.
    pub fn new(defs: &[(&'static PatternDef, f64)], block: usize) -> Self {
        let mut specs: Vec<SumSpec> = Vec::new();
        let mut entries = Vec::with_capacity(defs.len());
        for &(def, penetration) in defs {
            let mut slots = [NO_SLOT; SLOTS];
            for &(set, k) in def.avgs {
                if set.period == 0 {
                    continue;
                }
                let spec = SumSpec {
                    range: set.range,
                    period: set.period,
                    start: def.lookback - def.warmup - k,
                };
                let index = specs.iter().position(|s| *s == spec).unwrap_or_else(|| {
                    specs.push(spec);
                    specs.len() - 1
                });
                slots[set.id * 5 + k] = index as u16;
            }
            entries.push(Entry {
                def,
                slots,
                penetration,
            });
        }
        let stride = HISTORY + block;
        Self {
            totals: vec![0.0; specs.len()],
            table: vec![f64::NAN; specs.len() * stride],
            stride,
            states: vec![State::default(); entries.len()],
            specs,
            entries,
        }
    }

    /// Number of distinct running sums (shared between the patterns).
    pub fn sum_count(&self) -> usize {
        self.specs.len()
    }

    /// Forget every running sum and pattern memory.
    pub fn reset(&mut self) {
        self.totals.fill(0.0);
        self.table.fill(f64::NAN);
        self.states.fill(State::default());
    }

    /// Advance every running sum over candles `[from, to)` into the table.
    fn advance(&mut self, bars: &Bars<'_>, from: usize, to: usize) {
        for (a, spec) in self.specs.iter().enumerate() {
            let row = &mut self.table[a * self.stride..(a + 1) * self.stride];
            let mut total = self.totals[a];
            let p = spec.period;
            for t in from..to {
                if t == spec.start {
                    total = 0.0;
                    for m in spec.start - p..spec.start {
                        total += bars.range(spec.range, m);
                    }
                } else if t > spec.start {
                    total += bars.range(spec.range, t - 1) - bars.range(spec.range, t - 1 - p);
                }
                row[HISTORY + t - from] = total;
            }
            self.totals[a] = total;
        }
    }

    /// Keep the last `HISTORY` columns of a block of `count` candles for the next block.
    fn shift_history(&mut self, count: usize) {
        for a in 0..self.specs.len() {
            let row = &mut self.table[a * self.stride..(a + 1) * self.stride];
            row.copy_within(count..count + HISTORY, 0);
        }
    }

    /// Run candles `[from, to)` (at most the engine's block size) for every pattern. Row `p`
    /// of `out` starts at `p * row_len`; candle `t` goes to `row[t - out_offset]`.
    pub fn run(
        &mut self,
        bars: &Bars<'_>,
        from: usize,
        to: usize,
        out: &mut [i32],
        row_len: usize,
        out_offset: usize,
    ) {
        self.advance(bars, from, to);
        let block = Block {
            bars,
            sums: &self.table,
            stride: self.stride,
            from,
            to,
        };
        for (p, entry) in self.entries.iter().enumerate() {
            let row = &mut out[p * row_len..];
            (entry.def.run)(
                &block,
                &entry.slots,
                &mut self.states[p],
                entry.penetration,
                row,
                out_offset,
            );
        }
        self.shift_history(to - from);
    }

    /// Batch: run over `len` candles (already stripped of leading NaNs); row `p` of `out`
    /// starts at `p * row_len`.
    pub fn run_all(&mut self, bars: &Bars<'_>, len: usize, out: &mut [i32], row_len: usize) {
        let mut from = 0;
        while from < len {
            let to = (from + self.stride - HISTORY).min(len);
            self.run(bars, from, to, out, row_len, 0);
            from = to;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_shared_by_range_period_and_start() {
        static A: PatternDef = PatternDef {
            name: "A",
            lower: "a",
            lookback: 10,
            avgs: &[
                (super::super::settings::BODY_LONG, 0),
                (super::super::settings::BODY_SHORT, 0),
            ],
            warmup: 0,
            penetration: None,
            run: |_, _, _, _, _, _| {},
        };
        static B: PatternDef = PatternDef {
            name: "B",
            lower: "b",
            lookback: 11,
            avgs: &[(super::super::settings::BODY_LONG, 1)],
            warmup: 0,
            penetration: None,
            run: |_, _, _, _, _, _| {},
        };
        let engine = Engine::new(&[(&A, 0.0), (&B, 0.0)], 4);
        // BodyLong and BodyShort at start 10 share one sum; B's sum also starts at 10.
        assert_eq!(engine.sum_count(), 1);
    }
}
