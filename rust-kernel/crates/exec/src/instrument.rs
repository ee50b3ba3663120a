//! Instruments: price and size increments, limits and fees.

use crate::error::ExecError;
use crate::fixed::{pow10, Amount, Dec, AMOUNT_DP};

/// What the trader configures for an instrument (all decimals).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstrumentSpec {
    pub price_increment: Dec,
    pub size_increment: Dec,
    /// Smallest order size.
    pub min_size: Dec,
    /// Smallest order notional (price x size) in the quote currency.
    pub min_notional: Dec,
    /// Largest order notional, if limited.
    pub max_notional: Option<Dec>,
    /// Fee rates as fractions of notional (0.001 = 0.1%).
    pub maker_fee: Dec,
    pub taker_fee: Dec,
    /// Quote currency; by default the part after `/` in the symbol.
    pub quote: Option<String>,
}

impl Default for InstrumentSpec {
    fn default() -> Self {
        InstrumentSpec {
            price_increment: Dec::new(1, 8),
            size_increment: Dec::new(1, 8),
            min_size: Dec::ZERO,
            min_notional: Dec::ZERO,
            max_notional: None,
            maker_fee: Dec::new(1, 3),
            taker_fee: Dec::new(1, 3),
            quote: None,
        }
    }
}

/// An instrument as the engine uses it: integers only.
#[derive(Clone, Debug)]
pub struct Instrument {
    pub symbol: String,
    pub quote: String,
    pub currency: usize,
    pub price_increment: Dec,
    pub size_increment: Dec,
    /// Amount units of one tick times one lot.
    pub notional_unit: i128,
    pub min_size: i64,
    pub min_notional: Amount,
    pub max_notional: Option<Amount>,
    pub maker_fee: Dec,
    pub taker_fee: Dec,
    /// Last traded (or closing, or mid) price in ticks.
    pub last_price: Option<i64>,
    pub best_bid: Option<i64>,
    pub best_ask: Option<i64>,
    pub last_ts: Option<i64>,
    /// Ids of orders that may be open, in arrival order.
    pub active: Vec<u64>,
}

fn rate(name: &str, value: Dec) -> Result<Dec, ExecError> {
    if value.is_negative() || value.cmp_value(Dec::ONE).is_ge() {
        return Err(ExecError::field(
            name,
            format!("must be in [0, 1), got {value}"),
        ));
    }
    Ok(value)
}

impl Instrument {
    pub fn new(
        symbol: &str,
        spec: &InstrumentSpec,
        quote: String,
        currency: usize,
    ) -> Result<Instrument, ExecError> {
        if !spec.price_increment.is_positive() {
            return Err(ExecError::field(
                "price_increment",
                format!("must be > 0, got {}", spec.price_increment),
            ));
        }
        if !spec.size_increment.is_positive() {
            return Err(ExecError::field(
                "size_increment",
                format!("must be > 0, got {}", spec.size_increment),
            ));
        }
        let scales = spec.price_increment.scale + spec.size_increment.scale;
        if scales > AMOUNT_DP {
            return Err(ExecError::field(
                "price_increment",
                format!(
                    "price and size increments together may have at most {AMOUNT_DP} decimal \
                     places, got {} and {}",
                    spec.price_increment, spec.size_increment
                ),
            ));
        }
        let notional_unit = spec
            .price_increment
            .mant
            .checked_mul(spec.size_increment.mant)
            .and_then(|m| m.checked_mul(pow10(AMOUNT_DP - scales)))
            .ok_or(ExecError::Overflow("increments"))?;
        if spec.min_size.is_negative() {
            return Err(ExecError::field(
                "min_size",
                format!("must be >= 0, got {}", spec.min_size),
            ));
        }
        let min_size = spec
            .min_size
            .round_units(spec.size_increment, crate::fixed::Round::Ceil)
            .ok_or(ExecError::Overflow("min_size"))?;
        if spec.min_notional.is_negative() {
            return Err(ExecError::field(
                "min_notional",
                format!("must be >= 0, got {}", spec.min_notional),
            ));
        }
        let min_notional = spec
            .min_notional
            .to_amount()
            .ok_or(ExecError::Overflow("min_notional"))?;
        let max_notional = match spec.max_notional {
            Some(m) if !m.is_positive() => {
                return Err(ExecError::field(
                    "max_notional",
                    format!("must be > 0, got {m}"),
                ))
            }
            Some(m) => Some(m.to_amount().ok_or(ExecError::Overflow("max_notional"))?),
            None => None,
        };
        Ok(Instrument {
            symbol: symbol.to_string(),
            quote,
            currency,
            price_increment: spec.price_increment,
            size_increment: spec.size_increment,
            notional_unit,
            min_size,
            min_notional,
            max_notional,
            maker_fee: rate("maker_fee", spec.maker_fee)?,
            taker_fee: rate("taker_fee", spec.taker_fee)?,
            last_price: None,
            best_bid: None,
            best_ask: None,
            last_ts: None,
            active: Vec::new(),
        })
    }

    /// `price x size` as an exact amount; `None` on overflow.
    #[inline]
    pub fn notional(&self, price: i64, lots: i64) -> Option<Amount> {
        (price as i128)
            .checked_mul(lots as i128)?
            .checked_mul(self.notional_unit)
            .map(Amount)
    }

    /// A price in ticks as a decimal.
    pub fn price_dec(&self, ticks: i64) -> Dec {
        Dec::new(
            ticks as i128 * self.price_increment.mant,
            self.price_increment.scale,
        )
    }

    /// A size in lots as a decimal.
    pub fn size_dec(&self, lots: i64) -> Dec {
        Dec::new(
            lots as i128 * self.size_increment.mant,
            self.size_increment.scale,
        )
    }

    /// A float price (a bar's) on the tick grid, rounded to the nearest tick.
    pub fn ticks_from_f64(&self, field: &str, value: f64) -> Result<i64, ExecError> {
        if !value.is_finite() || value <= 0.0 {
            return Err(ExecError::field(
                field,
                format!("must be a finite price > 0, got {value}"),
            ));
        }
        to_units_f64(field, value, self.price_increment)
    }

    /// A float volume in lots, rounded down.
    pub fn lots_from_f64(&self, field: &str, value: f64) -> Result<i64, ExecError> {
        if !value.is_finite() || value < 0.0 {
            return Err(ExecError::field(
                field,
                format!("must be a finite number >= 0, got {value}"),
            ));
        }
        let d = Dec::from_f64(value).map_err(|e| ExecError::field(field, e.0))?;
        d.round_units(self.size_increment, crate::fixed::Round::Floor)
            .ok_or_else(|| ExecError::field(field, format!("is out of range: {value}")))
    }
}

fn to_units_f64(field: &str, value: f64, inc: Dec) -> Result<i64, ExecError> {
    // Fast path: on-grid floats divide to within float noise of a whole number.
    let inc_f = inc.mant as f64 / pow10(inc.scale) as f64;
    let q = value / inc_f;
    if q.abs() < 4.0e15 {
        let r = q.round();
        if (q - r).abs() < 1e-6 {
            return Ok(r as i64);
        }
    }
    let d = Dec::from_f64(value).map_err(|e| ExecError::field(field, e.0))?;
    d.round_units(inc, crate::fixed::Round::Nearest)
        .ok_or_else(|| ExecError::field(field, format!("is out of range: {value}")))
}
