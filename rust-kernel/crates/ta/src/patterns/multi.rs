//! Four- and five-candle patterns (three-line strike, breakaway, concealing baby swallow, ladder
//! bottom, mat hold, rising/falling three methods) and the hikkakes, which remember a pending
//! inside-bar setup for three candles and report its confirmation (+/-200).

use super::engine::{gate, pick, Avgs, Ctx, Pattern, State};
use super::settings::*;

pattern! {
    /// Three-line strike: three candles in a trend, then one opposite candle wiping them out.
    Cdl3LineStrike = "CDL3LINESTRIKE" / "cdl3linestrike", lookback 8, avgs [(NEAR, 3), (NEAR, 2)], |c, _p| {
        let found = (c.color(3) == c.color(2))
            & (c.color(2) == c.color(1))
            & (c.color(0) == -c.color(1))
            & (c.o(2) >= c.bottom(3) - c.avg(NEAR, 3))
            & (c.o(2) <= c.top(3) + c.avg(NEAR, 3))
            & (c.o(1) >= c.bottom(2) - c.avg(NEAR, 2))
            & (c.o(1) <= c.top(2) + c.avg(NEAR, 2))
            & ((c.white(1)
            & (c.c(1) > c.c(2))
            & (c.c(2) > c.c(3))
            & (c.o(0) > c.c(1))
            & (c.c(0) < c.o(3)))
            | (c.black(1)
            & (c.c(1) < c.c(2))
            & (c.c(2) < c.c(3))
            & (c.o(0) < c.c(1))
            & (c.c(0) > c.o(3))));
        pick(found, c.color(1) * 100, 0)
    }
}

pattern! {
    /// Breakaway: a long candle, a gap, three candles drifting on, a reversal into the gap.
    CdlBreakaway = "CDLBREAKAWAY" / "cdlbreakaway", lookback 14, avgs [(BODY_LONG, 4)], |c, _p| {
        let found = (c.body(4) > c.avg(BODY_LONG, 4))
            & (c.color(4) == c.color(3))
            & (c.color(3) == c.color(1))
            & (c.color(1) == -c.color(0))
            & ((c.black(4)
            & (c.body_gap_down(3, 4))
            & (c.h(2) < c.h(3))
            & (c.l(2) < c.l(3))
            & (c.h(1) < c.h(2))
            & (c.l(1) < c.l(2))
            & (c.c(0) > c.o(3))
            & (c.c(0) < c.c(4)))
            | (c.white(4)
            & (c.body_gap_up(3, 4))
            & (c.h(2) > c.h(3))
            & (c.l(2) > c.l(3))
            & (c.h(1) > c.h(2))
            & (c.l(1) > c.l(2))
            & (c.c(0) < c.o(3))
            & (c.c(0) > c.c(4))));
        pick(found, c.color(0) * 100, 0)
    }
}

pattern! {
    /// Concealing baby swallow: two black marubozu, a black gapping down with an upper shadow
    /// into the prior body, a black engulfing it.
    CdlConcealBabysWall = "CDLCONCEALBABYSWALL" / "cdlconcealbabyswall", lookback 13,
    avgs [(SHADOW_VERY_SHORT, 3), (SHADOW_VERY_SHORT, 2), (SHADOW_VERY_SHORT, 1)], |c, _p| {
        // Gate (see engine.rs): four blacks: 1 candle in 16.
        if !gate(c.black(3) & c.black(2) & c.black(1) & c.black(0)) {
            return 0;
        }
        let found = c.black(3)
            & c.black(2)
            & c.black(1)
            & c.black(0)
            & (c.lower(3) < c.avg(SHADOW_VERY_SHORT, 3))
            & (c.upper(3) < c.avg(SHADOW_VERY_SHORT, 3))
            & (c.lower(2) < c.avg(SHADOW_VERY_SHORT, 2))
            & (c.upper(2) < c.avg(SHADOW_VERY_SHORT, 2))
            & (c.body_gap_down(1, 2))
            & (c.upper(1) > c.avg(SHADOW_VERY_SHORT, 1))
            & (c.h(1) > c.c(2))
            & (c.h(0) > c.h(1))
            & (c.l(0) < c.l(1));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Ladder bottom: three falling blacks, a black with an upper shadow, a white gapping up.
    CdlLadderBottom = "CDLLADDERBOTTOM" / "cdlladderbottom", lookback 14, avgs [(SHADOW_VERY_SHORT, 1)], |c, _p| {
        let found = c.black(4)
            & c.black(3)
            & c.black(2)
            & (c.o(4) > c.o(3))
            & (c.o(3) > c.o(2))
            & (c.c(4) > c.c(3))
            & (c.c(3) > c.c(2))
            & c.black(1)
            & (c.upper(1) > c.avg(SHADOW_VERY_SHORT, 1))
            & c.white(0)
            & (c.o(0) > c.o(1))
            & (c.c(0) > c.h(1));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Mat hold: long white, three small candles holding within it after a gap, a white
    /// closing at a new high.
    CdlMatHold = "CDLMATHOLD" / "cdlmathold", lookback 14,
    avgs [(BODY_LONG, 4), (BODY_SHORT, 3), (BODY_SHORT, 2), (BODY_SHORT, 1)],
    penetration 0.5, |c, p| {
        // Gate (see engine.rs): white, black gapping up, ..., white.
        if !gate(c.white(4) & c.black(3) & c.white(0) & c.body_gap_up(3, 4)) {
            return 0;
        }
        let floor = c.c(4) - c.body(4) * p;
        let found = (c.body(4) > c.avg(BODY_LONG, 4))
            & (c.body(3) <= c.avg(BODY_SHORT, 3))
            & (c.body(2) <= c.avg(BODY_SHORT, 2))
            & (c.body(1) <= c.avg(BODY_SHORT, 1))
            & c.white(4)
            & c.black(3)
            & c.white(0)
            & (c.body_gap_up(3, 4))
            & (c.bottom(2) < c.c(4))
            & (c.bottom(1) < c.c(4))
            & (c.bottom(2) > floor)
            & (c.bottom(1) > floor)
            & (c.top(2) < c.o(3))
            & (c.top(1) < c.top(2))
            & (c.o(0) > c.c(1))
            & (c.c(0) > c.h(3).max(c.h(2)).max(c.h(1)));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Rising/falling three methods: long candle, three small opposite ones inside its range,
    /// a long one continuing the trend.
    CdlRiseFall3Methods = "CDLRISEFALL3METHODS" / "cdlrisefall3methods", lookback 14,
    avgs [(BODY_LONG, 4), (BODY_SHORT, 3), (BODY_SHORT, 2), (BODY_SHORT, 1), (BODY_LONG, 0)],
    |c, _p| {
        // Gate (see engine.rs): the colour sequence: 1 candle in 16.
        if !gate((c.color(4) == -c.color(3))
            & (c.color(3) == c.color(2))
            & (c.color(2) == c.color(1))
            & (c.color(1) == -c.color(0))) {
            return 0;
        }
        let dir = c.color(4) as f64;
        let found = (c.body(4) > c.avg(BODY_LONG, 4))
            & (c.body(3) < c.avg(BODY_SHORT, 3))
            & (c.body(2) < c.avg(BODY_SHORT, 2))
            & (c.body(1) < c.avg(BODY_SHORT, 1))
            & (c.body(0) > c.avg(BODY_LONG, 0))
            & (c.color(4) == -c.color(3))
            & (c.color(3) == c.color(2))
            & (c.color(2) == c.color(1))
            & (c.color(1) == -c.color(0))
            & (c.bottom(3) < c.h(4))
            & (c.top(3) > c.l(4))
            & (c.bottom(2) < c.h(4))
            & (c.top(2) > c.l(4))
            & (c.bottom(1) < c.h(4))
            & (c.top(1) > c.l(4))
            & (c.c(2) * dir < c.c(3) * dir)
            & (c.c(1) * dir < c.c(2) * dir)
            & (c.o(0) * dir > c.c(1) * dir)
            & (c.c(0) * dir > c.c(4) * dir);
        pick(found, 100 * c.color(4), 0)
    }
}

/// The confirmation step shared by both hikkakes: within three candles of the setup, a close
/// beyond the high (bullish) or low (bearish) of the candle before the setup's inside bar.
#[inline(always)]
fn hikkake_confirmed<A: Avgs>(c: &Ctx<'_, A>, s: &State) -> bool {
    // `index == 0` means "no pending setup" (TA-Lib resets it to 0 after a confirmation). A
    // pending setup is rare, and only then may the remembered candle be read (streaming keeps
    // a short window), hence the branch.
    let pending = (s.index > 0) & (c.t <= s.index + 3);
    gate(pending)
        && (((s.result > 0) & (c.c(0) > c.high_at(s.index - 1)))
            | ((s.result < 0) & (c.c(0) < c.low_at(s.index - 1))))
}

#[inline(always)]
fn hikkake_step<A: Avgs>(c: &Ctx<'_, A>, s: &mut State, setup: bool) -> i32 {
    if gate(setup) {
        s.result = pick(c.h(0) < c.h(1), 100, -100);
        s.index = c.t;
        s.result
    } else if hikkake_confirmed(c, s) {
        s.index = 0;
        s.result + pick(s.result > 0, 100, -100)
    } else {
        0
    }
}

/// Hikkake: an inside bar followed by a false breakout (+/-100), confirmed later (+/-200).
pub struct CdlHikkake;

impl Pattern for CdlHikkake {
    const NAME: &'static str = "CDLHIKKAKE";
    const LOWER: &'static str = "cdlhikkake";
    const LOOKBACK: usize = 5;
    const AVGS: &'static [(CandleSetting, usize)] = &[];
    const WARMUP: usize = 3;

    #[inline(always)]
    fn eval<A: Avgs>(c: &Ctx<'_, A>, s: &mut State, _p: f64) -> i32 {
        let setup = (c.h(1) < c.h(2))
            & (c.l(1) > c.l(2))
            & (((c.h(0) < c.h(1)) & (c.l(0) < c.l(1))) | ((c.h(0) > c.h(1)) & (c.l(0) > c.l(1))));
        hikkake_step(c, s, setup)
    }
}

/// Modified hikkake: two nested inside bars, the second closing near its extreme, then a false
/// breakout (+/-100), confirmed later (+/-200).
pub struct CdlHikkakeMod;

impl Pattern for CdlHikkakeMod {
    const NAME: &'static str = "CDLHIKKAKEMOD";
    const LOWER: &'static str = "cdlhikkakemod";
    const LOOKBACK: usize = 10;
    const AVGS: &'static [(CandleSetting, usize)] = &[(NEAR, 2)];
    const WARMUP: usize = 3;

    #[inline(always)]
    fn eval<A: Avgs>(c: &Ctx<'_, A>, s: &mut State, _p: f64) -> i32 {
        let nested = (c.h(2) < c.h(3)) & (c.l(2) > c.l(3)) & (c.h(1) < c.h(2)) & (c.l(1) > c.l(2));
        // The average (a division) only for the rare nested inside bars.
        let setup = gate(nested) && {
            let near = c.avg(NEAR, 2);
            ((c.h(0) < c.h(1)) & (c.l(0) < c.l(1)) & (c.c(2) <= c.l(2) + near))
                | ((c.h(0) > c.h(1)) & (c.l(0) > c.l(1)) & (c.c(2) >= c.h(2) - near))
        };
        hikkake_step(c, s, setup)
    }
}
