//! One-candle patterns: the doji family, hammers and stars, marubozu, spinning top, long and
//! short lines. Each compares the candle's body and shadows with TA-Lib's averaged thresholds
//! (see `settings.rs`); those with a shift of 1 also look at the previous candle's position.

use super::engine::{pick, Avgs, Ctx, Pattern, State};
use super::settings::*;

pattern! {
    /// Doji: body no larger than 10% of the average range.
    CdlDoji = "CDLDOJI" / "cdldoji", lookback 10, avgs [(BODY_DOJI, 0)], |c, _p| {
        pick(c.body(0) <= c.avg(BODY_DOJI, 0), 100, 0)
    }
}

pattern! {
    /// Dragonfly doji: doji with no upper shadow and a lower shadow that is not very short.
    CdlDragonflyDoji = "CDLDRAGONFLYDOJI" / "cdldragonflydoji", lookback 10,
    avgs [(BODY_DOJI, 0), (SHADOW_VERY_SHORT, 0)], |c, _p| {
        let svs = c.avg(SHADOW_VERY_SHORT, 0);
        pick((c.body(0) <= c.avg(BODY_DOJI, 0)) & (c.upper(0) < svs) & (c.lower(0) > svs), 100, 0)
    }
}

pattern! {
    /// Gravestone doji: doji with no lower shadow and an upper shadow that is not very short.
    CdlGravestoneDoji = "CDLGRAVESTONEDOJI" / "cdlgravestonedoji", lookback 10,
    avgs [(BODY_DOJI, 0), (SHADOW_VERY_SHORT, 0)], |c, _p| {
        let svs = c.avg(SHADOW_VERY_SHORT, 0);
        pick((c.body(0) <= c.avg(BODY_DOJI, 0)) & (c.lower(0) < svs) & (c.upper(0) > svs), 100, 0)
    }
}

pattern! {
    /// Long-legged doji: doji with one long shadow.
    CdlLongLeggedDoji = "CDLLONGLEGGEDDOJI" / "cdllongleggeddoji", lookback 10,
    avgs [(BODY_DOJI, 0), (SHADOW_LONG, 0)], |c, _p| {
        let found = (c.body(0) <= c.avg(BODY_DOJI, 0))
            & ((c.lower(0) > c.avg(SHADOW_LONG, 0)) | (c.upper(0) > c.avg(SHADOW_LONG, 0)));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Rickshaw man: long-legged doji whose body sits near the middle of the range.
    CdlRickshawMan = "CDLRICKSHAWMAN" / "cdlrickshawman", lookback 10,
    avgs [(BODY_DOJI, 0), (SHADOW_LONG, 0), (NEAR, 0)], |c, _p| {
        let mid = c.l(0) + c.hl(0) / 2.0;
        let found = (c.body(0) <= c.avg(BODY_DOJI, 0))
            & (c.lower(0) > c.avg(SHADOW_LONG, 0))
            & (c.upper(0) > c.avg(SHADOW_LONG, 0))
            & (c.bottom(0) <= mid + c.avg(NEAR, 0))
            & (c.top(0) >= mid - c.avg(NEAR, 0));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Takuri: dragonfly doji with a very long lower shadow.
    CdlTakuri = "CDLTAKURI" / "cdltakuri", lookback 10,
    avgs [(BODY_DOJI, 0), (SHADOW_VERY_SHORT, 0), (SHADOW_VERY_LONG, 0)], |c, _p| {
        let found = (c.body(0) <= c.avg(BODY_DOJI, 0))
            & (c.upper(0) < c.avg(SHADOW_VERY_SHORT, 0))
            & (c.lower(0) > c.avg(SHADOW_VERY_LONG, 0));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Hammer: small body, long lower shadow, almost no upper shadow, near the prior low.
    CdlHammer = "CDLHAMMER" / "cdlhammer", lookback 11,
    avgs [(BODY_SHORT, 0), (SHADOW_LONG, 0), (SHADOW_VERY_SHORT, 0), (NEAR, 1)], |c, _p| {
        let found = (c.body(0) < c.avg(BODY_SHORT, 0))
            & (c.lower(0) > c.avg(SHADOW_LONG, 0))
            & (c.upper(0) < c.avg(SHADOW_VERY_SHORT, 0))
            & (c.bottom(0) <= c.l(1) + c.avg(NEAR, 1));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Hanging man: a hammer's shape near the prior candle's high.
    CdlHangingMan = "CDLHANGINGMAN" / "cdlhangingman", lookback 11,
    avgs [(BODY_SHORT, 0), (SHADOW_LONG, 0), (SHADOW_VERY_SHORT, 0), (NEAR, 1)], |c, _p| {
        let found = (c.body(0) < c.avg(BODY_SHORT, 0))
            & (c.lower(0) > c.avg(SHADOW_LONG, 0))
            & (c.upper(0) < c.avg(SHADOW_VERY_SHORT, 0))
            & (c.bottom(0) >= c.h(1) - c.avg(NEAR, 1));
        pick(found, -100, 0)
    }
}

pattern! {
    /// Shooting star: small body, long upper shadow, gapping up from the prior body.
    CdlShootingStar = "CDLSHOOTINGSTAR" / "cdlshootingstar", lookback 11,
    avgs [(BODY_SHORT, 0), (SHADOW_LONG, 0), (SHADOW_VERY_SHORT, 0)], |c, _p| {
        let found = (c.body(0) < c.avg(BODY_SHORT, 0))
            & (c.upper(0) > c.avg(SHADOW_LONG, 0))
            & (c.lower(0) < c.avg(SHADOW_VERY_SHORT, 0))
            & (c.body_gap_up(0, 1));
        pick(found, -100, 0)
    }
}

pattern! {
    /// Inverted hammer: small body, long upper shadow, gapping down from the prior body.
    CdlInvertedHammer = "CDLINVERTEDHAMMER" / "cdlinvertedhammer", lookback 11,
    avgs [(BODY_SHORT, 0), (SHADOW_LONG, 0), (SHADOW_VERY_SHORT, 0)], |c, _p| {
        let found = (c.body(0) < c.avg(BODY_SHORT, 0))
            & (c.upper(0) > c.avg(SHADOW_LONG, 0))
            & (c.lower(0) < c.avg(SHADOW_VERY_SHORT, 0))
            & (c.body_gap_down(0, 1));
        pick(found, 100, 0)
    }
}

pattern! {
    /// Marubozu: long body with (almost) no shadows; the sign is the candle's colour.
    CdlMarubozu = "CDLMARUBOZU" / "cdlmarubozu", lookback 10,
    avgs [(BODY_LONG, 0), (SHADOW_VERY_SHORT, 0)], |c, _p| {
        let svs = c.avg(SHADOW_VERY_SHORT, 0);
        let found = (c.body(0) > c.avg(BODY_LONG, 0)) & (c.upper(0) < svs) & (c.lower(0) < svs);
        pick(found, c.color(0) * 100, 0)
    }
}

pattern! {
    /// Closing marubozu: long body with no shadow on the closing side.
    CdlClosingMarubozu = "CDLCLOSINGMARUBOZU" / "cdlclosingmarubozu", lookback 10,
    avgs [(BODY_LONG, 0), (SHADOW_VERY_SHORT, 0)], |c, _p| {
        let svs = c.avg(SHADOW_VERY_SHORT, 0);
        let found = (c.body(0) > c.avg(BODY_LONG, 0))
            & ((c.white(0) & (c.upper(0) < svs)) | (c.black(0) & (c.lower(0) < svs)));
        pick(found, c.color(0) * 100, 0)
    }
}

pattern! {
    /// Belt hold: long body with no shadow on the opening side.
    CdlBeltHold = "CDLBELTHOLD" / "cdlbelthold", lookback 10,
    avgs [(BODY_LONG, 0), (SHADOW_VERY_SHORT, 0)], |c, _p| {
        let svs = c.avg(SHADOW_VERY_SHORT, 0);
        let found = (c.body(0) > c.avg(BODY_LONG, 0))
            & ((c.white(0) & (c.lower(0) < svs)) | (c.black(0) & (c.upper(0) < svs)));
        pick(found, c.color(0) * 100, 0)
    }
}

pattern! {
    /// Spinning top: small body with both shadows longer than the body.
    CdlSpinningTop = "CDLSPINNINGTOP" / "cdlspinningtop", lookback 10, avgs [(BODY_SHORT, 0)], |c, _p| {
        let body = c.body(0);
        let found = (body < c.avg(BODY_SHORT, 0)) & (c.upper(0) > body) & (c.lower(0) > body);
        pick(found, c.color(0) * 100, 0)
    }
}

pattern! {
    /// High wave: small body with both shadows very long.
    CdlHighWave = "CDLHIGHWAVE" / "cdlhighwave", lookback 10,
    avgs [(BODY_SHORT, 0), (SHADOW_VERY_LONG, 0)], |c, _p| {
        let found = (c.body(0) < c.avg(BODY_SHORT, 0))
            & (c.upper(0) > c.avg(SHADOW_VERY_LONG, 0))
            & (c.lower(0) > c.avg(SHADOW_VERY_LONG, 0));
        pick(found, c.color(0) * 100, 0)
    }
}

pattern! {
    /// Long line: long body with short shadows.
    CdlLongLine = "CDLLONGLINE" / "cdllongline", lookback 10,
    avgs [(BODY_LONG, 0), (SHADOW_SHORT, 0)], |c, _p| {
        let ss = c.avg(SHADOW_SHORT, 0);
        let found = (c.body(0) > c.avg(BODY_LONG, 0)) & (c.upper(0) < ss) & (c.lower(0) < ss);
        pick(found, c.color(0) * 100, 0)
    }
}

pattern! {
    /// Short line: short body with short shadows.
    CdlShortLine = "CDLSHORTLINE" / "cdlshortline", lookback 10,
    avgs [(BODY_SHORT, 0), (SHADOW_SHORT, 0)], |c, _p| {
        let ss = c.avg(SHADOW_SHORT, 0);
        let found = (c.body(0) < c.avg(BODY_SHORT, 0)) & (c.upper(0) < ss) & (c.lower(0) < ss);
        pick(found, c.color(0) * 100, 0)
    }
}
