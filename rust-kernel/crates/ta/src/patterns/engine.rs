//! The machinery every pattern shares: the candle window, TA-Lib's trailing sums, and the two
//! drivers: a fused loop for one pattern, and a blocked loop for many patterns (`scan`) or one
//! candle at a time (streaming).
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
//! # Two drivers, one rule
//! A rule reads candles and averages through [`Ctx`], generic over where the averages come from:
//! - One pattern ([`PatternDef::run_single`]): one loop over the candles, like TA-Lib's, with the
//!   pattern's running sums in registers ([`Fused`]). Candle features (body, shadows...) are
//!   computed inline from the inputs, so a pattern pays only for what its rule reads; a
//!   precomputed table cost more than the doji's whole rule.
//! - Many patterns or streaming ([`Engine`]): per block of candles, the range rows the sums need,
//!   per kind of sum the `newest - oldest` range it adds, and every distinct running sum
//!   (advanced four at a time so their addition chains overlap) are computed once into a small
//!   table ([`Table`]), then each pattern's monomorphised loop runs over the block, writing `i16`
//!   cells. Streaming is the same driver with a block of one candle, so batch and
//!   streaming cannot diverge; `scan` is tested equal to the single-pattern driver.
//!
//! # Branches
//! Rules are written with `&`/`|` and [`pick`] so they compile without branches: on market data
//! each condition is close to a coin flip. The exception is a gate: rules reading three or more
//! averages (a division each per candle) first test a rare conjunct that needs no average (say
//! four black candles, 1 in 16) and return 0 when it fails. That branch is rarely taken, so it
//! predicts well, and it skips the divisions that dominated those rules. The running sums
//! themselves advance on every candle either way.

use super::settings::{CandleSetting, RangeType, ALL};

/// Columns of history kept before a block: a running sum reads the range of the candle
/// `period + 1` (11) before the candle it averages for, which is itself up to 4 back.
const HISTORY: usize = 16;
/// Candles per block in batch mode: the sum table stays in L1 cache.
pub const BLOCK: usize = 512;
/// Slots per pattern: one per (setting, shift) pair.
const SLOTS: usize = ALL.len() * 5;
const NO_SLOT: u16 = u16::MAX;

/// The kinds of running sum a setting can need: TA-Lib's settings use four (range, period)
/// pairs. Within one pattern a sum is fixed by its kind and shift, so a fused loop keeps at most
/// `KINDS * 5` of them.
const KINDS: usize = 4;
const FUSED_SUMS: usize = KINDS * 5;
const KIND_RANGE: [RangeType; KINDS] = [
    RangeType::RealBody,
    RangeType::HighLow,
    RangeType::HighLow,
    RangeType::Shadows,
];
const KIND_PERIOD: [usize; KINDS] = [10, 10, 5, 10];

/// The running-sum kind of a setting with a period (index into `KIND_RANGE`/`KIND_PERIOD`).
pub const fn sum_kind(set: &CandleSetting) -> usize {
    match set.range {
        RangeType::RealBody => 0,
        RangeType::HighLow if set.period == 10 => 1,
        RangeType::HighLow => 2,
        RangeType::Shadows => 3,
    }
}

/// Bit `kind * 5 + shift` for every running sum a rule reads through [`Ctx::avg`].
pub const fn fused_mask(avgs: &[(CandleSetting, usize)]) -> u32 {
    let mut mask = 0;
    let mut i = 0;
    while i < avgs.len() {
        if avgs[i].0.period > 0 {
            mask |= 1 << (sum_kind(&avgs[i].0) * 5 + avgs[i].1);
        }
        i += 1;
    }
    mask
}

/// `if cond { yes } else { no }` without a branch. On market data most pattern conditions are
/// close to coin flips, and LLVM turns plain selects whose condition waits on a division into
/// branches, which then mispredict about half the time: a miss costs more than the whole rule.
#[inline(always)]
pub fn pick(cond: bool, yes: i32, no: i32) -> i32 {
    std::hint::select_unpredictable(cond, yes, no)
}

/// A rule's gate (see "Branches" above): `cond` computed without branches, then one branch on
/// it. Without the opaque hand-off LLVM splits `a & b & c` feeding a branch into one branch per
/// condition, each a coin flip again.
#[inline(always)]
pub fn gate(cond: bool) -> bool {
    std::hint::black_box(cond)
}

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
    /// `TA_CANDLERANGE` of the candle at slice index `i`.
    #[inline(always)]
    fn range(&self, range: RangeType, i: usize) -> f64 {
        range.range(
            at(self.open, i),
            at(self.high, i),
            at(self.low, i),
            at(self.close, i),
        )
    }
}

#[inline(always)]
fn at(s: &[f64], i: usize) -> f64 {
    debug_assert!(i < s.len());
    // SAFETY: every caller indexes candles the driver has checked exist: the current one, up
    // to `lookback` before it (tests assert the lookbacks), or a hikkake's remembered setup.
    unsafe { *s.get_unchecked(i) }
}

/// Memory a pattern carries from one candle to the next (only the hikkakes use it).
#[derive(Debug, Clone, Copy, Default)]
pub struct State {
    /// Index of the candle that formed the pending pattern.
    pub index: usize,
    /// Its value (0: none pending).
    pub result: i32,
}

/// Where a rule's averages come from: `total / period` of the running sum behind `(set, k)`.
pub trait Avgs {
    fn mean(&self, set: CandleSetting, k: usize) -> f64;
}

/// Averages of the blocked driver: rows of the shared mean table.
pub struct Table<'a> {
    means: &'a [f64],
    stride: usize,
    col: usize,
    slots: &'a [u16; SLOTS],
}

impl Avgs for Table<'_> {
    #[inline(always)]
    fn mean(&self, set: CandleSetting, k: usize) -> f64 {
        let slot = self.slots[set.id * 5 + k] as usize;
        debug_assert!(
            slot != NO_SLOT as usize,
            "undeclared average {} {k}",
            set.name
        );
        let i = slot * self.stride + self.col - k;
        debug_assert!(i < self.means.len());
        // SAFETY: declared slots index rows of the mean table and `col >= HISTORY >= k`.
        unsafe { *self.means.get_unchecked(i) }
    }
}

/// Averages of the fused driver: the pattern's running totals, kept in registers.
pub struct Fused<'a>(&'a [f64; FUSED_SUMS]);

impl Avgs for Fused<'_> {
    #[inline(always)]
    fn mean(&self, set: CandleSetting, k: usize) -> f64 {
        self.0[sum_kind(&set) * 5 + k] / set.period as f64
    }
}

/// What a pattern sees at candle `t`: candles `t - 4 ..= t` (read from the inputs, features
/// computed with TA-Lib's macros) and the averages it declared.
pub struct Ctx<'a, A> {
    /// Index of the current candle (since the first valid one).
    pub t: usize,
    /// Index of the current candle in the slices.
    i: usize,
    open: &'a [f64],
    high: &'a [f64],
    low: &'a [f64],
    close: &'a [f64],
    avgs: A,
}

impl<'a, A: Avgs> Ctx<'a, A> {
    #[inline(always)]
    fn new(bars: &Bars<'a>, t: usize, avgs: A) -> Self {
        Self {
            t,
            i: t - bars.base,
            open: bars.open,
            high: bars.high,
            low: bars.low,
            close: bars.close,
            avgs,
        }
    }
    /// Open of the candle `k` before the current one.
    #[inline(always)]
    pub fn o(&self, k: usize) -> f64 {
        debug_assert!(k <= self.i);
        at(self.open, self.i - k)
    }
    #[inline(always)]
    pub fn h(&self, k: usize) -> f64 {
        debug_assert!(k <= self.i);
        at(self.high, self.i - k)
    }
    #[inline(always)]
    pub fn l(&self, k: usize) -> f64 {
        debug_assert!(k <= self.i);
        at(self.low, self.i - k)
    }
    #[inline(always)]
    pub fn c(&self, k: usize) -> f64 {
        debug_assert!(k <= self.i);
        at(self.close, self.i - k)
    }
    /// High of the candle at absolute index `t` (hikkake looks back to a remembered candle).
    #[inline(always)]
    pub fn high_at(&self, t: usize) -> f64 {
        self.h(self.t - t)
    }
    #[inline(always)]
    pub fn low_at(&self, t: usize) -> f64 {
        self.l(self.t - t)
    }
    /// `|close - open|` (`TA_REALBODY`).
    #[inline(always)]
    pub fn body(&self, k: usize) -> f64 {
        (self.c(k) - self.o(k)).abs()
    }
    /// `TA_CANDLECOLOR`: 1 for white (close >= open), -1 for black (also when either is NaN).
    #[inline(always)]
    pub fn color(&self, k: usize) -> i32 {
        pick(self.white(k), 1, -1)
    }
    #[inline(always)]
    pub fn white(&self, k: usize) -> bool {
        self.c(k) >= self.o(k)
    }
    #[inline(always)]
    pub fn black(&self, k: usize) -> bool {
        !self.white(k)
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

    /// `TA_CANDLEAVERAGE(set, total, t - k)`: the setting's threshold for the candle `k` back,
    /// `factor * (total / period) / divisor` in TA-Lib's order of operations. The pattern must
    /// have declared `(set, k)` in its `AVGS`.
    #[inline(always)]
    pub fn avg(&self, set: CandleSetting, k: usize) -> f64 {
        let div = set.range.divisor();
        if set.period == 0 {
            let i = self.i - k;
            let r = set.range.range(
                at(self.open, i),
                at(self.high, i),
                at(self.low, i),
                at(self.close, i),
            );
            return set.factor * r / div;
        }
        set.factor * self.avgs.mean(set, k) / div
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
    /// The running sums of the fused driver (see [`fused_mask`]).
    const SUMS: u32 = fused_mask(Self::AVGS);
    /// The output at the current candle: 0, or a signed strength (100, 80, 200...).
    fn eval<A: Avgs>(c: &Ctx<'_, A>, state: &mut State, penetration: f64) -> i32;
}

type RunFn = fn(&Block<'_>, &[u16; SLOTS], &mut State, f64, &mut [i16], usize);
type SingleFn = fn(&Bars<'_>, usize, f64, &mut [i32]);

/// A registered pattern, erased to function pointers so a scan can hold all of them.
pub struct PatternDef {
    pub name: &'static str,
    pub lower: &'static str,
    pub lookback: usize,
    pub avgs: &'static [(CandleSetting, usize)],
    pub warmup: usize,
    pub penetration: Option<f64>,
    run: RunFn,
    single: SingleFn,
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
            single: run_single::<P>,
        }
    }

    /// This pattern alone over `len` candles of `bars` (base 0): `out[t]` for every `t`.
    pub fn run_single(&self, bars: &Bars<'_>, len: usize, penetration: f64, out: &mut [i32]) {
        assert!(bars.base == 0 && out.len() >= len && bars.open.len() >= len);
        assert!(bars.high.len() >= len && bars.low.len() >= len && bars.close.len() >= len);
        (self.single)(bars, len, penetration, out)
    }
}

/// Add the newest range and drop the oldest of running sum `J` (`kind * 5 + shift`) for the
/// candle at slice index `i`, if the pattern uses it: TA-Lib's `total += new - old`.
#[inline(always)]
fn step_sum<const J: usize>(mask: u32, bars: &Bars<'_>, i: usize, totals: &mut [f64; FUSED_SUMS]) {
    if mask & (1 << J) != 0 {
        let (range, p, k) = (KIND_RANGE[J / 5], KIND_PERIOD[J / 5], J % 5);
        let newest = i - k - 1;
        totals[J] += bars.range(range, newest) - bars.range(range, newest - p);
    }
}

/// Start running sum `J` at the candle at slice index `i`: the sum of the `period` ranges
/// before the candle `k` back, added one by one from 0 as TA-Lib does.
#[inline(always)]
fn init_sum<const J: usize>(mask: u32, bars: &Bars<'_>, i: usize, totals: &mut [f64; FUSED_SUMS]) {
    if mask & (1 << J) != 0 {
        let (range, p, k) = (KIND_RANGE[J / 5], KIND_PERIOD[J / 5], J % 5);
        let mut sum = 0.0;
        for j in i - k - p..i - k {
            sum += bars.range(range, j);
        }
        totals[J] = sum;
    }
}

macro_rules! every_sum {
    ($f:ident, $mask:expr, $bars:expr, $i:expr, $totals:expr) => {
        every_sum!(@ $f, $mask, $bars, $i, $totals;
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19)
    };
    (@ $f:ident, $mask:expr, $bars:expr, $i:expr, $totals:expr; $($j:literal)*) => {
        $($f::<$j>($mask, $bars, $i, $totals);)*
    };
}

/// Pattern `P` alone: one loop over the candles, running sums in registers, TA-Lib's order of
/// operations. `out[t]` is the output of candle `t` (0 before the lookback).
fn run_single<P: Pattern>(bars: &Bars<'_>, len: usize, penetration: f64, out: &mut [i32]) {
    let out = &mut out[..len];
    let first = P::LOOKBACK - P::WARMUP;
    out[..P::LOOKBACK.min(len)].fill(0);
    if first >= len {
        return;
    }
    let mut totals = [0.0; FUSED_SUMS];
    let mut state = State::default();
    every_sum!(init_sum, P::SUMS, bars, first, &mut totals);
    let value = P::eval(
        &Ctx::new(bars, first, Fused(&totals)),
        &mut state,
        penetration,
    );
    if first >= P::LOOKBACK {
        out[first] = value;
    }
    // TA-Lib's pre-scan (hikkakes): candles seen for their memory, without output.
    for t in first + 1..P::LOOKBACK.min(len) {
        every_sum!(step_sum, P::SUMS, bars, t, &mut totals);
        P::eval(&Ctx::new(bars, t, Fused(&totals)), &mut state, penetration);
    }
    let begin = (first + 1).max(P::LOOKBACK);
    if begin >= len {
        return;
    }
    for (t, slot) in (begin..len).zip(&mut out[begin..]) {
        every_sum!(step_sum, P::SUMS, bars, t, &mut totals);
        *slot = P::eval(&Ctx::new(bars, t, Fused(&totals)), &mut state, penetration);
    }
}

/// One block of candles `[from, to)` for the blocked driver: the inputs and every running mean.
pub struct Block<'a> {
    bars: Bars<'a>,
    means: &'a [f64],
    stride: usize,
    from: usize,
    to: usize,
}

/// A rule's output as a grid cell: every output (0, +/-80, +/-100, +/-200) fits an `i16`.
#[inline(always)]
fn cell(value: i32) -> i16 {
    debug_assert!(i16::try_from(value).is_ok(), "pattern output {value}");
    value as i16
}

/// Run pattern `P` over a block: `out[t - out_offset]` receives the output of candle `t`.
fn run_block<P: Pattern>(
    block: &Block<'_>,
    slots: &[u16; SLOTS],
    state: &mut State,
    penetration: f64,
    out: &mut [i16],
    out_offset: usize,
) {
    let first = P::LOOKBACK - P::WARMUP;
    let ctx = |t: usize| {
        let table = Table {
            means: block.means,
            stride: block.stride,
            col: HISTORY + t - block.from,
            slots,
        };
        Ctx::new(&block.bars, t, table)
    };
    for t in block.from..block.to.min(P::LOOKBACK) {
        if t >= first {
            P::eval(&ctx(t), state, penetration);
        }
        out[t - out_offset] = 0;
    }
    let begin = block.from.max(P::LOOKBACK);
    if begin >= block.to {
        return;
    }
    let out = &mut out[begin - out_offset..block.to - out_offset];
    for (t, slot) in (begin..block.to).zip(out.iter_mut()) {
        *slot = cell(P::eval(&ctx(t), state, penetration));
    }
}

/// A running sum of `period` ranges, valid from candle `start` on.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SumSpec {
    range: RangeType,
    period: usize,
    start: usize,
}

impl SumSpec {
    /// Row of the range table this sum reads.
    fn row(&self) -> usize {
        match self.range {
            RangeType::RealBody => 0,
            RangeType::HighLow => 1,
            RangeType::Shadows => 2,
        }
    }

    /// Its kind (index into `KIND_RANGE`/`KIND_PERIOD`): the row of the delta table it adds.
    fn kind(&self) -> usize {
        (0..KINDS)
            .find(|&q| KIND_RANGE[q] == self.range && KIND_PERIOD[q] == self.period)
            .unwrap_or_else(|| unreachable!("every setting's sum has a kind (tested)"))
    }
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
    /// The candle ranges the sums read (real body, high-low, shadows; `stride` columns each).
    ranges: Vec<f64>,
    /// Which rows of `ranges` some sum reads.
    range_rows: [bool; 3],
    /// Per kind of sum, `newest - oldest` range for each column of the block: what every
    /// running sum of that kind adds there (`KINDS` rows of `stride` columns).
    deltas: Vec<f64>,
    /// Which kinds some sum has.
    kinds_used: [bool; KINDS],
    stride: usize,
    states: Vec<State>,
    /// Scratch: the sums already running at the start of the block.
    running: Vec<usize>,
}

/// Advance one running sum over `[from, to)`, writing its total per candle into `dst` (the
/// start candle sums its `period` ranges from 0; later ones add the newest, drop the oldest).
/// `src` is the range row of the sum's type (same columns as `dst`).
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
}

/// `v /= period` for every value of `row`. IEEE division is exact to the bit at any vector
/// width, so the AVX build (four lanes, when the CPU has it; the baseline build has two) gives
/// the same means, only sooner: the divisions were about a third of the sum table's time.
fn divide(row: &mut [f64], period: f64) {
    #[inline(always)]
    fn plain(row: &mut [f64], period: f64) {
        for v in row {
            *v /= period;
        }
    }
    // A streaming update divides one value per sum: not worth a call into the AVX code.
    #[cfg(target_arch = "x86_64")]
    if row.len() >= 16 && std::arch::is_x86_feature_detected!("avx") {
        #[target_feature(enable = "avx")]
        unsafe fn wide(row: &mut [f64], period: f64) {
            plain(row, period)
        }
        // SAFETY: the CPU reported AVX.
        return unsafe { wide(row, period) };
    }
    plain(row, period)
}

/// Advance `N` running sums (already started) over `count` candles at once: their addition
/// chains are independent, so the processor overlaps them instead of waiting on each in turn.
/// Each adds its kind's row of `deltas` (`newest - oldest`, the same subtraction TA-Lib makes,
/// computed once per kind) and stores its total per candle in its row of `means`.
#[inline(always)]
fn advance_group<const N: usize>(
    group: &[usize],
    specs: &[SumSpec],
    totals: &mut [f64],
    deltas: &[f64],
    means: &mut [f64],
    stride: usize,
    count: usize,
) {
    assert!(group.len() == N && HISTORY + count <= stride);
    let mut src = [deltas.as_ptr(); N];
    let mut dst = [means.as_mut_ptr(); N];
    let mut sum = [0.0; N];
    for g in 0..N {
        let a = group[g];
        let kind = specs[a].kind();
        assert!(a < specs.len() && (a + 1) * stride <= means.len());
        assert!((kind + 1) * stride <= deltas.len());
        // SAFETY: both rows were just checked to lie within their tables.
        unsafe {
            src[g] = src[g].add(kind * stride + HISTORY);
            dst[g] = dst[g].add(a * stride + HISTORY);
        }
        sum[g] = totals[a];
    }
    for i in 0..count {
        for g in 0..N {
            // SAFETY: `i < count` and `HISTORY + count <= stride` keep both within their row;
            // the sums of a group are distinct (`running` lists each once), so are their rows.
            unsafe {
                sum[g] += *src[g].add(i);
                *dst[g].add(i) = sum[g];
            }
        }
    }
    for g in 0..N {
        totals[group[g]] = sum[g];
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
        let mut range_rows = [false; 3];
        let mut kinds_used = [false; KINDS];
        for spec in &specs {
            range_rows[spec.row()] = true;
            kinds_used[spec.kind()] = true;
        }
        let stride = HISTORY + block;
        Self {
            totals: vec![0.0; specs.len()],
            means: vec![f64::NAN; specs.len() * stride],
            ranges: vec![f64::NAN; 3 * stride],
            range_rows,
            deltas: vec![f64::NAN; KINDS * stride],
            kinds_used,
            stride,
            states: vec![State::default(); entries.len()],
            running: Vec::with_capacity(specs.len()),
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
        self.ranges.fill(f64::NAN);
        self.states.fill(State::default());
    }

    /// Compute the range rows some sum reads for candles `[from, to)`.
    fn fill_ranges(&mut self, bars: &Bars<'_>, from: usize, to: usize) {
        let j0 = from - bars.base;
        let count = to - from;
        let o = &bars.open[j0..j0 + count];
        let h = &bars.high[j0..j0 + count];
        let l = &bars.low[j0..j0 + count];
        let c = &bars.close[j0..j0 + count];
        let kinds = [RangeType::RealBody, RangeType::HighLow, RangeType::Shadows];
        for (r, row) in self.ranges.chunks_exact_mut(self.stride).enumerate() {
            if !self.range_rows[r] {
                continue;
            }
            let row = &mut row[HISTORY..HISTORY + count];
            // One monomorphic loop per type so each vectorises.
            macro_rules! fill {
                ($kind:expr) => {
                    for (i, v) in row.iter_mut().enumerate() {
                        *v = $kind.range(o[i], h[i], l[i], c[i]);
                    }
                };
            }
            match kinds[r] {
                RangeType::RealBody => fill!(RangeType::RealBody),
                RangeType::HighLow => fill!(RangeType::HighLow),
                RangeType::Shadows => fill!(RangeType::Shadows),
            }
        }
    }

    /// The delta row of every kind some sum has, for the `count` columns of the block: range
    /// of the candle before each column minus the range `period` candles before that.
    fn fill_deltas(&mut self, count: usize) {
        let stride = self.stride;
        for (q, row) in self.deltas.chunks_exact_mut(stride).enumerate() {
            if !self.kinds_used[q] {
                continue;
            }
            let r = SumSpec {
                range: KIND_RANGE[q],
                period: KIND_PERIOD[q],
                start: 0,
            }
            .row();
            let p = KIND_PERIOD[q];
            let src = &self.ranges[r * stride..(r + 1) * stride];
            let newest = &src[HISTORY - 1..HISTORY - 1 + count];
            let oldest = &src[HISTORY - 1 - p..HISTORY - 1 - p + count];
            let row = &mut row[HISTORY..HISTORY + count];
            for ((d, n), o) in row.iter_mut().zip(newest).zip(oldest) {
                *d = n - o;
            }
        }
    }

    /// Advance every running sum over candles `[from, to)` into the mean table (the ranges of
    /// the block must be computed first).
    fn advance(&mut self, from: usize, to: usize) {
        let stride = self.stride;
        let count = to - from;
        self.running.clear();
        for (a, spec) in self.specs.iter().enumerate() {
            if spec.start < from {
                self.running.push(a);
                continue;
            }
            // Starting in this block (or later): the general path, once per sum.
            let row = spec.row();
            let src = &self.ranges[row * stride..(row + 1) * stride];
            let dst = &mut self.means[a * stride..(a + 1) * stride];
            advance_sum(spec, &mut self.totals[a], src, dst, from, to);
        }
        if !self.running.is_empty() {
            self.fill_deltas(count);
        }
        let mut groups = self.running.chunks_exact(4);
        for group in &mut groups {
            advance_group::<4>(
                group,
                &self.specs,
                &mut self.totals,
                &self.deltas,
                &mut self.means,
                stride,
                count,
            );
        }
        for &a in groups.remainder() {
            advance_group::<1>(
                &[a],
                &self.specs,
                &mut self.totals,
                &self.deltas,
                &mut self.means,
                stride,
                count,
            );
        }
        // A separate pass so the divisions vectorise instead of lengthening the chains.
        for (spec, row) in self.specs.iter().zip(self.means.chunks_exact_mut(stride)) {
            divide(&mut row[HISTORY..HISTORY + count], spec.period as f64);
        }
    }

    /// Keep the last `HISTORY` columns of a block of `count` candles for the next block. The
    /// mean rows hold `total / period` for these columns, as the rules read them.
    fn shift_history(&mut self, count: usize) {
        for table in [&mut self.means, &mut self.ranges] {
            for row in table.chunks_exact_mut(self.stride) {
                row.copy_within(count..count + HISTORY, 0);
            }
        }
    }

    /// Run candles `[from, to)` (at most the engine's block size) for every pattern. Row `p`
    /// of `out` starts at `p * row_len`; candle `t` goes to `row[t - out_offset]`. Cells are
    /// `i16` (every output fits): half the memory of `i32` for a scan's grid to write.
    pub fn run(
        &mut self,
        bars: &Bars<'_>,
        from: usize,
        to: usize,
        out: &mut [i16],
        row_len: usize,
        out_offset: usize,
    ) {
        assert!(
            to - from <= self.stride - HISTORY,
            "block larger than the engine's"
        );
        self.fill_ranges(bars, from, to);
        self.advance(from, to);
        let block = Block {
            bars: *bars,
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
    pub fn run_all(&mut self, bars: &Bars<'_>, len: usize, out: &mut [i16], row_len: usize) {
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
            single: |_, _, _, _| {},
        };
        static B: PatternDef = PatternDef {
            name: "B",
            lower: "b",
            lookback: 11,
            avgs: &[(super::super::settings::BODY_LONG, 1)],
            warmup: 0,
            penetration: None,
            run: |_, _, _, _, _, _| {},
            single: |_, _, _, _| {},
        };
        let engine = Engine::new(&[(&A, 0.0), (&B, 0.0)], 4);
        // BodyLong and BodyShort at start 10 share one sum; B's sum also starts at 10.
        assert_eq!(engine.sum_count(), 1);
    }

    #[test]
    fn divide_is_plain_division() {
        let values: Vec<f64> = (0..37)
            .map(|i| (i as f64 * 0.731).sin() * 1e3 + 1.0 / (i as f64 + 0.3))
            .collect();
        for period in [5.0, 10.0, 3.0] {
            for len in [1, 15, 16, 37] {
                let mut row = values[..len].to_vec();
                divide(&mut row, period);
                for (got, v) in row.iter().zip(&values) {
                    assert_eq!(got.to_bits(), (v / period).to_bits());
                }
            }
        }
    }

    #[test]
    fn every_sum_has_a_kind() {
        let defs: Vec<_> = super::super::PATTERNS.iter().map(|d| (d, 0.0)).collect();
        let engine = Engine::new(&defs, 8);
        for spec in &engine.specs {
            let q = spec.kind();
            assert_eq!((KIND_RANGE[q], KIND_PERIOD[q]), (spec.range, spec.period));
        }
    }

    #[test]
    fn fused_sums_are_one_per_kind_and_shift() {
        use super::super::settings::*;
        // Settings of one kind share its range and period (so they share a fused sum).
        for set in ALL.iter().filter(|s| s.period > 0) {
            let kind = sum_kind(set);
            assert_eq!(KIND_RANGE[kind], set.range, "{}", set.name);
            assert_eq!(KIND_PERIOD[kind], set.period, "{}", set.name);
        }
        let mask = fused_mask(&[(BODY_LONG, 1), (BODY_SHORT, 1), (SHADOW_LONG, 0), (NEAR, 2)]);
        assert_eq!(mask, (1 << 1) | (1 << 12));
    }
}
