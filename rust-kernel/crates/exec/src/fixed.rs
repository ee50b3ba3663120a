//! Exact numbers: decimals parsed from text, integer ticks and lots, and booked amounts.
//!
//! Nothing booked is a float. Prices are `i64` ticks of an instrument's price increment, sizes
//! `i64` lots of its size increment, and every booked amount (cash, fees, cost basis, PnL) is an
//! [`Amount`]: an `i128` count of 10^-18 units of its currency. A notional `ticks * lots` is
//! exact at that scale because an instrument's two increments together have at most 18 decimal
//! places (checked when the instrument is created). Fees, margin and slippage are rounded
//! *against the trader* (up for what the trader pays), never to nearest.

use std::fmt;
use std::str::FromStr;

/// Decimal places of an [`Amount`].
pub const AMOUNT_DP: u32 = 18;
/// Largest scale a [`Dec`] may carry.
pub const MAX_SCALE: u32 = 18;

/// `10^n` for `n <= 38`.
pub const fn pow10(n: u32) -> i128 {
    let mut v: i128 = 1;
    let mut i = 0;
    while i < n {
        v *= 10;
        i += 1;
    }
    v
}

/// An exact decimal `mant / 10^scale` with `scale <= 18` and no trailing zeros in the fraction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dec {
    pub mant: i128,
    pub scale: u32,
}

/// Why a text is not a decimal this crate accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseDecError(pub String);

impl fmt::Display for ParseDecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Dec {
    pub const ZERO: Dec = Dec { mant: 0, scale: 0 };
    pub const ONE: Dec = Dec { mant: 1, scale: 0 };

    /// `mant / 10^scale`, normalised (trailing zeros removed).
    pub fn new(mant: i128, scale: u32) -> Dec {
        let mut d = Dec { mant, scale };
        while d.scale > 0 && d.mant % 10 == 0 {
            d.mant /= 10;
            d.scale -= 1;
        }
        if d.mant == 0 {
            d.scale = 0;
        }
        d
    }

    pub fn from_int(v: i64) -> Dec {
        Dec::new(v as i128, 0)
    }

    pub fn is_positive(self) -> bool {
        self.mant > 0
    }

    pub fn is_negative(self) -> bool {
        self.mant < 0
    }

    /// Both values on the scale `max(a.scale, b.scale)`; `None` on overflow.
    fn aligned(self, other: Dec) -> Option<(i128, i128, u32)> {
        let s = self.scale.max(other.scale);
        let a = self.mant.checked_mul(pow10(s - self.scale))?;
        let b = other.mant.checked_mul(pow10(s - other.scale))?;
        Some((a, b, s))
    }

    /// How many `inc` make `self`, if that is a whole number that fits an `i64`.
    pub fn exact_units(self, inc: Dec) -> Option<i64> {
        let (a, b, _) = self.aligned(inc)?;
        if b <= 0 || a % b != 0 {
            return None;
        }
        i64::try_from(a / b).ok()
    }

    /// `self / inc` rounded to a whole number of units with `mode`; `None` on overflow.
    pub fn round_units(self, inc: Dec, mode: Round) -> Option<i64> {
        let (a, b, _) = self.aligned(inc)?;
        if b <= 0 {
            return None;
        }
        i64::try_from(div_round(a, b, mode)?).ok()
    }

    /// The value as an [`Amount`] (exact: `scale <= 18`).
    pub fn to_amount(self) -> Option<Amount> {
        self.mant
            .checked_mul(pow10(AMOUNT_DP - self.scale))
            .map(Amount)
    }

    /// Compare two decimals.
    pub fn cmp_value(self, other: Dec) -> std::cmp::Ordering {
        match self.aligned(other) {
            Some((a, b, _)) => a.cmp(&b),
            None => (self.mant.signum()).cmp(&other.mant.signum()),
        }
    }

    /// Parse a float through its shortest round-trip text, so `0.1` is exactly `0.1`.
    pub fn from_f64(v: f64) -> Result<Dec, ParseDecError> {
        if !v.is_finite() {
            return Err(ParseDecError(format!("must be a finite number, got {v}")));
        }
        format!("{v}").parse()
    }
}

impl FromStr for Dec {
    type Err = ParseDecError;

    /// Plain decimal text: optional sign, digits, optional fraction, optional exponent.
    fn from_str(text: &str) -> Result<Dec, ParseDecError> {
        let bad = || ParseDecError(format!("must be a decimal number, got {text:?}"));
        let s = text.trim();
        let (neg, body) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (num, exp) = match body.find(['e', 'E']) {
            Some(i) => {
                let e: i32 = body[i + 1..].parse().map_err(|_| bad())?;
                (&body[..i], e)
            }
            None => (body, 0),
        };
        let (int_part, frac_part) = match num.find('.') {
            Some(i) => (&num[..i], &num[i + 1..]),
            None => (num, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad());
        }
        let mut mant: i128 = 0;
        let mut digits = 0u32;
        for c in int_part.bytes().chain(frac_part.bytes()) {
            if !c.is_ascii_digit() {
                return Err(bad());
            }
            if mant == 0 && c == b'0' {
                continue;
            }
            digits += 1;
            if digits > 36 {
                return Err(ParseDecError(format!("has too many digits: {text:?}")));
            }
            mant = mant * 10 + (c - b'0') as i128;
        }
        let mut scale = frac_part.len() as i64 - exp as i64;
        // Drop trailing zeros of the fraction first, so "1.500000000000000000000" is fine.
        while scale > 0 && mant != 0 && mant % 10 == 0 {
            mant /= 10;
            scale -= 1;
        }
        if mant == 0 {
            return Ok(Dec::ZERO);
        }
        while scale < 0 {
            mant = mant
                .checked_mul(10)
                .filter(|m| m.unsigned_abs() < pow10(36) as u128)
                .ok_or_else(|| ParseDecError(format!("is too large: {text:?}")))?;
            scale += 1;
        }
        if scale > MAX_SCALE as i64 {
            return Err(ParseDecError(format!(
                "has more than {MAX_SCALE} decimal places: {text:?}"
            )));
        }
        Ok(Dec::new(if neg { -mant } else { mant }, scale as u32))
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_scaled(f, self.mant, self.scale)
    }
}

fn write_scaled(f: &mut fmt::Formatter<'_>, mant: i128, scale: u32) -> fmt::Result {
    if scale == 0 {
        return write!(f, "{mant}");
    }
    let p = pow10(scale) as u128;
    let abs = mant.unsigned_abs();
    let (i, mut frac) = (abs / p, abs % p);
    let sign = if mant < 0 { "-" } else { "" };
    if frac == 0 {
        return write!(f, "{sign}{i}");
    }
    let mut width = scale as usize;
    while frac % 10 == 0 {
        frac /= 10;
        width -= 1;
    }
    write!(f, "{sign}{i}.{frac:0width$}")
}

/// Rounding modes; [`Round::Up`] and [`Round::Down`] are away from / toward zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Round {
    Floor,
    Ceil,
    Nearest,
}

/// `a / b` rounded with `mode` (`b > 0`).
pub fn div_round(a: i128, b: i128, mode: Round) -> Option<i128> {
    if b <= 0 {
        return None;
    }
    // 64-bit division is several times faster than 128-bit; most values fit.
    if let (Ok(a64), Ok(b64)) = (i64::try_from(a), i64::try_from(b)) {
        let (q, r) = (a64.div_euclid(b64), a64.rem_euclid(b64));
        let q = q as i128;
        return Some(match mode {
            Round::Floor => q,
            Round::Ceil => q + i128::from(r != 0),
            Round::Nearest => q + i128::from(r as i128 * 2 >= b),
        });
    }
    let q = a.div_euclid(b);
    let r = a.rem_euclid(b);
    Some(match mode {
        Round::Floor => q,
        Round::Ceil => q + i128::from(r != 0),
        Round::Nearest => q + i128::from(r * 2 >= b),
    })
}

/// A booked amount of one currency: an integer count of 10^-18 units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(pub i128);

impl Amount {
    pub const ZERO: Amount = Amount(0);

    pub fn checked_add(self, o: Amount) -> Option<Amount> {
        self.0.checked_add(o.0).map(Amount)
    }

    pub fn checked_sub(self, o: Amount) -> Option<Amount> {
        self.0.checked_sub(o.0).map(Amount)
    }

    /// `self * rate`, rounded with `mode` to the amount unit.
    pub fn mul_rate(self, rate: Dec, mode: Round) -> Option<Amount> {
        let p = self.0.checked_mul(rate.mant)?;
        div_round(p, pow10(rate.scale), mode).map(Amount)
    }

    /// `self * num / den`, rounded with `mode`.
    pub fn mul_div(self, num: i128, den: i128, mode: Round) -> Option<Amount> {
        let p = self.0.checked_mul(num)?;
        div_round(p, den, mode).map(Amount)
    }

    /// The amount as a [`Dec`] (trailing zeros removed).
    pub fn to_dec(self) -> Dec {
        Dec::new(self.0, AMOUNT_DP)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_scaled(f, self.0, AMOUNT_DP)
    }
}

/// Integer square root (floor) of a `u128`.
pub fn isqrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    let mut x = (n as f64).sqrt() as u128;
    // Correct the float estimate to the exact floor.
    while x.checked_mul(x).is_none_or(|sq| sq > n) {
        x -= 1;
    }
    while (x + 1).checked_mul(x + 1).is_some_and(|sq| sq <= n) {
        x += 1;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints() {
        assert_eq!(d("1.50"), Dec { mant: 15, scale: 1 });
        assert_eq!(d("-0.001"), Dec { mant: -1, scale: 3 });
        assert_eq!(
            d("1e3"),
            Dec {
                mant: 1000,
                scale: 0
            }
        );
        assert_eq!(d("2.5E-2"), Dec { mant: 25, scale: 3 });
        assert_eq!(d("0"), Dec::ZERO);
        assert_eq!(d("1.500000000000000000000"), Dec { mant: 15, scale: 1 });
        assert_eq!(d(".5"), Dec { mant: 5, scale: 1 });
        assert_eq!(d("101.1").to_string(), "101.1");
        assert_eq!(
            d("-0.000000000000000001").to_string(),
            "-0.000000000000000001"
        );
        for bad in ["", "-", "abc", "1.2.3", "1e", "nan", "inf", "1 2", "0x10"] {
            assert!(bad.parse::<Dec>().is_err(), "{bad}");
        }
        assert!("0.0000000000000000001".parse::<Dec>().is_err());
        assert!("1e40".parse::<Dec>().is_err());
    }

    #[test]
    fn floats_use_their_shortest_text() {
        assert_eq!(Dec::from_f64(0.1).unwrap(), d("0.1"));
        assert_eq!(Dec::from_f64(101.1).unwrap(), d("101.1"));
        assert_eq!(Dec::from_f64(1e-7).unwrap(), d("0.0000001"));
        assert!(Dec::from_f64(f64::NAN).is_err());
        assert!(Dec::from_f64(f64::INFINITY).is_err());
    }

    #[test]
    fn units() {
        assert_eq!(d("101.15").exact_units(d("0.05")), Some(2023));
        assert_eq!(d("101.17").exact_units(d("0.05")), None);
        assert_eq!(d("101.17").round_units(d("0.05"), Round::Floor), Some(2023));
        assert_eq!(d("101.17").round_units(d("0.05"), Round::Ceil), Some(2024));
        assert_eq!(
            d("101.17").round_units(d("0.05"), Round::Nearest),
            Some(2023)
        );
        assert_eq!(d("-1.01").round_units(d("0.1"), Round::Floor), Some(-11));
    }

    #[test]
    fn amounts() {
        let a = d("10.5").to_amount().unwrap();
        assert_eq!(a.to_string(), "10.5");
        assert_eq!(
            a.mul_rate(d("0.001"), Round::Ceil).unwrap().to_string(),
            "0.0105"
        );
        let third = Amount(10).mul_div(1, 3, Round::Ceil).unwrap();
        assert_eq!(third, Amount(4));
        assert_eq!(Amount(-5).to_string(), "-0.000000000000000005");
    }

    #[test]
    fn integer_sqrt() {
        for n in 0u128..2000 {
            let r = isqrt(n);
            assert!(r * r <= n && (r + 1) * (r + 1) > n, "{n}");
        }
        assert_eq!(isqrt(u64::MAX as u128 * u64::MAX as u128), u64::MAX as u128);
    }
}
