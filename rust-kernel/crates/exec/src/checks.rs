//! Pre-trade checks: pure functions over integers, each well under a microsecond.
//!
//! Each returns the value it validated or a [`Reject`] whose code says which rule refused the
//! order and whose text gives the numbers. The engine runs them in this order: rate limit,
//! size precision and minimum size, price precision, minimum and maximum notional, price band.

use crate::error::{Reject, RejectCode};
use crate::fixed::{Amount, Dec};

/// A size on the instrument's lot grid and at least its minimum size, in lots.
#[inline]
pub fn size_precision(quantity: Dec, increment: Dec, min_lots: i64) -> Result<i64, Reject> {
    let lots = quantity.exact_units(increment).ok_or_else(|| {
        Reject::new(
            RejectCode::SizePrecision,
            format!("quantity {quantity} is not a multiple of the size increment {increment}"),
        )
    })?;
    if lots < min_lots.max(1) {
        return Err(Reject::new(
            RejectCode::MinSize,
            format!(
                "quantity {quantity} is below the minimum size ({} lots of {increment})",
                min_lots.max(1)
            ),
        ));
    }
    Ok(lots)
}

/// A price on the instrument's tick grid, in ticks.
#[inline]
pub fn price_precision(field: &str, price: Dec, increment: Dec) -> Result<i64, Reject> {
    match price.exact_units(increment) {
        Some(t) if t > 0 => Ok(t),
        Some(_) => Err(Reject::new(
            RejectCode::PricePrecision,
            format!("{field} {price} must be > 0"),
        )),
        None => Err(Reject::new(
            RejectCode::PricePrecision,
            format!("{field} {price} is not a multiple of the price increment {increment}"),
        )),
    }
}

/// The order's notional within `[min, max]`.
#[inline]
pub fn notional_limits(notional: Amount, min: Amount, max: Option<Amount>) -> Result<(), Reject> {
    if notional < min {
        return Err(Reject::new(
            RejectCode::MinNotional,
            format!("notional {notional} is below the minimum {min}"),
        ));
    }
    if let Some(max) = max {
        if notional > max {
            return Err(Reject::new(
                RejectCode::MaxNotional,
                format!("notional {notional} is above the maximum {max}"),
            ));
        }
    }
    Ok(())
}

/// A price within `band_bps` basis points of the last price (both in ticks).
#[inline]
pub fn price_band(field: &str, price: i64, last: i64, band_bps: i64) -> Result<(), Reject> {
    let diff = (price as i128 - last as i128).abs();
    if diff * 10_000 > band_bps as i128 * last as i128 {
        return Err(Reject::new(
            RejectCode::PriceBand,
            format!(
                "{field} is {} bps from the last price (band {band_bps} bps)",
                diff * 10_000 / (last as i128).max(1)
            ),
        ));
    }
    Ok(())
}

/// A token bucket on the venue clock: `per_second` orders per second, bursts of `burst`.
///
/// Integer arithmetic: tokens are counted in `1 / units_per_second` parts, so a clock in
/// milliseconds refills `per_second` parts per millisecond and one order costs
/// `units_per_second` parts. Time never runs backwards for the bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    per_second: i128,
    capacity: i128,
    units_per_second: i128,
    parts: i128,
    last: Option<i64>,
}

impl TokenBucket {
    pub fn new(per_second: u32, burst: u32, units_per_second: i64) -> TokenBucket {
        let units = units_per_second.max(1) as i128;
        let capacity = burst.max(1) as i128 * units;
        TokenBucket {
            per_second: per_second as i128,
            capacity,
            units_per_second: units,
            parts: capacity,
            last: None,
        }
    }

    /// Take one token at venue time `now`, or refuse.
    #[inline]
    pub fn take(&mut self, now: i64) -> Result<(), Reject> {
        if let Some(last) = self.last {
            if now > last {
                let refill = (now - last) as i128 * self.per_second;
                self.parts = (self.parts + refill).min(self.capacity);
            }
        }
        self.last = Some(self.last.map_or(now, |l| l.max(now)));
        if self.parts < self.units_per_second {
            return Err(Reject::new(
                RejectCode::RateLimit,
                format!(
                    "more than {} orders per second (burst {})",
                    self.per_second,
                    self.capacity / self.units_per_second
                ),
            ));
        }
        self.parts -= self.units_per_second;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        s.parse().unwrap()
    }

    #[test]
    fn size_and_price_precision() {
        assert_eq!(size_precision(d("1.5"), d("0.1"), 0), Ok(15));
        assert_eq!(
            size_precision(d("1.55"), d("0.1"), 0).unwrap_err().code,
            RejectCode::SizePrecision
        );
        assert_eq!(
            size_precision(d("0.2"), d("0.1"), 3).unwrap_err().code,
            RejectCode::MinSize
        );
        assert_eq!(price_precision("price", d("100.05"), d("0.05")), Ok(2001));
        let e = price_precision("price", d("100.07"), d("0.05")).unwrap_err();
        assert_eq!(e.code, RejectCode::PricePrecision);
        assert!(
            e.text.contains("100.07") && e.text.contains("0.05"),
            "{}",
            e.text
        );
    }

    #[test]
    fn notional_and_band() {
        let a = |s: &str| d(s).to_amount().unwrap();
        assert!(notional_limits(a("10"), a("10"), Some(a("100"))).is_ok());
        assert_eq!(
            notional_limits(a("9.99"), a("10"), None).unwrap_err().code,
            RejectCode::MinNotional
        );
        assert_eq!(
            notional_limits(a("100.01"), a("10"), Some(a("100")))
                .unwrap_err()
                .code,
            RejectCode::MaxNotional
        );
        // 5% band around 100.00 (10000 ticks): 105.00 is in, 105.01 out.
        assert!(price_band("price", 10_500, 10_000, 500).is_ok());
        assert!(price_band("price", 9_500, 10_000, 500).is_ok());
        assert_eq!(
            price_band("price", 10_501, 10_000, 500).unwrap_err().code,
            RejectCode::PriceBand
        );
        assert_eq!(
            price_band("price", 9_499, 10_000, 500).unwrap_err().code,
            RejectCode::PriceBand
        );
    }

    #[test]
    fn token_bucket_on_the_venue_clock() {
        // 2 per second, burst 3, clock in ms.
        let mut b = TokenBucket::new(2, 3, 1000);
        for _ in 0..3 {
            assert!(b.take(0).is_ok());
        }
        assert_eq!(b.take(0).unwrap_err().code, RejectCode::RateLimit);
        assert_eq!(b.take(499).unwrap_err().code, RejectCode::RateLimit);
        assert!(b.take(500).is_ok()); // one token after half a second
        assert!(b.take(500).is_err());
        // An earlier timestamp neither refills nor moves the clock back.
        assert!(b.take(100).is_err());
        assert!(b.take(10_000).is_ok());
        assert!(b.take(10_000).is_ok());
        assert!(b.take(10_000).is_ok());
        assert!(b.take(10_000).is_err());
    }
}
