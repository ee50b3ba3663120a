//! Three-candle patterns: the stars, soldiers and crows, three inside/outside, tri-star, the gap
//! patterns (tasuki, side-by-side white, upside gap two crows, X-side gap three methods), stick
//! sandwich, unique three river, three stars in the south, advance block and stalled pattern.

use super::engine::{gate, pick, Avgs, Ctx, Pattern, State};
use super::settings::*;

pattern! {
    /// Morning star: long black, a short body gapping down, a white closing well into the first.
    CdlMorningStar = "CDLMORNINGSTAR" / "cdlmorningstar", lookback 12,
    avgs [(BODY_LONG, 2), (BODY_SHORT, 1), (BODY_SHORT, 0)], penetration 0.3, |c, p| {
        let found = c.black(2)
            & c.white(0)
            & (c.body_gap_down(1, 2))
            & (c.c(0) > c.c(2) + c.body(2) * p)
            & (c.body(2) > c.avg(BODY_LONG, 2))
            & (c.body(1) <= c.avg(BODY_SHORT, 1))
            & (c.body(0) > c.avg(BODY_SHORT, 0));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Evening star: long white, a short body gapping up, a black closing well into the first.
    CdlEveningStar = "CDLEVENINGSTAR" / "cdleveningstar", lookback 12,
    avgs [(BODY_LONG, 2), (BODY_SHORT, 1), (BODY_SHORT, 0)], penetration 0.3, |c, p| {
        let found = c.white(2)
            & c.black(0)
            & (c.body_gap_up(1, 2))
            & (c.c(0) < c.c(2) - c.body(2) * p)
            & (c.body(2) > c.avg(BODY_LONG, 2))
            & (c.body(1) <= c.avg(BODY_SHORT, 1))
            & (c.body(0) > c.avg(BODY_SHORT, 0));
        pick(found, -100, 0)
    }
}

pattern! {
    /// Morning doji star: a morning star whose middle candle is a doji.
    CdlMorningDojiStar = "CDLMORNINGDOJISTAR" / "cdlmorningdojistar", lookback 12,
    avgs [(BODY_LONG, 2), (BODY_DOJI, 1), (BODY_SHORT, 0)], penetration 0.3, |c, p| {
        let found = (c.body(2) > c.avg(BODY_LONG, 2))
            & c.black(2)
            & (c.body(1) <= c.avg(BODY_DOJI, 1))
            & (c.body_gap_down(1, 2))
            & (c.body(0) > c.avg(BODY_SHORT, 0))
            & c.white(0)
            & (c.c(0) > c.c(2) + c.body(2) * p);
        pick(found, 100, 0)
    }
}

pattern! {
    /// Evening doji star: an evening star whose middle candle is a doji.
    CdlEveningDojiStar = "CDLEVENINGDOJISTAR" / "cdleveningdojistar", lookback 12,
    avgs [(BODY_LONG, 2), (BODY_DOJI, 1), (BODY_SHORT, 0)], penetration 0.3, |c, p| {
        let found = (c.body(2) > c.avg(BODY_LONG, 2))
            & c.white(2)
            & (c.body(1) <= c.avg(BODY_DOJI, 1))
            & (c.body_gap_up(1, 2))
            & (c.body(0) > c.avg(BODY_SHORT, 0))
            & c.black(0)
            & (c.c(0) < c.c(2) - c.body(2) * p);
        pick(found, -100, 0)
    }
}

pattern! {
    /// Abandoned baby: long body, a doji gapping away (shadows included), a reversal gapping back.
    CdlAbandonedBaby = "CDLABANDONEDBABY" / "cdlabandonedbaby", lookback 12,
    avgs [(BODY_LONG, 2), (BODY_DOJI, 1), (BODY_SHORT, 0)], penetration 0.3, |c, p| {
        let found = (c.body(2) > c.avg(BODY_LONG, 2))
            & (c.body(1) <= c.avg(BODY_DOJI, 1))
            & (c.body(0) > c.avg(BODY_SHORT, 0))
            & ((c.white(2)
            & c.black(0)
            & (c.c(0) < c.c(2) - c.body(2) * p)
            & (c.gap_up(1, 2))
            & (c.gap_down(0, 1)))
            | (c.black(2)
            & c.white(0)
            & (c.c(0) > c.c(2) + c.body(2) * p)
            & (c.gap_down(1, 2))
            & (c.gap_up(0, 1))));
        pick(found, c.color(0) * 100, 0)
    }
}

pattern! {
    /// Three white soldiers: three rising whites, each opening within the prior body, short
    /// upper shadows, not shrinking much.
    Cdl3WhiteSoldiers = "CDL3WHITESOLDIERS" / "cdl3whitesoldiers", lookback 12,
    avgs [
        (SHADOW_VERY_SHORT, 2), (SHADOW_VERY_SHORT, 1), (SHADOW_VERY_SHORT, 0),
        (NEAR, 2), (NEAR, 1), (FAR, 2), (FAR, 1), (BODY_SHORT, 0)
    ], |c, _p| {
        // Gate (see engine.rs): three whites closing higher.
        if !gate(c.white(2)
            & c.white(1)
            & c.white(0)
            & (c.c(0) > c.c(1))
            & (c.c(1) > c.c(2))) {
            return 0;
        }
        let found = c.white(2)
            & (c.upper(2) < c.avg(SHADOW_VERY_SHORT, 2))
            & c.white(1)
            & (c.upper(1) < c.avg(SHADOW_VERY_SHORT, 1))
            & c.white(0)
            & (c.upper(0) < c.avg(SHADOW_VERY_SHORT, 0))
            & (c.c(0) > c.c(1))
            & (c.c(1) > c.c(2))
            & (c.o(1) > c.o(2))
            & (c.o(1) <= c.c(2) + c.avg(NEAR, 2))
            & (c.o(0) > c.o(1))
            & (c.o(0) <= c.c(1) + c.avg(NEAR, 1))
            & (c.body(1) > c.body(2) - c.avg(FAR, 2))
            & (c.body(0) > c.body(1) - c.avg(FAR, 1))
            & (c.body(0) > c.avg(BODY_SHORT, 0));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Three black crows: after a white, three falling blacks opening within the prior body and
    /// closing near their lows.
    Cdl3BlackCrows = "CDL3BLACKCROWS" / "cdl3blackcrows", lookback 13,
    avgs [(SHADOW_VERY_SHORT, 2), (SHADOW_VERY_SHORT, 1), (SHADOW_VERY_SHORT, 0)], |c, _p| {
        // Gate (see engine.rs): a white then three blacks closing lower.
        if !gate(c.white(3)
            & c.black(2)
            & c.black(1)
            & c.black(0)
            & (c.c(2) > c.c(1))
            & (c.c(1) > c.c(0))) {
            return 0;
        }
        let found = c.white(3)
            & c.black(2)
            & (c.lower(2) < c.avg(SHADOW_VERY_SHORT, 2))
            & c.black(1)
            & (c.lower(1) < c.avg(SHADOW_VERY_SHORT, 1))
            & c.black(0)
            & (c.lower(0) < c.avg(SHADOW_VERY_SHORT, 0))
            & (c.o(1) < c.o(2))
            & (c.o(1) > c.c(2))
            & (c.o(0) < c.o(1))
            & (c.o(0) > c.c(1))
            & (c.h(3) > c.c(2))
            & (c.c(2) > c.c(1))
            & (c.c(1) > c.c(0));
        pick(found, -100, 0)
    }
}

pattern! {
    /// Three inside up/down: a harami confirmed by a third candle closing beyond the first open.
    Cdl3Inside = "CDL3INSIDE" / "cdl3inside", lookback 12, avgs [(BODY_LONG, 2), (BODY_SHORT, 1)], |c, _p| {
        let found = (c.body(2) > c.avg(BODY_LONG, 2))
            & (c.body(1) <= c.avg(BODY_SHORT, 1))
            & (c.top(1) < c.top(2))
            & (c.bottom(1) > c.bottom(2))
            & ((c.white(2) & c.black(0) & (c.c(0) < c.o(2)))
            | (c.black(2) & c.white(0) & (c.c(0) > c.o(2))));
        pick(found, -c.color(2) * 100, 0)
    }
}

pattern! {
    /// Three outside up/down: an engulfing confirmed by a third candle closing further.
    Cdl3Outside = "CDL3OUTSIDE" / "cdl3outside", lookback 3, avgs [], |c, _p| {
        let found = (c.white(1)
            & c.black(2)
            & (c.c(1) > c.o(2))
            & (c.o(1) < c.c(2))
            & (c.c(0) > c.c(1)))
            | (c.black(1)
            & c.white(2)
            & (c.o(1) > c.c(2))
            & (c.c(1) < c.o(2))
            & (c.c(0) < c.c(1)));
        pick(found, c.color(1) * 100, 0)
    }
}

pattern! {
    /// Tri-star: three dojis, the middle one gapping away from both.
    CdlTristar = "CDLTRISTAR" / "cdltristar", lookback 12, avgs [(BODY_DOJI, 2)], |c, _p| {
        let doji = c.avg(BODY_DOJI, 2);
        let dojis = (c.body(2) <= doji) & (c.body(1) <= doji) & (c.body(0) <= doji);
        let up = c.body_gap_up(1, 2) & (c.top(0) < c.top(1));
        let down = c.body_gap_down(1, 2) & (c.bottom(0) > c.bottom(1));
        // TA-Lib tests "up" then "down", so a (degenerate) candle meeting both reads +100.
        pick(dojis, pick(down, 100, pick(up, -100, 0)), 0)
    }
}

pattern! {
    /// Two crows: long white, a black gapping up, a black closing into the white body.
    Cdl2Crows = "CDL2CROWS" / "cdl2crows", lookback 12, avgs [(BODY_LONG, 2)], |c, _p| {
        let found = c.white(2)
            & (c.body(2) > c.avg(BODY_LONG, 2))
            & c.black(1)
            & (c.body_gap_up(1, 2))
            & c.black(0)
            & (c.o(0) < c.o(1))
            & (c.o(0) > c.c(1))
            & (c.c(0) > c.o(2))
            & (c.c(0) < c.c(2));
        pick(found, -100, 0)
    }
}

pattern! {
    /// Upside gap two crows: long white, a short black gapping up, a black engulfing it but
    /// still above the white's close.
    CdlUpsideGap2Crows = "CDLUPSIDEGAP2CROWS" / "cdlupsidegap2crows", lookback 12,
    avgs [(BODY_LONG, 2), (BODY_SHORT, 1)], |c, _p| {
        let found = c.white(2)
            & (c.body(2) > c.avg(BODY_LONG, 2))
            & c.black(1)
            & (c.body(1) <= c.avg(BODY_SHORT, 1))
            & (c.body_gap_up(1, 2))
            & c.black(0)
            & (c.o(0) > c.o(1))
            & (c.c(0) < c.c(1))
            & (c.c(0) > c.c(2));
        pick(found, -100, 0)
    }
}

pattern! {
    /// Identical three crows: three falling blacks, each opening at the prior close.
    CdlIdentical3Crows = "CDLIDENTICAL3CROWS" / "cdlidentical3crows", lookback 12,
    avgs [
        (SHADOW_VERY_SHORT, 2), (SHADOW_VERY_SHORT, 1), (SHADOW_VERY_SHORT, 0),
        (EQUAL, 2), (EQUAL, 1)
    ], |c, _p| {
        // Gate (see engine.rs): three blacks closing lower.
        if !gate(c.black(2)
            & c.black(1)
            & c.black(0)
            & (c.c(2) > c.c(1))
            & (c.c(1) > c.c(0))) {
            return 0;
        }
        let found = c.black(2)
            & (c.lower(2) < c.avg(SHADOW_VERY_SHORT, 2))
            & c.black(1)
            & (c.lower(1) < c.avg(SHADOW_VERY_SHORT, 1))
            & c.black(0)
            & (c.lower(0) < c.avg(SHADOW_VERY_SHORT, 0))
            & (c.c(2) > c.c(1))
            & (c.c(1) > c.c(0))
            & (c.o(1) <= c.c(2) + c.avg(EQUAL, 2))
            & (c.o(1) >= c.c(2) - c.avg(EQUAL, 2))
            & (c.o(0) <= c.c(1) + c.avg(EQUAL, 1))
            & (c.o(0) >= c.c(1) - c.avg(EQUAL, 1));
        pick(found, -100, 0)
    }
}

pattern! {
    /// Unique three river: long black, a black hammer-like candle with a new low, a small white.
    CdlUnique3River = "CDLUNIQUE3RIVER" / "cdlunique3river", lookback 12,
    avgs [(BODY_LONG, 2), (BODY_SHORT, 0)], |c, _p| {
        let found = (c.body(2) > c.avg(BODY_LONG, 2))
            & c.black(2)
            & c.black(1)
            & (c.c(1) > c.c(2))
            & (c.o(1) <= c.o(2))
            & (c.l(1) < c.l(2))
            & (c.body(0) < c.avg(BODY_SHORT, 0))
            & c.white(0)
            & (c.o(0) > c.l(1));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Three stars in the south: three shrinking blacks with rising lows, the last a marubozu.
    Cdl3StarsInSouth = "CDL3STARSINSOUTH" / "cdl3starsinsouth", lookback 12,
    avgs [
        (BODY_LONG, 2), (SHADOW_LONG, 2), (SHADOW_VERY_SHORT, 1), (BODY_SHORT, 0),
        (SHADOW_VERY_SHORT, 0)
    ], |c, _p| {
        // Gate (see engine.rs): three blacks with rising lows.
        if !gate(c.black(2)
            & c.black(1)
            & c.black(0)
            & (c.l(1) >= c.l(2))
            & (c.l(0) > c.l(1))) {
            return 0;
        }
        let found = c.black(2)
            & c.black(1)
            & c.black(0)
            & (c.body(2) > c.avg(BODY_LONG, 2))
            & (c.lower(2) > c.avg(SHADOW_LONG, 2))
            & (c.body(1) < c.body(2))
            & (c.o(1) > c.c(2))
            & (c.o(1) <= c.h(2))
            & (c.l(1) < c.c(2))
            & (c.l(1) >= c.l(2))
            & (c.lower(1) > c.avg(SHADOW_VERY_SHORT, 1))
            & (c.body(0) < c.avg(BODY_SHORT, 0))
            & (c.lower(0) < c.avg(SHADOW_VERY_SHORT, 0))
            & (c.upper(0) < c.avg(SHADOW_VERY_SHORT, 0))
            & (c.l(0) > c.l(1))
            & (c.h(0) < c.h(1));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Advance block: three rising whites losing strength (shrinking bodies or long upper
    /// shadows).
    CdlAdvanceBlock = "CDLADVANCEBLOCK" / "cdladvanceblock", lookback 12,
    avgs [
        (NEAR, 2), (NEAR, 1), (FAR, 2), (FAR, 1), (BODY_LONG, 2), (SHADOW_SHORT, 2),
        (SHADOW_SHORT, 1), (SHADOW_SHORT, 0), (SHADOW_LONG, 0)
    ], |c, _p| {
        // Gate (see engine.rs): three whites closing higher.
        if !gate(c.white(2)
            & c.white(1)
            & c.white(0)
            & (c.c(0) > c.c(1))
            & (c.c(1) > c.c(2))) {
            return 0;
        }
        let found = c.white(2)
            & c.white(1)
            & c.white(0)
            & (c.c(0) > c.c(1))
            & (c.c(1) > c.c(2))
            & (c.o(1) > c.o(2))
            & (c.o(1) <= c.c(2) + c.avg(NEAR, 2))
            & (c.o(0) > c.o(1))
            & (c.o(0) <= c.c(1) + c.avg(NEAR, 1))
            & (c.body(2) > c.avg(BODY_LONG, 2))
            & (c.upper(2) < c.avg(SHADOW_SHORT, 2))
            & (((c.body(1) < c.body(2) - c.avg(FAR, 2))
            & (c.body(0) < c.body(1) + c.avg(NEAR, 1)))
            | (c.body(0) < c.body(1) - c.avg(FAR, 1))
            | ((c.body(0) < c.body(1))
            & (c.body(1) < c.body(2))
            & ((c.upper(0) > c.avg(SHADOW_SHORT, 0))
            | (c.upper(1) > c.avg(SHADOW_SHORT, 1))))
            | ((c.body(0) < c.body(1)) & (c.upper(0) > c.avg(SHADOW_LONG, 0))));
        pick(found, -100, 0)
    }
}

pattern! {
    /// Stalled pattern: two long rising whites, then a small white near the second's close.
    CdlStalledPattern = "CDLSTALLEDPATTERN" / "cdlstalledpattern", lookback 12,
    avgs [
        (BODY_LONG, 2), (BODY_LONG, 1), (SHADOW_VERY_SHORT, 1), (NEAR, 2), (BODY_SHORT, 0),
        (NEAR, 1)
    ], |c, _p| {
        // Gate (see engine.rs): three whites closing higher.
        if !gate(c.white(2)
            & c.white(1)
            & c.white(0)
            & (c.c(0) > c.c(1))
            & (c.c(1) > c.c(2))) {
            return 0;
        }
        let found = c.white(2)
            & c.white(1)
            & c.white(0)
            & (c.c(0) > c.c(1))
            & (c.c(1) > c.c(2))
            & (c.body(2) > c.avg(BODY_LONG, 2))
            & (c.body(1) > c.avg(BODY_LONG, 1))
            & (c.upper(1) < c.avg(SHADOW_VERY_SHORT, 1))
            & (c.o(1) > c.o(2))
            & (c.o(1) <= c.c(2) + c.avg(NEAR, 2))
            & (c.body(0) < c.avg(BODY_SHORT, 0))
            & (c.o(0) >= c.c(1) - c.body(0) - c.avg(NEAR, 1));
        pick(found, -100, 0)
    }
}

pattern! {
    /// Tasuki gap: a gap in the trend, then two opposite candles of similar size, the second
    /// not closing the gap.
    CdlTasukiGap = "CDLTASUKIGAP" / "cdltasukigap", lookback 7, avgs [(NEAR, 1)], |c, _p| {
        let similar = (c.body(1) - c.body(0)).abs() < c.avg(NEAR, 1);
        let found = ((c.body_gap_up(1, 2))
            & c.white(1)
            & c.black(0)
            & (c.o(0) < c.c(1))
            & (c.o(0) > c.o(1))
            & (c.c(0) < c.o(1))
            & (c.c(0) > c.top(2))
            & (similar))
            | ((c.body_gap_down(1, 2))
            & c.black(1)
            & c.white(0)
            & (c.o(0) < c.o(1))
            & (c.o(0) > c.c(1))
            & (c.c(0) > c.o(1))
            & (c.c(0) < c.bottom(2))
            & (similar));
        pick(found, c.color(1) * 100, 0)
    }
}

pattern! {
    /// Up/down-gap side-by-side white lines: two similar whites after a gap.
    CdlGapSideSideWhite = "CDLGAPSIDESIDEWHITE" / "cdlgapsidesidewhite", lookback 7, avgs [(NEAR, 1), (EQUAL, 1)],
    |c, _p| {
        let gaps = (c.body_gap_up(1, 2) & c.body_gap_up(0, 2))
            | (c.body_gap_down(1, 2) & c.body_gap_down(0, 2));
        let similar = c.white(1)
            & c.white(0)
            & (c.body(0) >= c.body(1) - c.avg(NEAR, 1))
            & (c.body(0) <= c.body(1) + c.avg(NEAR, 1))
            & (c.o(0) >= c.o(1) - c.avg(EQUAL, 1))
            & (c.o(0) <= c.o(1) + c.avg(EQUAL, 1));
        pick(gaps & similar, pick(c.body_gap_up(1, 2), 100, -100), 0)
    }
}

pattern! {
    /// Stick sandwich: black, white trading above its close, black closing at the first close.
    CdlStickSandwich = "CDLSTICKSANDWICH" / "cdlsticksandwich", lookback 7, avgs [(EQUAL, 2)], |c, _p| {
        let found = c.black(2)
            & c.white(1)
            & c.black(0)
            & (c.l(1) > c.c(2))
            & (c.c(0) <= c.c(2) + c.avg(EQUAL, 2))
            & (c.c(0) >= c.c(2) - c.avg(EQUAL, 2));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Upside/downside gap three methods: two candles gapping in the trend, a third of opposite
    /// colour closing the gap.
    CdlXSideGap3Methods = "CDLXSIDEGAP3METHODS" / "cdlxsidegap3methods", lookback 2, avgs [], |c, _p| {
        let found = (c.color(2) == c.color(1))
            & (c.color(0) == -c.color(1))
            & (c.o(0) < c.top(1))
            & (c.o(0) > c.bottom(1))
            & (c.c(0) < c.top(2))
            & (c.c(0) > c.bottom(2))
            & ((c.white(2) & (c.body_gap_up(1, 2))) | (c.black(2) & (c.body_gap_down(1, 2))));
        pick(found, c.color(2) * 100, 0)
    }
}
