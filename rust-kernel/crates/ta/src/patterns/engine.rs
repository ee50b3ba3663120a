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

/// Columns of history kept before a block: a running sum reads the range of the candle
/// `period + 1` (11) before the candle it averages for, which is itself up to 4 back.
const HISTORY: usize = 16;
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

/// Memory a pattern carries from one candle to the next (only the hikkakes use it).
#[derive(Debug, Clone, Copy, Default)]
pub struct State {
    /// Index of the candle that formed the pending pattern.
    pub index: usize,
    /// Its value (0: none pending).
    pub result: i32,
}

/// Rows of the per-candle feature table, computed once per candle and shared by every pattern.
const O: usize = 0;
const H: usize = 1;
const L: usize = 2;
const C: usize = 3;
const BODY: usize = 4;
const UPPER: usize = 5;
const LOWER: usize = 6;
const TOP: usize = 7;
const BOTTOM: usize = 8;
const HL: usize = 9;
const COLOR: usize = 10;
/// Upper plus lower shadow (`TA_CANDLERANGE` of the `Shadows` type).
const SHADOWS: usize = 11;
const FEATURES: usize = 12;

/// What a pattern sees at candle `t`: the features of candles `t - 4 ..= t` and the averages it
/// declared, read from the block tables without bounds checks (the driver guarantees the
/// columns exist; debug builds assert it).
pub struct Ctx<'a> {
    /// Index of the current candle (since the first valid one).
    pub t: usize,
    feat: &'a [f64],
    means: &'a [f64],
    stride: usize,
    col: usize,
    slots: &'a [u16; SLOTS],
}

impl Ctx<'_> {
    #[inline(always)]
    fn f(&self, row: usize, k: usize) -> f64 {
        let i = row * self.stride + self.col - k;
        debug_assert!(k <= HISTORY && i < self.feat.len());
        // SAFETY: `col >= HISTORY >= k` and `row < FEATURES`, so `i` is inside the table, which
        // has `FEATURES * stride` elements (asserted in debug builds).
        unsafe { *self.feat.get_unchecked(i) }
    }
    /// Open of the candle `k` before the current one.
    #[inline(always)]
    pub fn o(&self, k: usize) -> f64 {
        self.f(O, k)
    }
    #[inline(always)]
    pub fn h(&self, k: usize) -> f64 {
        self.f(H, k)
    }
    #[inline(always)]
    pub fn l(&self, k: usize) -> f64 {
        self.f(L, k)
    }
    #[inline(always)]
    pub fn c(&self, k: usize) -> f64 {
        self.f(C, k)
    }
    /// High of the candle at absolute index `t` (at most `HISTORY` back; hikkake looks back to
    /// a remembered candle).
    #[inline(always)]
    pub fn high_at(&self, t: usize) -> f64 {
        self.f(H, self.t - t)
    }
    #[inline(always)]
    pub fn low_at(&self, t: usize) -> f64 {
        self.f(L, self.t - t)
    }
    /// `|close - open|` (`TA_REALBODY`).
    #[inline(always)]
    pub fn body(&self, k: usize) -> f64 {
        self.f(BODY, k)
    }
    /// `TA_CANDLECOLOR`: 1 for white (close >= open), -1 for black.
    #[inline(always)]
    pub fn color(&self, k: usize) -> i32 {
        self.f(COLOR, k) as i32
    }
    #[inline(always)]
    pub fn white(&self, k: usize) -> bool {
        self.f(COLOR, k) > 0.0
    }
    #[inline(always)]
    pub fn black(&self, k: usize) -> bool {
        self.f(COLOR, k) < 0.0
    }
    /// `TA_UPPERSHADOW`.
    #[inline(always)]
    pub fn upper(&self, k: usize) -> f64 {
        self.f(UPPER, k)
    }
    /// `TA_LOWERSHADOW`.
    #[inline(always)]
    pub fn lower(&self, k: usize) -> f64 {
        self.f(LOWER, k)
    }
    /// `TA_HIGHLOWRANGE`.
    #[inline(always)]
    pub fn hl(&self, k: usize) -> f64 {
        self.f(HL, k)
    }
    /// Top of the real body (`fmax(open, close)`).
    #[inline(always)]
    pub fn top(&self, k: usize) -> f64 {
        self.f(TOP, k)
    }
    /// Bottom of the real body (`fmin(open, close)`).
    #[inline(always)]
    pub fn bottom(&self, k: usize) -> f64 {
        self.f(BOTTOM, k)
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

    /// `TA_CANDLEAVERAGE(set, total, t - k)`: the setting's threshold for the candle `k` back,
    /// `factor * (total / period) / divisor` in TA-Lib's order of operations (the table holds
    /// `total / period`). The pattern must have declared `(set, k)` in its `AVGS`.
    #[inline(always)]
    pub fn avg(&self, set: CandleSetting, k: usize) -> f64 {
        let div = set.range.divisor();
        if set.period == 0 {
            let r = match set.range {
                RangeType::RealBody => self.body(k),
                RangeType::HighLow => self.hl(k),
                RangeType::Shadows => self.upper(k) + self.lower(k),
            };
            return set.factor * r / div;
        }
        let slot = self.slots[set.id * 5 + k] as usize;
        debug_assert!(
            slot != NO_SLOT as usize,
            "undeclared average {} {k}",
            set.name
        );
        let i = slot * self.stride + self.col - k;
        debug_assert!(i < self.means.len());
        // SAFETY: declared slots index rows of the mean table and `col >= HISTORY >= k`.
        let mean = unsafe { *self.means.get_unchecked(i) };
        set.factor * mean / div
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

/// One block of candles `[from, to)`: their features and every running mean.
pub struct Block<'a> {
    feat: &'a [f64],
    means: &'a [f64],
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
        t: 0,
        feat: block.feat,
        means: block.means,
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
    let begin = block.from.max(P::LOOKBACK);
    if begin >= block.to {
        return;
    }
    let out = &mut out[begin - out_offset..block.to - out_offset];
    for (t, slot) in (begin..block.to).zip(out.iter_mut()) {
        ctx.t = t;
        ctx.col = HISTORY + t - block.from;
        *slot = P::eval(&ctx, state, penetration);
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
    /// `total / period` of every running sum, one row of `stride` columns each.
    means: Vec<f64>,
    /// The candle features (`FEATURES` rows of `stride` columns).
    feat: Vec<f64>,
    stride: usize,
    states: Vec<State>,
}

/// Advance one running sum over `[from, to)`, writing `total / period` per candle into `dst`.
/// `src` is the feature row of the sum's range type (same columns as `dst`).
#[inline(always)]
fn advance_sum(
    spec: &SumSpec,
    total: &mut f64,
    src: &[f64],
    dst: &mut [f64],
    from: usize,
    to: usize,
) {
    let p = spec.period;
    let mut sum = *total;
    for t in from..to {
        let col = HISTORY + t - from;
        if t == spec.start {
            sum = 0.0;
            for v in &src[col - p..col] {
                sum += v;
            }
        } else if t > spec.start {
            sum += src[col - 1] - src[col - 1 - p];
        }
        dst[col] = sum;
    }
    *total = sum;
    // A separate pass so the divisions vectorise instead of lengthening the chain of sums.
    let period = p as f64;
    for v in &mut dst[HISTORY..HISTORY + (to - from)] {
        *v /= period;
    }
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
            means: vec![f64::NAN; specs.len() * stride],
            feat: vec![f64::NAN; FEATURES * stride],
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
        self.means.fill(f64::NAN);
        self.feat.fill(f64::NAN);
        self.states.fill(State::default());
    }

    /// Advance every running sum over candles `[from, to)` into the mean table (the features
    /// of the block must be computed first).
    fn advance(&mut self, from: usize, to: usize) {
        let stride = self.stride;
        for (a, spec) in self.specs.iter().enumerate() {
            let row = match spec.range {
                RangeType::RealBody => BODY,
                RangeType::HighLow => HL,
                RangeType::Shadows => SHADOWS,
            };
            let src = &self.feat[row * stride..(row + 1) * stride];
            let dst = &mut self.means[a * stride..(a + 1) * stride];
            advance_sum(spec, &mut self.totals[a], src, dst, from, to);
        }
    }

    /// Compute the features of candles `[from, to)`, one row at a time (each loop vectorises).
    fn features(&mut self, bars: &Bars<'_>, from: usize, to: usize) {
        let j0 = from - bars.base;
        let count = to - from;
        let o = &bars.open[j0..j0 + count];
        let h = &bars.high[j0..j0 + count];
        let l = &bars.low[j0..j0 + count];
        let c = &bars.close[j0..j0 + count];
        let mut rows = self
            .feat
            .chunks_exact_mut(self.stride)
            .map(|row| &mut row[HISTORY..HISTORY + count]);
        macro_rules! fill {
            (|$o:pat_param, $h:pat_param, $l:pat_param, $c:pat_param| $e:expr) => {{
                let row = rows.next().expect("one row per feature");
                for (i, v) in row.iter_mut().enumerate() {
                    let ($o, $h, $l, $c) = (o[i], h[i], l[i], c[i]);
                    *v = $e;
                }
            }};
        }
        // The order of the rows O, H, L, C, BODY, UPPER, LOWER, TOP, BOTTOM, HL, COLOR, SHADOWS.
        fill!(|o, _, _, _| o);
        fill!(|_, h, _, _| h);
        fill!(|_, _, l, _| l);
        fill!(|_, _, _, c| c);
        fill!(|o, _, _, c| (c - o).abs());
        fill!(|o, h, _, c| h - if c >= o { c } else { o });
        fill!(|o, _, l, c| (if c >= o { o } else { c }) - l);
        fill!(|o, _, _, c| o.max(c));
        fill!(|o, _, _, c| o.min(c));
        fill!(|_, h, l, _| h - l);
        fill!(|o, _, _, c| if c >= o { 1.0 } else { -1.0 });
        fill!(|o, h, l, c| RangeType::Shadows.range(o, h, l, c));
    }

    /// Keep the last `HISTORY` columns of a block of `count` candles for the next block.
    fn shift_history(&mut self, count: usize) {
        for table in [&mut self.means, &mut self.feat] {
            for row in table.chunks_exact_mut(self.stride) {
                row.copy_within(count..count + HISTORY, 0);
            }
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
        assert!(
            to - from <= self.stride - HISTORY,
            "block larger than the engine's"
        );
        self.features(bars, from, to);
        self.advance(from, to);
        let block = Block {
            feat: &self.feat,
            means: &self.means,
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
