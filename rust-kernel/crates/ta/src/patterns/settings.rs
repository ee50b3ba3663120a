//! TA-Lib's candle settings (`TA_CandleSettings` defaults) and the candle measurements they use.
//!
//! A pattern never compares a candle with a fixed number: "long body" means "longer than the
//! average body of the previous N candles, times a factor". Each setting names what is averaged
//! (real body, high-low range or the two shadows), over how many previous candles, and the factor.
//! An average period of 0 means "this candle's own range", which is how TA-Lib expresses
//! "shadow longer than the body" (`ShadowLong`). The values are TA-Lib's defaults so the outputs
//! are identical to `talib.CDL*`.

/// What a setting averages over the previous candles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RangeType {
    /// `|close - open|`.
    RealBody,
    /// `high - low`.
    HighLow,
    /// Upper plus lower shadow; its average is halved (one shadow's worth).
    Shadows,
}

impl RangeType {
    /// The candle's range of this type, written exactly as TA-Lib's `TA_CANDLERANGE` macro so
    /// rounding (and NaN behaviour) is identical.
    #[inline(always)]
    pub fn range(self, o: f64, h: f64, l: f64, c: f64) -> f64 {
        match self {
            Self::RealBody => (c - o).abs(),
            Self::HighLow => h - l,
            Self::Shadows => {
                let upper = h - if c >= o { c } else { o };
                let lower = (if c >= o { o } else { c }) - l;
                upper + lower
            }
        }
    }

    /// TA-Lib divides a `Shadows` average by 2 and any other by 1.
    #[inline(always)]
    pub fn divisor(self) -> f64 {
        match self {
            Self::Shadows => 2.0,
            _ => 1.0,
        }
    }
}

/// One candle setting: `factor * average(range over the previous avg_period candles)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CandleSetting {
    /// Position in [`ALL`] (TA-Lib's `TA_CandleSettingType` order).
    pub id: usize,
    pub name: &'static str,
    pub range: RangeType,
    pub period: usize,
    pub factor: f64,
}

const fn setting(
    id: usize,
    name: &'static str,
    range: RangeType,
    period: usize,
    factor: f64,
) -> CandleSetting {
    CandleSetting {
        id,
        name,
        range,
        period,
        factor,
    }
}

use RangeType::{HighLow, RealBody, Shadows};

/// Real body longer than the average body of the previous 10 candles.
pub const BODY_LONG: CandleSetting = setting(0, "BodyLong", RealBody, 10, 1.0);
/// Real body longer than 3 times the average body of the previous 10 candles.
pub const BODY_VERY_LONG: CandleSetting = setting(1, "BodyVeryLong", RealBody, 10, 3.0);
/// Real body shorter than the average body of the previous 10 candles.
pub const BODY_SHORT: CandleSetting = setting(2, "BodyShort", RealBody, 10, 1.0);
/// Real body under 10% of the average high-low range of the previous 10 candles.
pub const BODY_DOJI: CandleSetting = setting(3, "BodyDoji", HighLow, 10, 0.1);
/// Shadow longer than the candle's own real body.
pub const SHADOW_LONG: CandleSetting = setting(4, "ShadowLong", RealBody, 0, 1.0);
/// Shadow longer than twice the candle's own real body.
pub const SHADOW_VERY_LONG: CandleSetting = setting(5, "ShadowVeryLong", RealBody, 0, 2.0);
/// Shadow shorter than half the average of the previous 10 candles' shadow sums.
pub const SHADOW_SHORT: CandleSetting = setting(6, "ShadowShort", Shadows, 10, 1.0);
/// Shadow under 10% of the average high-low range of the previous 10 candles.
pub const SHADOW_VERY_SHORT: CandleSetting = setting(7, "ShadowVeryShort", HighLow, 10, 0.1);
/// "Near": 20% of the average high-low range of the previous 5 candles.
pub const NEAR: CandleSetting = setting(8, "Near", HighLow, 5, 0.2);
/// "Far": 60% of the average high-low range of the previous 5 candles.
pub const FAR: CandleSetting = setting(9, "Far", HighLow, 5, 0.6);
/// "Equal": 5% of the average high-low range of the previous 5 candles.
pub const EQUAL: CandleSetting = setting(10, "Equal", HighLow, 5, 0.05);

/// Every setting, in TA-Lib's `TA_CandleSettingType` order.
pub const ALL: [CandleSetting; 11] = [
    BODY_LONG,
    BODY_VERY_LONG,
    BODY_SHORT,
    BODY_DOJI,
    SHADOW_LONG,
    SHADOW_VERY_LONG,
    SHADOW_SHORT,
    SHADOW_VERY_SHORT,
    NEAR,
    FAR,
    EQUAL,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_talib_macros() {
        // white candle o=1 c=3 h=4 l=0: body 2, range 4, shadows 1 + 1
        assert_eq!(RealBody.range(1.0, 4.0, 0.0, 3.0), 2.0);
        assert_eq!(HighLow.range(1.0, 4.0, 0.0, 3.0), 4.0);
        assert_eq!(Shadows.range(1.0, 4.0, 0.0, 3.0), 2.0);
        // black candle o=3 c=1: same shadows
        assert_eq!(Shadows.range(3.0, 4.0, 0.0, 1.0), 2.0);
        assert_eq!(Shadows.divisor(), 2.0);
        assert_eq!(HighLow.divisor(), 1.0);
    }

    #[test]
    fn defaults_are_talibs() {
        assert_eq!(ALL.len(), 11);
        assert_eq!(SHADOW_LONG.period, 0);
        assert_eq!(EQUAL.factor, 0.05);
        assert!(ALL.iter().all(|s| s.factor > 0.0));
        assert!(ALL.iter().enumerate().all(|(i, s)| s.id == i));
    }
}
