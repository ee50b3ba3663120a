//! The engine: submission with pre-trade checks, matching against bars, trades and book
//! snapshots, and exact booking. See `docs/execution.md` for the rules in prose.
//!
//! Timing (no look-ahead), as the paper gateway: an order submitted while bar `t` is processed
//! carries `ts = t` and can only be matched by a market event with a later timestamp
//! (`event.ts > order.ts`).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::account::{Ledger, Position, PositionMode};
use crate::checks::{self, TokenBucket};
use crate::error::{ExecError, Reject, RejectCode};
use crate::fixed::{isqrt, pow10, Amount, Dec, Round};
use crate::instrument::{Instrument, InstrumentSpec};
use crate::order::{
    Fill, Liquidity, Order, OrderRequest, OrderType, PositionSide, RequestKind, Side, TimeInForce,
    TrailSpec,
};
use crate::state::{transition, OrderEvent, OrderStatus};

/// How taker fills move away from the reference price (always against the trader, rounded up
/// to whole ticks). Maker fills and fills walking a book snapshot have no model slippage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slippage {
    None,
    /// A fixed number of basis points.
    FixedBps(Dec),
    /// Half the spread of the symbol's last book snapshot; `fallback_bps` without one.
    Spread {
        fallback_bps: Dec,
    },
    /// `k_bps * sqrt(quantity / volume)` basis points, volume being the bar's or the trade's.
    Impact {
        k_bps: Dec,
    },
}

/// How a bar meets the resting orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarMatching {
    /// The intra-bar path (open, nearer extreme, other extreme, close) in ticks rounded to the
    /// nearest tick; orders are served where the path meets them (see `docs/execution.md`).
    Path,
    /// The paper venue's rule: each order meets the bar on its own, in arrival order, with the
    /// bar's exact decimal prices rounded to the tick *against the trader* (a buy up, a sell down).
    /// A market order fills at the open moved by the slippage; a limit at the open if the open
    /// reaches it, else at its limit when the bar trades through it (a maker fill). Only market
    /// and limit orders are matched.
    Arrival,
}

/// Which cash and position rules the account applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountRules {
    /// Free cash (after reservations and short margin) pays for every order that grows a
    /// position; fills a position cannot take whole are trimmed.
    Margin,
    /// The paper venue's rules: a buy needs `notional + fee <= cash - reserved` at submission
    /// (fee at the order's own rate) and `<= cash` at fill; a sell needs no cash (a short has no
    /// margin); a fill the position cannot take whole (spot holdings, reduce-only) is cancelled.
    Cash,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    pub position_mode: PositionMode,
    /// Whether sells may open short positions (otherwise a sell needs holdings, as spot).
    pub allow_short: bool,
    /// Initial margin of a short as a fraction of its notional (1 = fully collateralised).
    pub initial_margin: Dec,
    pub slippage: Slippage,
    /// Largest fraction of a bar's (or trade's, or book level's) volume the engine fills.
    pub participation: Option<Dec>,
    /// Limit and stop prices further than this from the last price are rejected.
    pub price_band_bps: Option<i64>,
    /// `(orders per second, burst)` on the venue clock.
    pub rate_limit: Option<(u32, u32)>,
    /// Clock units per second (1000: timestamps are epoch milliseconds).
    pub clock_units_per_second: i64,
    /// Whether a limit fills when the price only touches it (otherwise it must trade through).
    pub fill_limit_on_touch: bool,
    /// Spec of symbols used without being added first.
    pub default_instrument: InstrumentSpec,
    /// Quote currency of symbols without a `/`.
    pub default_quote: String,
    pub bar_matching: BarMatching,
    pub account_rules: AccountRules,
    /// Fees are rounded up to a multiple of this (in the quote currency); `None`: to 10^-18.
    pub fee_increment: Option<Dec>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            position_mode: PositionMode::Netting,
            allow_short: false,
            initial_margin: Dec::ONE,
            slippage: Slippage::None,
            participation: None,
            price_band_bps: None,
            rate_limit: None,
            clock_units_per_second: 1000,
            fill_limit_on_touch: false,
            default_instrument: InstrumentSpec::default(),
            default_quote: "USD".to_string(),
            bar_matching: BarMatching::Path,
            account_rules: AccountRules::Margin,
            fee_increment: None,
        }
    }
}

/// One OHLCV bar in ticks and lots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    pub ts: i64,
    pub open: i64,
    pub high: i64,
    pub low: i64,
    pub close: i64,
    pub volume: i64,
}

impl Bar {
    /// The intra-bar path: open, the extreme nearer the open (the low on a tie), the other
    /// extreme, close.
    pub fn path(&self) -> [i64; 4] {
        if self.high - self.open < self.open - self.low {
            [self.open, self.high, self.low, self.close]
        } else {
            [self.open, self.low, self.high, self.close]
        }
    }
}

/// Counters of everything the engine did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub submitted: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub cancelled: u64,
    pub expired: u64,
    pub filled: u64,
    pub fills: u64,
    /// Rejections and venue cancellations per [`RejectCode`] (indexed like `RejectCode::ALL`).
    pub by_code: [u64; RejectCode::ALL.len()],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    LimitFill,
    Trigger,
}

/// Segment events: (distance from the segment start, order id, order version, level, kind).
type SegEvent = (i64, u64, u32, i64, Ev);
type EventHeap = BinaryHeap<Reverse<SegEvent>>;

/// Per-event matching context.
struct Ctx {
    ts: i64,
    /// Lots still fillable on this event (participation cap).
    budget: Option<i64>,
    /// The event's volume in lots (for the impact model).
    volume: i64,
    /// A resting limit reached at a point fills at that point (bar open) or at its limit (trade).
    gap_fills_at_point: bool,
}

pub struct Engine {
    cfg: EngineConfig,
    instruments: Vec<Instrument>,
    by_symbol: HashMap<String, usize>,
    ledgers: Vec<Ledger>,
    by_currency: HashMap<String, usize>,
    /// Per instrument: netting uses leg 0; hedged uses 0 = long, 1 = short.
    positions: Vec<[Position; 2]>,
    orders: Vec<Order>,
    clock: i64,
    bucket: Option<TokenBucket>,
    counts: Counts,
    armed: Vec<u64>,
    scratch: Vec<u64>,
    events: Vec<SegEvent>,
    last_lookup: Option<usize>,
    /// Set while re-creating orders a restart found resting: the venue accepted them once, so
    /// the position, cash and price checks of submission are not applied again.
    restoring: bool,
}

fn code_index(code: RejectCode) -> usize {
    RejectCode::ALL.iter().position(|c| *c == code).unwrap_or(0)
}

impl Engine {
    pub fn new(cfg: EngineConfig) -> Result<Engine, ExecError> {
        if cfg.initial_margin.is_negative() {
            return Err(ExecError::field(
                "initial_margin",
                format!("must be >= 0, got {}", cfg.initial_margin),
            ));
        }
        if let Some(p) = cfg.participation {
            if !p.is_positive() || p.cmp_value(Dec::ONE).is_gt() {
                return Err(ExecError::field(
                    "participation",
                    format!("must be in (0, 1], got {p}"),
                ));
            }
        }
        if let Some(b) = cfg.price_band_bps {
            if b <= 0 {
                return Err(ExecError::field(
                    "price_band_bps",
                    format!("must be > 0, got {b}"),
                ));
            }
        }
        if cfg.clock_units_per_second <= 0 {
            return Err(ExecError::field(
                "clock_units_per_second",
                format!("must be > 0, got {}", cfg.clock_units_per_second),
            ));
        }
        let bps = match cfg.slippage {
            Slippage::None => None,
            Slippage::FixedBps(b) => Some(("slippage.bps", b)),
            Slippage::Spread { fallback_bps } => Some(("slippage.fallback_bps", fallback_bps)),
            Slippage::Impact { k_bps } => Some(("slippage.k_bps", k_bps)),
        };
        if let Some((name, b)) = bps {
            if b.is_negative() || b.cmp_value(Dec::from_int(10_000)).is_ge() {
                return Err(ExecError::field(
                    name,
                    format!("must be in [0, 10000), got {b}"),
                ));
            }
        }
        if let Some(inc) = cfg.fee_increment {
            if !inc.is_positive() || inc.to_amount().is_none() {
                return Err(ExecError::field(
                    "fee_increment",
                    format!("must be > 0 with at most 18 decimal places, got {inc}"),
                ));
            }
        }
        // Check the default spec now, so a bad one fails at construction, not at first use.
        Instrument::new("default", &cfg.default_instrument, String::new(), 0)?;
        let bucket = match cfg.rate_limit {
            Some((per_second, burst)) => {
                if per_second == 0 || burst == 0 {
                    return Err(ExecError::field(
                        "rate_limit",
                        format!("per_second and burst must be > 0, got {per_second} and {burst}"),
                    ));
                }
                Some(TokenBucket::new(
                    per_second,
                    burst,
                    cfg.clock_units_per_second,
                ))
            }
            None => None,
        };
        Ok(Engine {
            cfg,
            instruments: Vec::new(),
            by_symbol: HashMap::new(),
            ledgers: Vec::new(),
            by_currency: HashMap::new(),
            positions: Vec::new(),
            orders: Vec::new(),
            clock: i64::MIN,
            bucket,
            counts: Counts::default(),
            armed: Vec::new(),
            scratch: Vec::new(),
            events: Vec::new(),
            last_lookup: None,
            restoring: false,
        })
    }

    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    // -- set-up -----------------------------------------------------------------------------

    fn currency(&mut self, name: &str) -> usize {
        if let Some(&i) = self.by_currency.get(name) {
            return i;
        }
        self.ledgers.push(Ledger {
            currency: name.to_string(),
            ..Ledger::default()
        });
        self.by_currency
            .insert(name.to_string(), self.ledgers.len() - 1);
        self.ledgers.len() - 1
    }

    /// Credit (or debit) `amount` of `currency`: the starting balance.
    pub fn deposit(&mut self, currency: &str, amount: Dec) -> Result<(), ExecError> {
        if currency.is_empty() {
            return Err(ExecError::field("currency", "must not be empty"));
        }
        let a = amount.to_amount().ok_or(ExecError::Overflow("balance"))?;
        let i = self.currency(currency);
        let l = &mut self.ledgers[i];
        l.cash = l
            .cash
            .checked_add(a)
            .ok_or(ExecError::Overflow("balance"))?;
        Ok(())
    }

    /// Add (or replace the spec of an unused) instrument.
    pub fn add_instrument(
        &mut self,
        symbol: &str,
        spec: &InstrumentSpec,
    ) -> Result<usize, ExecError> {
        if symbol.trim().is_empty() {
            return Err(ExecError::field("symbol", "must not be empty"));
        }
        let quote = match &spec.quote {
            Some(q) if !q.is_empty() => q.clone(),
            Some(_) => return Err(ExecError::field("quote", "must not be empty")),
            None => match symbol.split_once('/') {
                Some((base, q)) if !base.is_empty() && !q.is_empty() => {
                    q.split(':').next().unwrap_or(q).to_string()
                }
                Some(_) => {
                    return Err(ExecError::field(
                        "symbol",
                        format!("expected BASE/QUOTE, got {symbol:?}"),
                    ))
                }
                None => self.cfg.default_quote.clone(),
            },
        };
        if let Some(&i) = self.by_symbol.get(symbol) {
            if !self.instruments[i].active.is_empty()
                || self.positions[i] != [Position::default(); 2]
            {
                return Err(ExecError::field(
                    "symbol",
                    format!("{symbol} already has orders or a position; its spec cannot change"),
                ));
            }
            let cur = self.currency(&quote);
            self.instruments[i] = Instrument::new(symbol, spec, quote, cur)?;
            return Ok(i);
        }
        let cur = self.currency(&quote);
        let inst = Instrument::new(symbol, spec, quote, cur)?;
        self.instruments.push(inst);
        self.positions.push([Position::default(); 2]);
        self.by_symbol
            .insert(symbol.to_string(), self.instruments.len() - 1);
        Ok(self.instruments.len() - 1)
    }

    fn instrument_for(&mut self, symbol: &str) -> Result<usize, ExecError> {
        // Most calls repeat the previous symbol: a string compare is cheaper than hashing.
        if let Some(i) = self.last_lookup {
            if self.instruments[i].symbol == symbol {
                return Ok(i);
            }
        }
        if let Some(&i) = self.by_symbol.get(symbol) {
            self.last_lookup = Some(i);
            return Ok(i);
        }
        let spec = self.cfg.default_instrument.clone();
        self.add_instrument(symbol, &spec)
    }

    // -- reading ----------------------------------------------------------------------------

    pub fn order(&self, id: u64) -> Option<&Order> {
        let idx = usize::try_from(id).ok()?.checked_sub(1)?;
        self.orders.get(idx)
    }

    pub fn orders(&self) -> &[Order] {
        &self.orders
    }

    pub fn instruments(&self) -> &[Instrument] {
        &self.instruments
    }

    pub fn instrument_index(&self, symbol: &str) -> Option<usize> {
        self.by_symbol.get(symbol).copied()
    }

    pub fn ledgers(&self) -> &[Ledger] {
        &self.ledgers
    }

    pub fn ledger(&self, currency: &str) -> Option<&Ledger> {
        self.by_currency.get(currency).map(|&i| &self.ledgers[i])
    }

    /// The position legs of an instrument: netting `[net, unused]`, hedged `[long, short]`.
    pub fn position_legs(&self, instrument: usize) -> &[Position; 2] {
        &self.positions[instrument]
    }

    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    pub fn clock(&self) -> i64 {
        self.clock
    }

    /// Unrealised PnL of a leg at the instrument's last price.
    pub fn unrealized(&self, instrument: usize, leg: usize) -> Option<Amount> {
        let inst = &self.instruments[instrument];
        let pos = &self.positions[instrument][leg];
        match inst.last_price {
            Some(mark) => pos.unrealized(mark, |p, q| inst.notional(p, q)),
            None if pos.quantity == 0 => Some(Amount::ZERO),
            None => None,
        }
    }

    // -- helpers ----------------------------------------------------------------------------

    #[inline]
    fn ord(&self, id: u64) -> &Order {
        &self.orders[(id - 1) as usize]
    }

    #[inline]
    fn ord_mut(&mut self, id: u64) -> &mut Order {
        &mut self.orders[(id - 1) as usize]
    }

    fn leg(&self, ps: PositionSide) -> usize {
        match ps {
            PositionSide::Short => 1,
            _ => 0,
        }
    }

    /// Whether an order only closes (reduce-only, or the closing side of a hedged leg).
    fn closes_only(o: &Order) -> bool {
        o.reduce_only
            || matches!(
                (o.side, o.position_side),
                (Side::Sell, PositionSide::Long) | (Side::Buy, PositionSide::Short)
            )
    }

    /// Largest fill the position allows now (`None`: unlimited).
    fn position_cap(&self, o: &Order) -> Option<(i64, RejectCode)> {
        let pos = self.positions[o.instrument][self.leg(o.position_side)].quantity;
        if Self::closes_only(o) {
            let reducible = if pos.signum() == -o.side.sign() {
                pos.abs()
            } else {
                0
            };
            return Some((reducible, RejectCode::ReduceOnly));
        }
        if !self.cfg.allow_short && o.side == Side::Sell {
            return Some((pos.max(0), RejectCode::InsufficientPosition));
        }
        None
    }

    /// The position and ledger after a fill, and the PnL it realises (nothing is changed).
    fn book(
        &self,
        inst: usize,
        leg: usize,
        side: Side,
        lots: i64,
        price: i64,
        fee: Amount,
    ) -> Option<(Position, Ledger, Amount, Amount)> {
        let ins = &self.instruments[inst];
        let mut pos = self.positions[inst][leg];
        let src = &self.ledgers[ins.currency];
        // The numbers only: cloning the currency name would allocate on every fill.
        let mut led = Ledger {
            currency: String::new(),
            cash: src.cash,
            reserved: src.reserved,
            short_lock: src.short_lock,
            fees: src.fees,
            realized: src.realized,
        };
        let before_lock = pos.short_lock(self.cfg.initial_margin)?;
        let notional = ins.notional(price, lots)?;
        let realized = pos.trade(side.sign() * lots, price, |p, q| ins.notional(p, q))?;
        let after_lock = pos.short_lock(self.cfg.initial_margin)?;
        led.short_lock = led
            .short_lock
            .checked_sub(before_lock)?
            .checked_add(after_lock)?;
        led.cash = match side {
            Side::Buy => led.cash.checked_sub(notional)?.checked_sub(fee)?,
            Side::Sell => led.cash.checked_add(notional)?.checked_sub(fee)?,
        };
        led.fees = led.fees.checked_add(fee)?;
        led.realized = led.realized.checked_add(realized)?;
        Some((pos, led, realized, notional))
    }

    /// The fee on `notional` at `rate`: rounded up to 10^-18, then up to `fee_increment`.
    fn fee_of(&self, notional: Amount, rate: Dec) -> Option<Amount> {
        let fee = notional.mul_rate(rate, Round::Ceil)?;
        match self.cfg.fee_increment {
            None => Some(fee),
            Some(inc) => {
                let unit = inc.to_amount()?.0;
                let n = crate::fixed::div_round(fee.0, unit, Round::Ceil)?;
                n.checked_mul(unit).map(Amount)
            }
        }
    }

    fn slip(&self, inst: usize, side: Side, price: i64, lots: i64, volume: i64) -> i64 {
        let ins = &self.instruments[inst];
        let bps_adj = |bps: Dec| -> i64 {
            // ceil(price * bps / 10000) ticks
            let num = (price as i128).saturating_mul(bps.mant);
            let den = pow10(bps.scale) * 10_000;
            crate::fixed::div_round(num, den, Round::Ceil).unwrap_or(0) as i64
        };
        let adj = match self.cfg.slippage {
            Slippage::None => 0,
            Slippage::FixedBps(b) => bps_adj(b),
            Slippage::Spread { fallback_bps } => match (ins.best_bid, ins.best_ask) {
                (Some(b), Some(a)) if a > b => (a - b + 1) / 2,
                _ => bps_adj(fallback_bps),
            },
            Slippage::Impact { k_bps } => {
                // sqrt(lots / volume) in millionths, then price * k * that / 10000.
                let vol = volume.max(lots).max(1) as u128;
                let root = isqrt((lots.max(0) as u128) * 1_000_000_000_000 / vol) as i128;
                let num = (price as i128)
                    .saturating_mul(k_bps.mant)
                    .saturating_mul(root);
                let den = pow10(k_bps.scale) * 10_000 * 1_000_000;
                crate::fixed::div_round(num, den, Round::Ceil).unwrap_or(0) as i64
            }
        };
        match side {
            Side::Buy => price.saturating_add(adj),
            Side::Sell => (price - adj).max(1),
        }
    }

    fn trail_offset(&self, o: &Order, reference: i64) -> i64 {
        let ins = &self.instruments[o.instrument];
        match o.trail {
            Some(TrailSpec::Amount(a)) => a
                .round_units(ins.price_increment, Round::Ceil)
                .unwrap_or(i64::MAX / 4)
                .max(1),
            Some(TrailSpec::Bps(b)) => {
                let num = (reference as i128).saturating_mul(b.mant);
                let den = pow10(b.scale) * 10_000;
                (crate::fixed::div_round(num, den, Round::Ceil).unwrap_or(1) as i64).max(1)
            }
            None => 0,
        }
    }

    fn count_code(&mut self, code: RejectCode) {
        self.counts.by_code[code_index(code)] += 1;
    }

    /// Move an open order to a final state (cancel or expire), releasing what it holds and
    /// cancelling what is linked to it.
    fn finish(&mut self, id: u64, event: OrderEvent, reject: Option<Reject>) {
        let o = self.ord(id);
        if !o.status.is_open() {
            return;
        }
        let Ok(next) = transition(o.status, event) else {
            return;
        };
        let (cur, reserved) = (self.instruments[o.instrument].currency, o.reserved);
        let (children, filled, oco) = (o.children, o.filled, o.oco);
        if let Some(r) = &reject {
            let code = r.code;
            self.count_code(code);
        }
        {
            let o = self.ord_mut(id);
            o.status = next;
            o.reserved = Amount::ZERO;
            o.version = o.version.wrapping_add(1);
            if reject.is_some() {
                o.reject = reject;
            }
        }
        let l = &mut self.ledgers[cur];
        l.reserved = Amount(l.reserved.0 - reserved.0);
        match event {
            OrderEvent::Cancel => self.counts.cancelled += 1,
            OrderEvent::Expire => self.counts.expired += 1,
            _ => {}
        }
        if let Some((sl, tp)) = children {
            if filled == 0 {
                // Unlink the pair first, so each child reports its parent, not its sibling.
                self.ord_mut(sl).oco = None;
                self.ord_mut(tp).oco = None;
                for child in [sl, tp] {
                    self.finish(
                        child,
                        OrderEvent::Cancel,
                        Some(Reject::new(
                            RejectCode::ParentCancelled,
                            format!("parent order {id} ended without a fill"),
                        )),
                    );
                }
            }
        }
        if let Some(peer) = oco {
            self.finish(
                peer,
                OrderEvent::Cancel,
                Some(Reject::new(
                    RejectCode::OneCancelsOther,
                    format!("linked order {id} ended"),
                )),
            );
        }
    }

    // -- submission -------------------------------------------------------------------------

    /// Submit an order. Returns its id; a refused order is stored with status `Rejected` and a
    /// reason. `Err` only for a malformed request.
    pub fn submit(&mut self, req: &OrderRequest<'_>) -> Result<u64, ExecError> {
        if !req.quantity.is_positive() {
            return Err(ExecError::field(
                "quantity",
                format!("must be > 0, got {}", req.quantity),
            ));
        }
        let (prices, n) = request_prices(&req.kind);
        for &(name, v) in &prices[..n] {
            if !v.is_positive() {
                return Err(ExecError::field(name, format!("must be > 0, got {v}")));
            }
        }
        let position_side = match (self.cfg.position_mode, req.position_side) {
            (PositionMode::Netting, None | Some(PositionSide::Both)) => PositionSide::Both,
            (PositionMode::Netting, Some(ps)) => {
                return Err(ExecError::field(
                    "position_side",
                    format!("{} needs position_mode 'hedged'", ps.as_str()),
                ))
            }
            (PositionMode::Hedged, Some(PositionSide::Both)) => {
                return Err(ExecError::field(
                    "position_side",
                    "must be 'long' or 'short' in hedged mode",
                ))
            }
            (PositionMode::Hedged, Some(ps)) => ps,
            (PositionMode::Hedged, None) => match (req.side, req.reduce_only) {
                (Side::Buy, false) | (Side::Sell, true) => PositionSide::Long,
                _ => PositionSide::Short,
            },
        };
        let inst = self.instrument_for(req.symbol)?;
        let ins = &self.instruments[inst];
        let ts = match (req.ts, ins.last_ts) {
            (Some(t), Some(last)) => t.max(last),
            (Some(t), None) => t,
            (None, Some(last)) => last,
            (None, None) => self.clock.max(0),
        };
        self.clock = self.clock.max(ts);
        self.counts.submitted += 1;
        let order_type = match req.kind {
            RequestKind::Market => OrderType::Market,
            RequestKind::Limit { .. } | RequestKind::Oco { .. } => OrderType::Limit,
            RequestKind::Bracket { entry_limit, .. } => {
                if entry_limit.is_some() {
                    OrderType::Limit
                } else {
                    OrderType::Market
                }
            }
            RequestKind::Stop { .. } => OrderType::Stop,
            RequestKind::StopLimit { .. } => OrderType::StopLimit,
            RequestKind::TrailingStop { .. } => OrderType::TrailingStop,
        };
        let base = Order {
            id: self.orders.len() as u64 + 1,
            instrument: inst,
            side: req.side,
            order_type,
            tif: req.tif,
            post_only: req.post_only,
            reduce_only: req.reduce_only,
            position_side,
            quantity: 0,
            filled: 0,
            status: OrderStatus::New,
            limit: None,
            stop: None,
            trail: match req.kind {
                RequestKind::TrailingStop { trail } => Some(trail),
                _ => None,
            },
            trail_ref: None,
            triggered: false,
            ts,
            arrived: false,
            armed: true,
            parent: None,
            children: None,
            oco: None,
            reject: None,
            fill_notional: Amount::ZERO,
            fees: Amount::ZERO,
            reserved: Amount::ZERO,
            client_id: req.client_id.map(str::to_string),
            version: 0,
        };
        match self.validate(inst, req, &base) {
            Ok(plan) => Ok(self.accept(base, plan)),
            Err(reject) => {
                let id = base.id;
                let mut o = base;
                o.quantity = req
                    .quantity
                    .round_units(self.instruments[inst].size_increment, Round::Floor)
                    .unwrap_or(0);
                o.status = transition(o.status, OrderEvent::Reject)?;
                self.count_code(reject.code);
                o.reject = Some(reject);
                self.counts.rejected += 1;
                self.orders.push(o);
                Ok(id)
            }
        }
    }

    fn validate(
        &mut self,
        inst: usize,
        req: &OrderRequest<'_>,
        base: &Order,
    ) -> Result<Plan, Reject> {
        if let Some(bucket) = &mut self.bucket {
            bucket.take(base.ts)?;
        }
        let ins = &self.instruments[inst];
        let mut lots = checks::size_precision(req.quantity, ins.size_increment, ins.min_size)?;
        let tick = |field: &str, d: Dec| checks::price_precision(field, d, ins.price_increment);
        let mut plan = Plan {
            lots,
            limit: None,
            stop: None,
            trail_ref: None,
            bracket: None,
            oco: None,
            reserve: Amount::ZERO,
        };
        let last = ins.last_price;
        match req.kind {
            RequestKind::Market => {}
            RequestKind::Limit { price } => plan.limit = Some(tick("price", price)?),
            RequestKind::Stop { stop } => plan.stop = Some(tick("stop_price", stop)?),
            RequestKind::StopLimit { stop, limit } => {
                plan.stop = Some(tick("stop_price", stop)?);
                plan.limit = Some(tick("price", limit)?);
            }
            RequestKind::TrailingStop { trail } => {
                let ok = match trail {
                    TrailSpec::Amount(a) => a.is_positive(),
                    TrailSpec::Bps(b) => {
                        b.is_positive() && b.cmp_value(Dec::from_int(10_000)).is_lt()
                    }
                };
                if !ok {
                    return Err(Reject::new(
                        RejectCode::PricePrecision,
                        "trailing distance must be > 0 (and < 10000 bps)",
                    ));
                }
                plan.trail_ref = Some(last.ok_or_else(|| {
                    Reject::new(
                        RejectCode::NoPrice,
                        format!("no price for {} yet", ins.symbol),
                    )
                })?);
            }
            RequestKind::Bracket {
                entry_limit,
                stop_loss,
                take_profit,
            } => {
                if let Some(p) = entry_limit {
                    plan.limit = Some(tick("price", p)?);
                }
                let sl = tick("stop_loss", stop_loss)?;
                let tp = tick("take_profit", take_profit)?;
                let ok = match req.side {
                    Side::Buy => sl < tp,
                    Side::Sell => sl > tp,
                };
                if !ok {
                    return Err(Reject::new(
                        RejectCode::PriceBand,
                        format!(
                            "stop_loss {stop_loss} and take_profit {take_profit} are on the wrong \
                             sides for a {} bracket",
                            req.side.as_str()
                        ),
                    ));
                }
                plan.bracket = Some((sl, tp));
            }
            RequestKind::Oco {
                limit,
                stop,
                stop_limit,
            } => {
                plan.limit = Some(tick("price", limit)?);
                let s = tick("stop_price", stop)?;
                let sl = match stop_limit {
                    Some(p) => Some(tick("stop_limit_price", p)?),
                    None => None,
                };
                plan.oco = Some((s, sl));
            }
        }
        // The price the notional and the reservation are computed at.
        let reference = match (plan.limit, plan.stop, &plan.oco) {
            (Some(l), _, Some((s, _))) => match req.side {
                Side::Buy => l.max(*s),
                Side::Sell => l.min(*s),
            },
            (Some(l), _, None) => l,
            (None, Some(s), _) => s,
            // Under the cash rules a sell needs no cash, so it needs no price either.
            _ => match last {
                Some(p) => p,
                None if self.restoring => 0,
                None if self.cfg.account_rules == AccountRules::Cash && req.side == Side::Sell => 0,
                None => {
                    return Err(Reject::new(
                        RejectCode::NoPrice,
                        format!("no price for {} yet", ins.symbol),
                    ))
                }
            },
        };
        let notional = ins
            .notional(reference, lots)
            .ok_or_else(|| Reject::new(RejectCode::Overflow, "notional out of range"))?;
        checks::notional_limits(notional, ins.min_notional, ins.max_notional)?;
        if let (Some(band), Some(last)) = (self.cfg.price_band_bps, last) {
            for (field, p) in [("price", plan.limit), ("stop_price", plan.stop)] {
                if let Some(p) = p {
                    checks::price_band(field, p, last, band)?;
                }
            }
            if let Some((s, _)) = plan.oco {
                checks::price_band("stop_price", s, last, band)?;
            }
        }
        if req.post_only {
            let Some(l) = plan
                .limit
                .filter(|_| matches!(req.kind, RequestKind::Limit { .. }))
            else {
                return Err(Reject::new(
                    RejectCode::PostOnlyWouldTake,
                    "post_only needs a limit order",
                ));
            };
            let would_take = match req.side {
                Side::Buy => ins.best_ask.or(last).is_some_and(|a| l >= a),
                Side::Sell => ins.best_bid.or(last).is_some_and(|b| l <= b),
            };
            if would_take {
                return Err(Reject::new(
                    RejectCode::PostOnlyWouldTake,
                    format!(
                        "post-only {} at {} would take liquidity",
                        req.side.as_str(),
                        ins.price_dec(l)
                    ),
                ));
            }
        }
        // Position rules.
        let probe = Order {
            quantity: lots,
            ..base.clone()
        };
        if let Some((cap, code)) = self.position_cap(&probe).filter(|_| !self.restoring) {
            let pending = if code == RejectCode::InsufficientPosition {
                self.pending_qty(inst, Side::Sell)
            } else {
                0
            };
            let cap = (cap - pending).max(0);
            if cap == 0 {
                return Err(Reject::new(
                    code,
                    match code {
                        RejectCode::ReduceOnly => {
                            "reduce-only order but no position to reduce".to_string()
                        }
                        _ => format!(
                            "sell of {} exceeds the position not already being sold",
                            req.quantity
                        ),
                    },
                ));
            }
            if lots > cap {
                if code == RejectCode::InsufficientPosition {
                    return Err(Reject::new(
                        code,
                        format!(
                            "sell of {} exceeds the sellable position {} (short selling is off)",
                            req.quantity,
                            ins.size_dec(cap)
                        ),
                    ));
                }
                lots = cap; // reduce-only: trimmed
                plan.lots = lots;
            }
        }
        if self.cfg.position_mode == PositionMode::Hedged
            && !self.cfg.allow_short
            && base.side == Side::Sell
            && base.position_side == PositionSide::Short
        {
            return Err(Reject::new(
                RejectCode::InsufficientPosition,
                "short selling is off",
            ));
        }
        // Cash or margin.
        if self.cfg.account_rules == AccountRules::Cash {
            if base.side == Side::Buy {
                let rate = if base.order_type == OrderType::Limit {
                    ins.maker_fee
                } else {
                    ins.taker_fee
                };
                let need = ins
                    .notional(reference, lots)
                    .and_then(|n| n.checked_add(self.fee_of(n, rate)?))
                    .ok_or_else(|| Reject::new(RejectCode::Overflow, "cost out of range"))?;
                let led = &self.ledgers[ins.currency];
                let available = led.cash.checked_sub(led.reserved).unwrap_or(Amount::ZERO);
                if need > available && !self.restoring {
                    return Err(Reject::new(
                        RejectCode::InsufficientBalance,
                        format!(
                            "needs {} {} of cash but {} is available",
                            need.to_dec(),
                            ins.quote,
                            available.to_dec()
                        ),
                    ));
                }
                plan_reserve(&mut plan, need);
            }
        } else if !Self::closes_only(&probe) {
            let fee_rate = if ins.taker_fee.cmp_value(ins.maker_fee).is_ge() {
                ins.taker_fee
            } else {
                ins.maker_fee
            };
            let fee = ins
                .notional(reference, lots)
                .and_then(|n| self.fee_of(n, fee_rate))
                .ok_or_else(|| Reject::new(RejectCode::Overflow, "fee out of range"))?;
            let leg = self.leg(base.position_side);
            let (pos, led, _, _) = self
                .book(inst, leg, base.side, lots, reference, fee)
                .ok_or_else(|| Reject::new(RejectCode::Overflow, "booking out of range"))?;
            let before = self.ledgers[ins.currency].free().unwrap_or(Amount::ZERO);
            let after = led.free().unwrap_or(Amount::ZERO);
            let need = Amount((before.0 - after.0).max(0));
            if need > before && !self.restoring {
                let short = pos.quantity < 0;
                return Err(Reject::new(
                    if short {
                        RejectCode::InsufficientMargin
                    } else {
                        RejectCode::InsufficientBalance
                    },
                    format!(
                        "needs {need} {} {} but {before} is free",
                        ins.quote,
                        if short { "of margin" } else { "of cash" }
                    ),
                ));
            }
            plan_reserve(&mut plan, need);
        }
        Ok(plan)
    }

    /// Remaining quantity of open orders on one side of an instrument (armed, not closing-only
    /// bracket children).
    fn pending_qty(&self, inst: usize, side: Side) -> i64 {
        self.instruments[inst]
            .active
            .iter()
            .map(|&id| self.ord(id))
            .filter(|o| o.status.is_open() && o.side == side && o.armed && o.parent.is_none())
            .map(|o| o.remaining())
            .sum()
    }

    fn accept(&mut self, base: Order, plan: Plan) -> u64 {
        let id = base.id;
        let inst = base.instrument;
        let cur = self.instruments[inst].currency;
        let mut o = base;
        o.quantity = plan.lots;
        o.limit = plan.limit;
        o.stop = plan.stop;
        o.trail_ref = plan.trail_ref;
        o.reserved = plan.reserve;
        o.status = OrderStatus::Accepted; // New -> Accepted (transition checked in tests)
        self.ledgers[cur].reserved = Amount(self.ledgers[cur].reserved.0 + plan.reserve.0);
        self.counts.accepted += 1;
        let side = o.side;
        let ps = o.position_side;
        let ts = o.ts;
        if let Some((stop, stop_limit)) = plan.oco {
            let peer = id + 1;
            o.oco = Some(peer);
            let mut p = o.clone();
            p.id = peer;
            p.order_type = if stop_limit.is_some() {
                OrderType::StopLimit
            } else {
                OrderType::Stop
            };
            p.limit = stop_limit;
            p.stop = Some(stop);
            p.oco = Some(id);
            p.reserved = Amount::ZERO;
            p.client_id = None;
            self.push(o);
            self.push(p);
            self.counts.accepted += 1;
            return id;
        }
        if let Some((sl, tp)) = plan.bracket {
            let (sl_id, tp_id) = (id + 1, id + 2);
            o.children = Some((sl_id, tp_id));
            let exit_side = side.opposite();
            let child = |cid: u64, order_type, limit, stop, peer| Order {
                id: cid,
                instrument: inst,
                side: exit_side,
                order_type,
                tif: TimeInForce::Gtc,
                post_only: false,
                reduce_only: true,
                position_side: ps,
                quantity: 0,
                filled: 0,
                status: OrderStatus::Accepted,
                limit,
                stop,
                trail: None,
                trail_ref: None,
                triggered: false,
                ts,
                arrived: true,
                armed: false,
                parent: Some(id),
                children: None,
                oco: Some(peer),
                reject: None,
                fill_notional: Amount::ZERO,
                fees: Amount::ZERO,
                reserved: Amount::ZERO,
                client_id: None,
                version: 0,
            };
            let s = child(sl_id, OrderType::Stop, None, Some(sl), tp_id);
            let t = child(tp_id, OrderType::Limit, Some(tp), None, sl_id);
            self.push(o);
            self.push(s);
            self.push(t);
            self.counts.accepted += 2;
            return id;
        }
        self.push(o);
        id
    }

    fn push(&mut self, o: Order) {
        let (id, inst) = (o.id, o.instrument);
        self.orders.push(o);
        self.instruments[inst].active.push(id);
    }

    /// Cancel an open order (with its OCO peer, and a bracket's children if nothing filled).
    /// `Ok(false)` if it had already ended.
    pub fn cancel(&mut self, id: u64) -> Result<bool, ExecError> {
        let o = self.order(id).ok_or(ExecError::UnknownOrder(id))?;
        if !o.status.is_open() {
            return Ok(false);
        }
        self.finish(id, OrderEvent::Cancel, None);
        Ok(true)
    }

    // -- fills ------------------------------------------------------------------------------

    /// Fill up to `want` lots of `id` at `price`. Returns the lots filled.
    fn execute(
        &mut self,
        id: u64,
        price: i64,
        want: i64,
        liq: Liquidity,
        ctx: &mut Ctx,
        out: &mut Vec<Fill>,
    ) -> i64 {
        let o = self.ord(id);
        if !o.status.is_open() || !o.armed {
            return 0;
        }
        if self.cfg.account_rules == AccountRules::Cash {
            if let Some((code, text)) = self.cash_rules_problem(id, price, liq) {
                self.finish(id, OrderEvent::Cancel, Some(Reject::new(code, text)));
                return 0;
            }
        }
        let o = self.ord(id);
        let mut lots = want.min(o.remaining());
        if let Some(b) = ctx.budget {
            lots = lots.min(b);
        }
        if let Some((cap, code)) = self.position_cap(o) {
            if cap == 0 {
                let text = match code {
                    RejectCode::ReduceOnly => "reduce-only: the position is flat".to_string(),
                    _ => "nothing left to sell (short selling is off)".to_string(),
                };
                self.finish(id, OrderEvent::Cancel, Some(Reject::new(code, text)));
                return 0;
            }
            lots = lots.min(cap);
        }
        let o = self.ord(id);
        if o.tif == TimeInForce::Fok && lots < o.remaining() {
            self.finish(
                id,
                OrderEvent::Expire,
                Some(Reject::new(
                    RejectCode::FillOrKill,
                    "the whole quantity could not fill at once",
                )),
            );
            return 0;
        }
        if lots <= 0 {
            return 0;
        }
        let inst = o.instrument;
        let ins = &self.instruments[inst];
        let rate = match liq {
            Liquidity::Maker => ins.maker_fee,
            Liquidity::Taker => ins.taker_fee,
        };
        let Some(fee) = ins.notional(price, lots).and_then(|n| self.fee_of(n, rate)) else {
            self.finish(
                id,
                OrderEvent::Cancel,
                Some(Reject::new(RejectCode::Overflow, "fill out of range")),
            );
            return 0;
        };
        let leg = self.leg(o.position_side);
        let old = self.positions[inst][leg];
        let Some((pos, mut led, realized, notional)) =
            self.book(inst, leg, o.side, lots, price, fee)
        else {
            self.finish(
                id,
                OrderEvent::Cancel,
                Some(Reject::new(RejectCode::Overflow, "fill out of range")),
            );
            return 0;
        };
        let o = self.ord(id);
        let remaining_before = o.remaining();
        let new_reserved = o
            .reserved
            .mul_div(
                (remaining_before - lots) as i128,
                remaining_before as i128,
                Round::Floor,
            )
            .unwrap_or(Amount::ZERO);
        let peer_reserved = o
            .oco
            .map(|p| self.ord(p))
            .filter(|p| p.status.is_open())
            .map_or(Amount::ZERO, |p| p.reserved);
        led.reserved = Amount(led.reserved.0 - o.reserved.0 + new_reserved.0);
        let grows = pos.quantity.abs() > old.quantity.abs()
            || pos.quantity.signum() * old.quantity.signum() < 0;
        if grows && self.cfg.account_rules == AccountRules::Margin {
            let free = led.free().map_or(i128::MIN, |f| f.0) + peer_reserved.0;
            if free < 0 {
                let short = pos.quantity < 0;
                self.finish(
                    id,
                    OrderEvent::Cancel,
                    Some(Reject::new(
                        if short {
                            RejectCode::InsufficientMargin
                        } else {
                            RejectCode::InsufficientBalance
                        },
                        format!(
                            "at fill time the account cannot pay {} {}",
                            Amount(notional.0 + fee.0),
                            ins.quote
                        ),
                    )),
                );
                return 0;
            }
        }
        let cur = ins.currency;
        self.positions[inst][leg] = pos;
        let target = &mut self.ledgers[cur];
        target.cash = led.cash;
        target.reserved = led.reserved;
        target.short_lock = led.short_lock;
        target.fees = led.fees;
        target.realized = led.realized;
        let o = self.ord_mut(id);
        o.filled += lots;
        o.reserved = new_reserved;
        o.fill_notional = Amount(o.fill_notional.0 + notional.0);
        o.fees = Amount(o.fees.0 + fee.0);
        o.arrived = true;
        let event = if o.remaining() == 0 {
            OrderEvent::Fill
        } else {
            OrderEvent::PartialFill
        };
        o.status = transition(o.status, event).unwrap_or(o.status);
        o.version = o.version.wrapping_add(1);
        let (side, ps, children, oco, done) = (
            o.side,
            o.position_side,
            o.children,
            o.oco,
            o.remaining() == 0,
        );
        let filled_total = o.filled;
        if let Some(b) = &mut ctx.budget {
            *b -= lots;
        }
        self.counts.fills += 1;
        if done {
            self.counts.filled += 1;
        }
        out.push(Fill {
            order_id: id,
            instrument: inst,
            side,
            position_side: ps,
            price,
            quantity: lots,
            notional,
            fee,
            liquidity: liq,
            ts: ctx.ts,
            realized,
        });
        if let Some(peer) = oco {
            self.finish(
                peer,
                OrderEvent::Cancel,
                Some(Reject::new(
                    RejectCode::OneCancelsOther,
                    format!("linked order {id} filled"),
                )),
            );
            self.ord_mut(id).oco = None;
        }
        if let Some((sl, tp)) = children {
            for c in [sl, tp] {
                let child = self.ord_mut(c);
                if child.status.is_open() {
                    child.quantity = filled_total;
                    child.armed = true;
                    child.version = child.version.wrapping_add(1);
                    self.armed.push(c);
                }
            }
        }
        lots
    }

    /// Under [`AccountRules::Cash`], why the rest of order `id` cannot fill at `price` (the
    /// paper venue's checks, in its order and with its words), or `None`.
    fn cash_rules_problem(
        &self,
        id: u64,
        price: i64,
        liq: Liquidity,
    ) -> Option<(RejectCode, String)> {
        let o = self.ord(id);
        let ins = &self.instruments[o.instrument];
        let lots = o.remaining();
        let pos = self.positions[o.instrument][self.leg(o.position_side)].quantity;
        if price <= 0 {
            return Some((
                RejectCode::Overflow,
                format!("fill price {} is not positive", ins.price_dec(price)),
            ));
        }
        if o.side == Side::Buy {
            let rate = match liq {
                Liquidity::Maker => ins.maker_fee,
                Liquidity::Taker => ins.taker_fee,
            };
            let notional = ins.notional(price, lots)?;
            let cost = notional.checked_add(self.fee_of(notional, rate)?)?;
            let cash = self.ledgers[ins.currency].cash;
            if cost > cash {
                return Some((
                    RejectCode::InsufficientBalance,
                    format!(
                        "insufficient cash at fill: need {} {q}, have {} {q}",
                        cost.to_dec(),
                        cash.to_dec(),
                        q = ins.quote
                    ),
                ));
            }
        } else if !self.cfg.allow_short && lots > pos {
            return Some((
                RejectCode::InsufficientPosition,
                format!(
                    "insufficient {} holdings at fill: {}",
                    ins.symbol,
                    ins.size_dec(pos)
                ),
            ));
        }
        if o.reduce_only && (pos * o.side.sign() >= 0 || lots > pos.abs()) {
            return Some((
                RejectCode::ReduceOnly,
                format!(
                    "reduce_only: the {} position is now {}",
                    ins.symbol,
                    ins.size_dec(pos)
                ),
            ));
        }
        None
    }

    /// Fill price of a market order at a bar's exact `open` under [`BarMatching::Arrival`]:
    /// fixed slippage applies to the exact open, then the price goes to the tick against the
    /// trader; other models slip the open rounded against the trader.
    fn arrival_market_price(
        &self,
        inst: usize,
        side: Side,
        open: Dec,
        lots: i64,
        volume: i64,
    ) -> Option<i64> {
        let inc = self.instruments[inst].price_increment;
        let mode = match side {
            Side::Buy => Round::Ceil,
            Side::Sell => Round::Floor,
        };
        match self.cfg.slippage {
            Slippage::FixedBps(b) => {
                let den = pow10(b.scale).checked_mul(10_000)?;
                let num = match side {
                    Side::Buy => den.checked_add(b.mant)?,
                    Side::Sell => den.checked_sub(b.mant)?,
                };
                let a = open.mant.checked_mul(num)?.checked_mul(pow10(inc.scale))?;
                let d = pow10(open.scale).checked_mul(den)?.checked_mul(inc.mant)?;
                i64::try_from(crate::fixed::div_round(a, d, mode)?).ok()
            }
            _ => {
                let p = open.round_units(inc, mode)?;
                Some(self.slip(inst, side, p, lots, volume))
            }
        }
    }

    /// Match one bar given as exact decimals under [`BarMatching::Arrival`] (the paper venue's
    /// rule: each order on its own, in arrival order; prices to the tick against the trader).
    /// `volume` is in lots. Fills are appended to `out`. Prices are not checked (as the paper
    /// venue): a fill at a price <= 0 is cancelled under [`AccountRules::Cash`].
    #[allow(clippy::too_many_arguments)]
    pub fn on_bar_exact(
        &mut self,
        symbol: &str,
        ts: i64,
        open: Dec,
        high: Dec,
        low: Dec,
        close: Dec,
        volume: i64,
        out: &mut Vec<Fill>,
    ) -> Result<(), ExecError> {
        if volume < 0 {
            return Err(ExecError::field("volume", "must be >= 0"));
        }
        let inst = self.instrument_for(symbol)?;
        let inc = self.instruments[inst].price_increment;
        let ticks = |v: Dec, mode: Round| {
            v.round_units(inc, mode)
                .ok_or(ExecError::Overflow("bar price"))
        };
        let (open_up, open_down) = (ticks(open, Round::Ceil)?, ticks(open, Round::Floor)?);
        let (low_up, low_down) = (ticks(low, Round::Ceil)?, ticks(low, Round::Floor)?);
        let (high_up, high_down) = (ticks(high, Round::Ceil)?, ticks(high, Round::Floor)?);
        let last = ticks(close, Round::Nearest)?.max(1);
        self.begin_event(inst, ts, true)?;
        let mut ctx = Ctx {
            ts,
            budget: self.budget(volume),
            volume,
            gap_fills_at_point: true,
        };
        let touch = self.cfg.fill_limit_on_touch;
        let ids = std::mem::take(&mut self.scratch);
        for &id in &ids {
            let o = self.ord(id);
            if !o.status.is_open() || !o.armed || o.ts >= ts {
                continue;
            }
            let want = o.remaining();
            let matched = match (o.order_type, o.side, o.limit) {
                (OrderType::Market, side, _) => Some((
                    self.arrival_market_price(inst, side, open, want, volume)
                        .unwrap_or(0),
                    Liquidity::Taker,
                )),
                (OrderType::Limit, Side::Buy, Some(l)) => {
                    if open_up <= l {
                        Some((open_up, Liquidity::Maker))
                    } else if low_down < l || (touch && low_up <= l) {
                        Some((l, Liquidity::Maker))
                    } else {
                        None
                    }
                }
                (OrderType::Limit, Side::Sell, Some(l)) => {
                    if open_down >= l {
                        Some((open_down, Liquidity::Maker))
                    } else if high_up > l || (touch && high_down >= l) {
                        Some((l, Liquidity::Maker))
                    } else {
                        None
                    }
                }
                _ => None,
            };
            if let Some((price, liq)) = matched {
                self.ord_mut(id).arrived = true;
                self.execute(id, price, want, liq, &mut ctx, out);
            }
        }
        self.scratch = ids;
        self.instruments[inst].last_price = Some(last);
        Ok(())
    }

    /// Book a fill made before a restart (rebuilding an account from its stored fills): the
    /// position, cash, fees and realised PnL move as that fill moved them. Netting only.
    pub fn restore_fill(
        &mut self,
        symbol: &str,
        side: Side,
        quantity: Dec,
        price: Dec,
        fee: Dec,
    ) -> Result<(), ExecError> {
        if self.cfg.position_mode != PositionMode::Netting {
            return Err(ExecError::field(
                "position_mode",
                "restore_fill needs 'netting'",
            ));
        }
        let inst = self.instrument_for(symbol)?;
        let ins = &self.instruments[inst];
        let lots = quantity
            .exact_units(ins.size_increment)
            .filter(|&l| l > 0)
            .ok_or_else(|| {
                ExecError::field(
                    "quantity",
                    format!(
                        "must be > 0 and a multiple of {}, got {quantity}",
                        ins.size_increment
                    ),
                )
            })?;
        let ticks = price
            .exact_units(ins.price_increment)
            .filter(|&p| p > 0)
            .ok_or_else(|| {
                ExecError::field(
                    "price",
                    format!(
                        "must be > 0 and a multiple of {}, got {price}",
                        ins.price_increment
                    ),
                )
            })?;
        let fee = fee
            .to_amount()
            .filter(|f| f.0 >= 0)
            .ok_or_else(|| ExecError::field("fee", format!("must be >= 0, got {fee}")))?;
        let (pos, led, _, _) = self
            .book(inst, 0, side, lots, ticks, fee)
            .ok_or(ExecError::Overflow("restore_fill"))?;
        let cur = self.instruments[inst].currency;
        self.positions[inst][0] = pos;
        let target = &mut self.ledgers[cur];
        target.cash = led.cash;
        target.short_lock = led.short_lock;
        target.fees = led.fees;
        target.realized = led.realized;
        Ok(())
    }

    /// Submit an order the venue had accepted before a restart: as [`Engine::submit`], with its
    /// reservation, but without the position, cash and price checks it passed then.
    pub fn restore_order(&mut self, req: &OrderRequest<'_>) -> Result<u64, ExecError> {
        self.restoring = true;
        let r = self.submit(req);
        self.restoring = false;
        r
    }

    /// Set a symbol's last price (what market orders are checked at before its next event).
    pub fn set_last_price(&mut self, symbol: &str, price: Dec) -> Result<(), ExecError> {
        let inst = self.instrument_for(symbol)?;
        let ins = &mut self.instruments[inst];
        let p = price
            .round_units(ins.price_increment, Round::Nearest)
            .filter(|&p| p > 0)
            .ok_or_else(|| ExecError::field("price", format!("must be > 0, got {price}")))?;
        ins.last_price = Some(p);
        Ok(())
    }

    /// A taker fill at `point` (slipped; never beyond a limit).
    fn take(&mut self, id: u64, point: i64, ctx: &mut Ctx, out: &mut Vec<Fill>) {
        let o = self.ord(id);
        let want = o.remaining();
        let (inst, side, limit) = (o.instrument, o.side, o.limit);
        let lots = match ctx.budget {
            Some(b) => want.min(b),
            None => want,
        };
        let mut price = self.slip(inst, side, point, lots, ctx.volume);
        if let Some(l) =
            limit.filter(|_| matches!(o.order_type, OrderType::Limit | OrderType::StopLimit))
        {
            price = match side {
                Side::Buy => price.min(l),
                Side::Sell => price.max(l),
            };
        }
        self.execute(id, price, want, Liquidity::Taker, ctx, out);
    }

    fn marketable(o: &Order, point: i64) -> bool {
        match (o.side, o.limit) {
            (Side::Buy, Some(l)) => point <= l,
            (Side::Sell, Some(l)) => point >= l,
            (_, None) => true,
        }
    }

    fn stop_hit(&self, o: &Order, point: i64) -> bool {
        match o.order_type {
            OrderType::Stop | OrderType::StopLimit => match (o.side, o.stop) {
                (Side::Buy, Some(s)) => point >= s,
                (Side::Sell, Some(s)) => point <= s,
                _ => false,
            },
            OrderType::TrailingStop => {
                let Some(r) = o.trail_ref else { return false };
                let off = self.trail_offset(o, r);
                match o.side {
                    Side::Sell => point <= r - off,
                    Side::Buy => point >= r + off,
                }
            }
            _ => false,
        }
    }

    fn update_trail(&mut self, id: u64, point: i64) {
        let o = self.ord_mut(id);
        if o.order_type == OrderType::TrailingStop && !o.triggered {
            o.trail_ref = Some(match (o.side, o.trail_ref) {
                (Side::Sell, Some(r)) => r.max(point),
                (Side::Buy, Some(r)) => r.min(point),
                (_, None) => point,
            });
        }
    }

    /// The order meets the market at a single price (a bar's open, a trade, an arming fill).
    fn at_point(&mut self, id: u64, point: i64, ctx: &mut Ctx, out: &mut Vec<Fill>) {
        let o = self.ord(id);
        if !o.status.is_open() || !o.armed || o.ts >= ctx.ts {
            return;
        }
        let first = !o.arrived;
        let mut went_live = first;
        let is_stop = matches!(
            o.order_type,
            OrderType::Stop | OrderType::StopLimit | OrderType::TrailingStop
        );
        if is_stop && !o.triggered {
            if self.stop_hit(o, point) {
                let o = self.ord_mut(id);
                o.triggered = true;
                o.version = o.version.wrapping_add(1);
                went_live = true;
            } else {
                self.update_trail(id, point);
                let o = self.ord_mut(id);
                o.arrived = true;
                return;
            }
        } else if is_stop {
            went_live = false;
        }
        let o = self.ord(id);
        let live_limit = matches!(o.order_type, OrderType::Limit | OrderType::StopLimit);
        if !live_limit {
            self.take(id, point, ctx, out);
        } else if Self::marketable(o, point) {
            if went_live && o.post_only {
                self.finish(
                    id,
                    OrderEvent::Expire,
                    Some(Reject::new(
                        RejectCode::PostOnlyWouldTake,
                        "post-only order would take liquidity at arrival",
                    )),
                );
                return;
            }
            if went_live {
                self.take(id, point, ctx, out);
            } else {
                // A resting limit the market gapped through (bar open) or traded through.
                let price = if ctx.gap_fills_at_point {
                    point
                } else {
                    o.limit.unwrap_or(point)
                };
                let want = o.remaining();
                self.execute(id, price, want, Liquidity::Maker, ctx, out);
            }
        }
        let o = self.ord_mut(id);
        o.arrived = true;
        if went_live && o.status.is_open() && o.tif != TimeInForce::Gtc {
            let code = if o.tif == TimeInForce::Fok {
                RejectCode::FillOrKill
            } else {
                RejectCode::ImmediateOrCancel
            };
            self.finish(
                id,
                OrderEvent::Expire,
                Some(Reject::new(code, "the rest could not fill immediately")),
            );
        }
    }

    fn seg_event(&self, o: &Order, a: i64, b: i64) -> Option<(i64, Ev)> {
        if !o.status.is_open() || !o.armed || !o.arrived {
            return None;
        }
        let touch = self.cfg.fill_limit_on_touch;
        let live_limit = o.order_type == OrderType::Limit
            || (o.order_type == OrderType::StopLimit && o.triggered);
        if live_limit {
            let l = o.limit?;
            let hit = match o.side {
                Side::Buy => a > l && (b < l || (touch && b == l)),
                Side::Sell => a < l && (b > l || (touch && b == l)),
            };
            return hit.then_some((l, Ev::LimitFill));
        }
        if o.triggered {
            return None;
        }
        match o.order_type {
            OrderType::Stop | OrderType::StopLimit => {
                let s = o.stop?;
                let hit = match o.side {
                    Side::Buy => a < s && b >= s,
                    Side::Sell => a > s && b <= s,
                };
                hit.then_some((s, Ev::Trigger))
            }
            OrderType::TrailingStop => {
                let r = o.trail_ref?;
                match o.side {
                    Side::Sell => {
                        let r = r.max(a);
                        let lvl = r - self.trail_offset(o, r);
                        (a > lvl && b <= lvl).then_some((lvl, Ev::Trigger))
                    }
                    Side::Buy => {
                        let r = r.min(a);
                        let lvl = r + self.trail_offset(o, r);
                        (a < lvl && b >= lvl).then_some((lvl, Ev::Trigger))
                    }
                }
            }
            _ => None,
        }
    }

    /// Orders armed by the last fills meet the market at `point`; in a segment their later
    /// events go on the heap.
    fn drain_armed(
        &mut self,
        point: i64,
        seg: Option<(i64, i64)>,
        heap: &mut EventHeap,
        ctx: &mut Ctx,
        out: &mut Vec<Fill>,
    ) {
        while let Some(c) = self.armed.pop() {
            self.at_point(c, point, ctx, out);
            if let Some((a, b)) = seg {
                let o = self.ord(c);
                if let Some((lvl, ev)) = self.seg_event(o, point, b) {
                    heap.push(Reverse(((lvl - a).abs(), c, o.version, lvl, ev)));
                }
            }
        }
    }

    fn run_segment(&mut self, inst: usize, a: i64, b: i64, ctx: &mut Ctx, out: &mut Vec<Fill>) {
        // Events known at the segment start, sorted once; events created while the segment
        // runs (armed bracket children, triggered stop-limits) go to a small heap beside it.
        let mut events = std::mem::take(&mut self.events);
        events.clear();
        let ids = std::mem::take(&mut self.scratch);
        for &id in &ids {
            let o = self.ord(id);
            if o.ts >= ctx.ts {
                continue;
            }
            if let Some((lvl, ev)) = self.seg_event(o, a, b) {
                events.push(((lvl - a).abs(), id, o.version, lvl, ev));
            }
        }
        events.sort_unstable();
        let mut heap = EventHeap::new();
        let mut next = 0;
        loop {
            let from_vec = match (events.get(next), heap.peek()) {
                (Some(v), Some(Reverse(h))) => v <= h,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let (_, id, version, lvl, ev) = if from_vec {
                next += 1;
                events[next - 1]
            } else {
                match heap.pop() {
                    Some(Reverse(e)) => e,
                    None => break,
                }
            };
            let o = self.ord(id);
            if !o.status.is_open() || o.version != version {
                continue;
            }
            match ev {
                Ev::LimitFill => {
                    let want = o.remaining();
                    self.execute(id, lvl, want, Liquidity::Maker, ctx, out);
                }
                Ev::Trigger => {
                    let o = self.ord_mut(id);
                    o.triggered = true;
                    o.version = o.version.wrapping_add(1);
                    let live_limit = o.order_type == OrderType::StopLimit;
                    let tif = o.tif;
                    if !live_limit || Self::marketable(self.ord(id), lvl) {
                        self.take(id, lvl, ctx, out);
                    }
                    let o = self.ord(id);
                    if o.status.is_open() && tif != TimeInForce::Gtc {
                        let code = if tif == TimeInForce::Fok {
                            RejectCode::FillOrKill
                        } else {
                            RejectCode::ImmediateOrCancel
                        };
                        self.finish(
                            id,
                            OrderEvent::Expire,
                            Some(Reject::new(code, "the rest could not fill immediately")),
                        );
                    } else if let Some((l2, ev2)) = self.seg_event(o, lvl, b) {
                        heap.push(Reverse(((l2 - a).abs(), id, o.version, l2, ev2)));
                    }
                }
            }
            if !self.armed.is_empty() {
                self.drain_armed(lvl, Some((a, b)), &mut heap, ctx, out);
            }
        }
        for &id in &ids {
            let o = self.ord(id);
            if o.order_type == OrderType::TrailingStop && o.status.is_open() && o.arrived {
                self.update_trail(id, b);
            }
        }
        self.scratch = ids;
        self.events = events;
        let _ = inst;
    }

    fn begin_event(&mut self, inst: usize, ts: i64, strictly_after: bool) -> Result<(), ExecError> {
        let ins = &mut self.instruments[inst];
        if let Some(last) = ins.last_ts {
            if ts < last || (strictly_after && ts == last) {
                return Err(ExecError::field(
                    "ts",
                    format!(
                        "{} event at {ts} is not after the previous one at {last}",
                        ins.symbol
                    ),
                ));
            }
        }
        ins.last_ts = Some(ts);
        self.clock = self.clock.max(ts);
        // Snapshot the candidates (open orders in arrival order), dropping finished ones.
        let orders = &self.orders;
        ins.active
            .retain(|&id| orders[(id - 1) as usize].status.is_open());
        self.scratch.clear();
        self.scratch.extend_from_slice(&ins.active);
        Ok(())
    }

    fn budget(&self, volume: i64) -> Option<i64> {
        self.cfg.participation.map(|p| {
            crate::fixed::div_round(volume as i128 * p.mant, pow10(p.scale), Round::Floor)
                .unwrap_or(0) as i64
        })
    }

    /// Match the symbol's open orders against one bar (ticks and lots). Fills are appended to
    /// `out`.
    pub fn on_bar(&mut self, symbol: &str, bar: Bar, out: &mut Vec<Fill>) -> Result<(), ExecError> {
        if bar.low > bar.high
            || bar.open < bar.low
            || bar.open > bar.high
            || bar.close < bar.low
            || bar.close > bar.high
        {
            return Err(ExecError::field(
                "bar",
                format!(
                    "needs low <= open, close <= high, got o={} h={} l={} c={}",
                    bar.open, bar.high, bar.low, bar.close
                ),
            ));
        }
        if bar.low <= 0 || bar.volume < 0 {
            return Err(ExecError::field(
                "bar",
                "prices must be > 0 and volume >= 0",
            ));
        }
        let inst = self.instrument_for(symbol)?;
        self.begin_event(inst, bar.ts, true)?;
        let mut ctx = Ctx {
            ts: bar.ts,
            budget: self.budget(bar.volume),
            volume: bar.volume,
            gap_fills_at_point: true,
        };
        let path = bar.path();
        let ids = std::mem::take(&mut self.scratch);
        let mut heap = BinaryHeap::new();
        for &id in &ids {
            self.at_point(id, path[0], &mut ctx, out);
            self.drain_armed(path[0], None, &mut heap, &mut ctx, out);
        }
        self.scratch = ids;
        for w in path.windows(2) {
            if w[0] != w[1] {
                self.run_segment(inst, w[0], w[1], &mut ctx, out);
            }
        }
        self.instruments[inst].last_price = Some(bar.close);
        Ok(())
    }

    /// Match against one trade print (price in ticks, size in lots).
    pub fn on_trade(
        &mut self,
        symbol: &str,
        ts: i64,
        price: i64,
        size: i64,
        out: &mut Vec<Fill>,
    ) -> Result<(), ExecError> {
        if price <= 0 || size < 0 {
            return Err(ExecError::field("trade", "price must be > 0 and size >= 0"));
        }
        let inst = self.instrument_for(symbol)?;
        self.begin_event(inst, ts, false)?;
        let mut ctx = Ctx {
            ts,
            budget: self.budget(size),
            volume: size,
            gap_fills_at_point: false,
        };
        let ids = std::mem::take(&mut self.scratch);
        let mut heap = BinaryHeap::new();
        for &id in &ids {
            self.at_point(id, price, &mut ctx, out);
            self.drain_armed(price, None, &mut heap, &mut ctx, out);
        }
        self.scratch = ids;
        self.instruments[inst].last_price = Some(price);
        Ok(())
    }

    /// Match against a top-of-book snapshot: `bids` best first (descending), `asks` best first
    /// (ascending), each `(price ticks, size lots)`. Takers walk the levels; a resting limit the
    /// book crossed fills at its limit as maker. Levels are used up as orders fill.
    pub fn on_book(
        &mut self,
        symbol: &str,
        ts: i64,
        bids: &[(i64, i64)],
        asks: &[(i64, i64)],
        out: &mut Vec<Fill>,
    ) -> Result<(), ExecError> {
        for (name, side, desc) in [("bids", bids, true), ("asks", asks, false)] {
            for w in side.windows(2) {
                if (desc && w[1].0 >= w[0].0) || (!desc && w[1].0 <= w[0].0) {
                    return Err(ExecError::field(
                        name,
                        "levels must be sorted best first, without repeats",
                    ));
                }
            }
            if side.iter().any(|&(p, q)| p <= 0 || q < 0) {
                return Err(ExecError::field(name, "prices must be > 0 and sizes >= 0"));
            }
        }
        if let (Some(b), Some(a)) = (bids.first(), asks.first()) {
            if b.0 >= a.0 {
                return Err(ExecError::field("bids", "best bid must be below best ask"));
            }
        }
        let inst = self.instrument_for(symbol)?;
        self.begin_event(inst, ts, false)?;
        {
            let ins = &mut self.instruments[inst];
            ins.best_bid = bids.first().map(|l| l.0);
            ins.best_ask = asks.first().map(|l| l.0);
            ins.last_price = match (ins.best_bid, ins.best_ask) {
                (Some(b), Some(a)) => Some(b + (a - b) / 2),
                (b, a) => b.or(a).or(ins.last_price),
            };
        }
        let cap = |q: i64| match self.cfg.participation {
            Some(p) => crate::fixed::div_round(q as i128 * p.mant, pow10(p.scale), Round::Floor)
                .unwrap_or(0) as i64,
            None => q,
        };
        let mut bid_left: Vec<(i64, i64)> = bids.iter().map(|&(p, q)| (p, cap(q))).collect();
        let mut ask_left: Vec<(i64, i64)> = asks.iter().map(|&(p, q)| (p, cap(q))).collect();
        let mid = self.instruments[inst].last_price;
        let ids = std::mem::take(&mut self.scratch);
        let mut queue: Vec<u64> = ids.clone();
        let mut qi = 0;
        while qi < queue.len() {
            let id = queue[qi];
            qi += 1;
            let o = self.ord(id);
            if !o.status.is_open() || !o.armed || o.ts >= ts {
                continue;
            }
            let first = !o.arrived;
            let is_stop = matches!(
                o.order_type,
                OrderType::Stop | OrderType::StopLimit | OrderType::TrailingStop
            );
            let mut went_live = first && !is_stop;
            if is_stop && !o.triggered {
                let probe = match o.side {
                    Side::Buy => asks.first().map(|l| l.0).or(mid),
                    Side::Sell => bids.first().map(|l| l.0).or(mid),
                };
                match probe {
                    Some(p) if self.stop_hit(o, p) => {
                        let o = self.ord_mut(id);
                        o.triggered = true;
                        o.version = o.version.wrapping_add(1);
                        went_live = true;
                    }
                    _ => {
                        if let Some(m) = mid {
                            self.update_trail(id, m);
                        }
                        self.ord_mut(id).arrived = true;
                        continue;
                    }
                }
            }
            let o = self.ord(id);
            let (side, limit, post_only, tif) = (o.side, o.limit, o.post_only, o.tif);
            let limit =
                limit.filter(|_| matches!(o.order_type, OrderType::Limit | OrderType::StopLimit));
            let levels = match side {
                Side::Buy => &mut ask_left,
                Side::Sell => &mut bid_left,
            };
            let within = |p: i64| match (side, limit) {
                (Side::Buy, Some(l)) => p <= l,
                (Side::Sell, Some(l)) => p >= l,
                (_, None) => true,
            };
            let crosses = levels.first().is_some_and(|l| within(l.0));
            if went_live && post_only && crosses {
                self.finish(
                    id,
                    OrderEvent::Expire,
                    Some(Reject::new(
                        RejectCode::PostOnlyWouldTake,
                        "post-only order would take liquidity at arrival",
                    )),
                );
                continue;
            }
            let maker = !went_live && limit.is_some();
            let available: i64 = levels.iter().filter(|l| within(l.0)).map(|l| l.1).sum();
            if tif == TimeInForce::Fok && went_live && available < o.remaining() {
                self.finish(
                    id,
                    OrderEvent::Expire,
                    Some(Reject::new(
                        RejectCode::FillOrKill,
                        "the book cannot fill the whole quantity",
                    )),
                );
                continue;
            }
            let mut levels_local = std::mem::take(levels);
            let mut ctx = Ctx {
                ts,
                budget: None,
                volume: 0,
                gap_fills_at_point: false,
            };
            for level in levels_local.iter_mut() {
                if !within(level.0) || level.1 == 0 {
                    if !within(level.0) {
                        break;
                    }
                    continue;
                }
                let o = self.ord(id);
                if !o.status.is_open() {
                    break;
                }
                let price = if maker {
                    limit.unwrap_or(level.0)
                } else {
                    level.0
                };
                let liq = if maker {
                    Liquidity::Maker
                } else {
                    Liquidity::Taker
                };
                // FOK was checked against the whole book above; fill level by level as GTC.
                let saved_tif = o.tif;
                self.ord_mut(id).tif = TimeInForce::Gtc;
                let got = self.execute(id, price, level.1, liq, &mut ctx, out);
                self.ord_mut(id).tif = saved_tif;
                level.1 -= got;
                if got == 0 {
                    break;
                }
            }
            match side {
                Side::Buy => ask_left = levels_local,
                Side::Sell => bid_left = levels_local,
            }
            let o = self.ord_mut(id);
            o.arrived = true;
            if went_live && o.status.is_open() && o.tif != TimeInForce::Gtc {
                let code = if o.tif == TimeInForce::Fok {
                    RejectCode::FillOrKill
                } else {
                    RejectCode::ImmediateOrCancel
                };
                self.finish(
                    id,
                    OrderEvent::Expire,
                    Some(Reject::new(code, "the rest could not fill immediately")),
                );
            }
            // Bracket children armed by these fills meet the same book.
            queue.append(&mut self.armed);
        }
        self.scratch = ids;
        Ok(())
    }
}

struct Plan {
    lots: i64,
    limit: Option<i64>,
    stop: Option<i64>,
    trail_ref: Option<i64>,
    bracket: Option<(i64, i64)>,
    oco: Option<(i64, Option<i64>)>,
    reserve: Amount,
}

fn plan_reserve(plan: &mut Plan, need: Amount) {
    plan.reserve = need;
}

fn request_prices(kind: &RequestKind) -> ([(&'static str, Dec); 3], usize) {
    let z = ("", Dec::ONE);
    match *kind {
        RequestKind::Market => ([z; 3], 0),
        RequestKind::Limit { price } => ([("price", price), z, z], 1),
        RequestKind::Stop { stop } => ([("stop_price", stop), z, z], 1),
        RequestKind::StopLimit { stop, limit } => ([("stop_price", stop), ("price", limit), z], 2),
        RequestKind::TrailingStop { trail } => match trail {
            TrailSpec::Amount(a) => ([("trailing_amount", a), z, z], 1),
            TrailSpec::Bps(b) => ([("trailing_bps", b), z, z], 1),
        },
        RequestKind::Bracket {
            entry_limit,
            stop_loss,
            take_profit,
        } => (
            [
                ("stop_loss", stop_loss),
                ("take_profit", take_profit),
                ("price", entry_limit.unwrap_or(Dec::ONE)),
            ],
            3,
        ),
        RequestKind::Oco {
            limit,
            stop,
            stop_limit,
        } => (
            [
                ("price", limit),
                ("stop_price", stop),
                ("stop_limit_price", stop_limit.unwrap_or(Dec::ONE)),
            ],
            3,
        ),
    }
}
