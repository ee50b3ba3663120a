//! Two-candle patterns: engulfing, harami, piercing and dark cloud, doji star, kicking, the neck
//! and thrusting lines, separating lines, counterattack, homing pigeon, matching low.

use super::engine::{gate, pick, Avgs, Ctx, Pattern, State};
use super::settings::*;

pattern! {
    /// Engulfing: the second body engulfs the first of opposite colour (80 when one end matches).
    CdlEngulfing = "CDLENGULFING" / "cdlengulfing", lookback 2, avgs [], |c, _p| {
        let (o0, c0, o1, c1) = (c.o(0), c.c(0), c.o(1), c.c(1));
        let bull = c.white(0)
            & c.black(1)
            & (((c0 >= o1) & (o0 < c1)) | ((c0 > o1) & (o0 <= c1)));
        let bear = c.black(0)
            & c.white(1)
            & (((o0 >= c1) & (c0 < o1)) | ((o0 > c1) & (c0 <= o1)));
        let strength = pick((o0 != c1) & (c0 != o1), 100, 80);
        pick(bull | bear, c.color(0) * strength, 0)
    }
}

/// Harami body test shared by harami and harami cross: 100 strictly inside, 80 touching.
#[inline(always)]
fn harami_inside<A: Avgs>(c: &Ctx<'_, A>) -> i32 {
    let strict = (c.top(0) < c.top(1)) & (c.bottom(0) > c.bottom(1));
    let touching = (c.top(0) <= c.top(1)) & (c.bottom(0) >= c.bottom(1));
    pick(touching, -c.color(1) * pick(strict, 100, 80), 0)
}

pattern! {
    /// Harami: a long body followed by a short body inside it.
    CdlHarami = "CDLHARAMI" / "cdlharami", lookback 11, avgs [(BODY_LONG, 1), (BODY_SHORT, 0)], |c, _p| {
        let found = (c.body(1) > c.avg(BODY_LONG, 1)) & (c.body(0) <= c.avg(BODY_SHORT, 0));
        pick(found, harami_inside(c), 0)
    }
}

pattern! {
    /// Harami cross: a long body followed by a doji inside it.
    CdlHaramiCross = "CDLHARAMICROSS" / "cdlharamicross", lookback 11, avgs [(BODY_LONG, 1), (BODY_DOJI, 0)], |c, _p| {
        let found = (c.body(1) > c.avg(BODY_LONG, 1)) & (c.body(0) <= c.avg(BODY_DOJI, 0));
        pick(found, harami_inside(c), 0)
    }
}

pattern! {
    /// Piercing: long black, then long white opening below its low and closing above its middle.
    CdlPiercing = "CDLPIERCING" / "cdlpiercing", lookback 11, avgs [(BODY_LONG, 1), (BODY_LONG, 0)], |c, _p| {
        let found = c.black(1)
            & (c.body(1) > c.avg(BODY_LONG, 1))
            & c.white(0)
            & (c.body(0) > c.avg(BODY_LONG, 0))
            & (c.o(0) < c.l(1))
            & (c.c(0) < c.o(1))
            & (c.c(0) > c.c(1) + c.body(1) * 0.5);
        pick(found, 100, 0)
    }
}

pattern! {
    /// Dark cloud cover: long white, then black opening above its high and closing well into it.
    CdlDarkCloudCover = "CDLDARKCLOUDCOVER" / "cdldarkcloudcover", lookback 11, avgs [(BODY_LONG, 1)],
    penetration 0.5, |c, p| {
        let found = c.white(1)
            & (c.body(1) > c.avg(BODY_LONG, 1))
            & c.black(0)
            & (c.o(0) > c.h(1))
            & (c.c(0) > c.o(1))
            & (c.c(0) < c.c(1) - c.body(1) * p);
        pick(found, -100, 0)
    }
}

pattern! {
    /// Doji star: a long body followed by a doji gapping away in its direction.
    CdlDojiStar = "CDLDOJISTAR" / "cdldojistar", lookback 11, avgs [(BODY_LONG, 1), (BODY_DOJI, 0)], |c, _p| {
        let found = (c.body(1) > c.avg(BODY_LONG, 1))
            & (c.body(0) <= c.avg(BODY_DOJI, 0))
            & ((c.white(1) & (c.body_gap_up(0, 1))) | (c.black(1) & (c.body_gap_down(0, 1))));
        pick(found, -c.color(1) * 100, 0)
    }
}

/// Both candles are marubozu of opposite colours with a gap between them.
#[inline(always)]
fn kicking<A: Avgs>(c: &Ctx<'_, A>) -> bool {
    (c.color(1) == -c.color(0))
        & (c.body(1) > c.avg(BODY_LONG, 1))
        & (c.upper(1) < c.avg(SHADOW_VERY_SHORT, 1))
        & (c.lower(1) < c.avg(SHADOW_VERY_SHORT, 1))
        & (c.body(0) > c.avg(BODY_LONG, 0))
        & (c.upper(0) < c.avg(SHADOW_VERY_SHORT, 0))
        & (c.lower(0) < c.avg(SHADOW_VERY_SHORT, 0))
        & ((c.black(1) & c.gap_up(0, 1)) | (c.white(1) & c.gap_down(0, 1)))
}

pattern! {
    /// Kicking: two opposite marubozu with a gap; the sign is the second candle's colour.
    CdlKicking = "CDLKICKING" / "cdlkicking", lookback 11,
    avgs [(BODY_LONG, 1), (SHADOW_VERY_SHORT, 1), (BODY_LONG, 0), (SHADOW_VERY_SHORT, 0)],
    |c, _p| {
        // Gate (see engine.rs): a full gap between the candles.
        if !gate((c.black(1) & c.gap_up(0, 1)) | (c.white(1) & c.gap_down(0, 1))) {
            return 0;
        }
        pick(kicking(c), c.color(0) * 100, 0)
    }
}

pattern! {
    /// Kicking by length: kicking, with the sign of the longer marubozu.
    CdlKickingByLength = "CDLKICKINGBYLENGTH" / "cdlkickingbylength", lookback 11,
    avgs [(BODY_LONG, 1), (SHADOW_VERY_SHORT, 1), (BODY_LONG, 0), (SHADOW_VERY_SHORT, 0)],
    |c, _p| {
        // Gate (see engine.rs): a full gap between the candles.
        if !gate((c.black(1) & c.gap_up(0, 1)) | (c.white(1) & c.gap_down(0, 1))) {
            return 0;
        }
        let longer = pick(c.body(0) > c.body(1), c.color(0), c.color(1));
        pick(kicking(c), longer * 100, 0)
    }
}

pattern! {
    /// Homing pigeon: long black, then a short black body inside it.
    CdlHomingPigeon = "CDLHOMINGPIGEON" / "cdlhomingpigeon", lookback 11, avgs [(BODY_LONG, 1), (BODY_SHORT, 0)],
    |c, _p| {
        let found = c.black(1)
            & c.black(0)
            & (c.body(1) > c.avg(BODY_LONG, 1))
            & (c.body(0) <= c.avg(BODY_SHORT, 0))
            & (c.o(0) < c.o(1))
            & (c.c(0) > c.c(1));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Matching low: two black candles closing at (nearly) the same price.
    CdlMatchingLow = "CDLMATCHINGLOW" / "cdlmatchinglow", lookback 6, avgs [(EQUAL, 1)], |c, _p| {
        let eq = c.avg(EQUAL, 1);
        let found = c.black(1)
            & c.black(0)
            & (c.c(0) <= c.c(1) + eq)
            & (c.c(0) >= c.c(1) - eq);
        pick(found, 100, 0)
    }
}

pattern! {
    /// In-neck: long black, then white opening below its low and closing just into its body.
    CdlInNeck = "CDLINNECK" / "cdlinneck", lookback 11, avgs [(BODY_LONG, 1), (EQUAL, 1)], |c, _p| {
        let found = c.black(1)
            & (c.body(1) > c.avg(BODY_LONG, 1))
            & c.white(0)
            & (c.o(0) < c.l(1))
            & (c.c(0) <= c.c(1) + c.avg(EQUAL, 1))
            & (c.c(0) >= c.c(1));
        pick(found, -100, 0)
    }
}

pattern! {
    /// On-neck: long black, then white opening below its low and closing at its low.
    CdlOnNeck = "CDLONNECK" / "cdlonneck", lookback 11, avgs [(BODY_LONG, 1), (EQUAL, 1)], |c, _p| {
        let found = c.black(1)
            & (c.body(1) > c.avg(BODY_LONG, 1))
            & c.white(0)
            & (c.o(0) < c.l(1))
            & (c.c(0) <= c.l(1) + c.avg(EQUAL, 1))
            & (c.c(0) >= c.l(1) - c.avg(EQUAL, 1));
        pick(found, -100, 0)
    }
}

pattern! {
    /// Thrusting: long black, then white opening below its low and closing under its middle.
    CdlThrusting = "CDLTHRUSTING" / "cdlthrusting", lookback 11, avgs [(BODY_LONG, 1), (EQUAL, 1)], |c, _p| {
        let found = c.black(1)
            & (c.body(1) > c.avg(BODY_LONG, 1))
            & c.white(0)
            & (c.o(0) < c.l(1))
            & (c.c(0) > c.c(1) + c.avg(EQUAL, 1))
            & (c.c(0) <= c.c(1) + c.body(1) * 0.5);
        pick(found, -100, 0)
    }
}

pattern! {
    /// Separating lines: opposite colours opening at the same price, the second a belt hold.
    CdlSeparatingLines = "CDLSEPARATINGLINES" / "cdlseparatinglines", lookback 11,
    avgs [(EQUAL, 1), (BODY_LONG, 0), (SHADOW_VERY_SHORT, 0)], |c, _p| {
        let eq = c.avg(EQUAL, 1);
        let svs = c.avg(SHADOW_VERY_SHORT, 0);
        let found = (c.color(1) == -c.color(0))
            & (c.o(0) <= c.o(1) + eq)
            & (c.o(0) >= c.o(1) - eq)
            & (c.body(0) > c.avg(BODY_LONG, 0))
            & ((c.white(0) & (c.lower(0) < svs)) | (c.black(0) & (c.upper(0) < svs)));
        pick(found, c.color(0) * 100, 0)
    }
}

pattern! {
    /// Counterattack: two long opposite bodies closing at the same price.
    CdlCounterAttack = "CDLCOUNTERATTACK" / "cdlcounterattack", lookback 11,
    avgs [(BODY_LONG, 1), (BODY_LONG, 0), (EQUAL, 1)], |c, _p| {
        let eq = c.avg(EQUAL, 1);
        let found = (c.color(1) == -c.color(0))
            & (c.body(1) > c.avg(BODY_LONG, 1))
            & (c.body(0) > c.avg(BODY_LONG, 0))
            & (c.c(0) <= c.c(1) + eq)
            & (c.c(0) >= c.c(1) - eq);
        pick(found, c.color(0) * 100, 0)
    }
}
