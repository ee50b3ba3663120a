//! Balances per currency and positions (netting or hedged), all exact.
//!
//! A position keeps its signed size in lots and its cost basis (the exact amount paid for a long,
//! received for a short). Reducing a position removes `basis * closed / size` (rounded down to
//! the amount unit; the remainder stays in the basis, so nothing is created or lost and a
//! position closed in full leaves a zero basis); the realised PnL is the difference to the
//! closing notional.
//!
//! Cash model: a buy pays `notional + fee`; a sell receives `notional - fee`. A short's proceeds
//! are credited but locked together with the initial margin: `lock = ceil(basis x (1 + im))`,
//! so opening a short of notional N needs `N x im + fee` of free cash. Free cash is
//! `cash - reserved (open orders) - short locks`.

use crate::fixed::{Amount, Dec, Round};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PositionMode {
    /// One signed position per instrument.
    Netting,
    /// A long and a short leg per instrument.
    Hedged,
}

/// One position leg.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// Signed size in lots (a hedged short leg is negative).
    pub quantity: i64,
    /// Exact cost of the open size (always >= 0).
    pub basis: Amount,
    /// PnL realised on this leg so far (before fees).
    pub realized: Amount,
}

impl Position {
    /// Apply a trade of `signed` lots whose notional per lot-tick is given by `notional_of`.
    /// Returns the PnL realised by the trade.
    pub fn trade(
        &mut self,
        signed: i64,
        price: i64,
        notional_of: impl Fn(i64, i64) -> Option<Amount>,
    ) -> Option<Amount> {
        if signed == 0 {
            return Some(Amount::ZERO);
        }
        let size = signed.unsigned_abs() as i64;
        if self.quantity == 0 || self.quantity.signum() == signed.signum() {
            self.quantity = self.quantity.checked_add(signed)?;
            self.basis = self.basis.checked_add(notional_of(price, size)?)?;
            return Some(Amount::ZERO);
        }
        let held = self.quantity.unsigned_abs() as i64;
        let closed = size.min(held);
        let removed = self
            .basis
            .mul_div(closed as i128, held as i128, Round::Floor)?;
        let closing = notional_of(price, closed)?;
        let realized = if self.quantity > 0 {
            closing.checked_sub(removed)?
        } else {
            removed.checked_sub(closing)?
        };
        self.basis = self.basis.checked_sub(removed)?;
        self.quantity += signed.signum() * closed;
        let rest = size - closed;
        if rest > 0 {
            self.quantity = signed.signum() * rest;
            self.basis = notional_of(price, rest)?;
        }
        self.realized = self.realized.checked_add(realized)?;
        Some(realized)
    }

    /// Unrealised PnL at `mark` (ticks).
    pub fn unrealized(
        &self,
        mark: i64,
        notional_of: impl Fn(i64, i64) -> Option<Amount>,
    ) -> Option<Amount> {
        let value = notional_of(mark, self.quantity.unsigned_abs() as i64)?;
        if self.quantity >= 0 {
            value.checked_sub(self.basis)
        } else {
            self.basis.checked_sub(value)
        }
    }

    /// Cash locked by a short leg: `ceil(basis x (1 + im))`; zero for a long.
    pub fn short_lock(&self, initial_margin: Dec) -> Option<Amount> {
        if self.quantity >= 0 {
            return Some(Amount::ZERO);
        }
        let margin = self.basis.mul_rate(initial_margin, Round::Ceil)?;
        self.basis.checked_add(margin)
    }
}

/// One currency's books.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    pub currency: String,
    pub cash: Amount,
    /// Held for open orders.
    pub reserved: Amount,
    /// Held for short positions (proceeds plus initial margin).
    pub short_lock: Amount,
    pub fees: Amount,
    pub realized: Amount,
}

impl Ledger {
    pub fn free(&self) -> Option<Amount> {
        self.cash
            .checked_sub(self.reserved)?
            .checked_sub(self.short_lock)
    }

    pub fn locked(&self) -> Option<Amount> {
        self.reserved.checked_add(self.short_lock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notional(p: i64, q: i64) -> Option<Amount> {
        Some(Amount(p as i128 * q as i128))
    }

    #[test]
    fn average_cost_and_flip() {
        let mut p = Position::default();
        assert_eq!(p.trade(3, 100, notional), Some(Amount(0)));
        assert_eq!(p.trade(1, 104, notional), Some(Amount(0)));
        assert_eq!((p.quantity, p.basis), (4, Amount(404)));
        // Sell 2 at 110: removes floor(404 * 2 / 4) = 202, realises 220 - 202.
        assert_eq!(p.trade(-2, 110, notional), Some(Amount(18)));
        assert_eq!((p.quantity, p.basis), (2, Amount(202)));
        // Sell 5 at 90: closes 2 (realises 180 - 202), opens a short of 3 at 90.
        assert_eq!(p.trade(-5, 90, notional), Some(Amount(-22)));
        assert_eq!(
            (p.quantity, p.basis, p.realized),
            (-3, Amount(270), Amount(-4))
        );
        assert_eq!(p.unrealized(80, notional), Some(Amount(30)));
        assert_eq!(p.short_lock("0.5".parse().unwrap()), Some(Amount(405)));
        assert_eq!(p.trade(3, 80, notional), Some(Amount(30)));
        assert_eq!(
            p,
            Position {
                quantity: 0,
                basis: Amount(0),
                realized: Amount(26)
            }
        );
    }

    #[test]
    fn uneven_reductions_keep_the_basis_whole() {
        let mut p = Position::default();
        p.trade(3, 1, notional);
        p.basis = Amount(10); // 10 units over 3 lots: not divisible
        let r1 = p.trade(-1, 1, notional).unwrap();
        let r2 = p.trade(-1, 1, notional).unwrap();
        let r3 = p.trade(-1, 1, notional).unwrap();
        // Proceeds 3 in total, cost 10 in total: realised sums to exactly -7.
        assert_eq!(r1.0 + r2.0 + r3.0, -7);
        assert_eq!(p.basis, Amount(0));
    }
}
