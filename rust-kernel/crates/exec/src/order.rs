//! Orders, order requests and fills.

use crate::error::Reject;
use crate::fixed::{Amount, Dec};
use crate::state::OrderStatus;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn sign(self) -> i64 {
        match self {
            Side::Buy => 1,
            Side::Sell => -1,
        }
    }

    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }
}

/// How a single order trades once it is live. Brackets and OCO pairs are built from these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderType {
    Market,
    Limit,
    Stop,
    StopLimit,
    TrailingStop,
}

impl OrderType {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Market => "market",
            OrderType::Limit => "limit",
            OrderType::Stop => "stop",
            OrderType::StopLimit => "stop_limit",
            OrderType::TrailingStop => "trailing_stop",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeInForce {
    /// Good till cancelled.
    Gtc,
    /// Immediate or cancel: what cannot fill when the order goes live expires.
    Ioc,
    /// Fill or kill: all of it when the order goes live, or nothing.
    Fok,
}

impl TimeInForce {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeInForce::Gtc => "gtc",
            TimeInForce::Ioc => "ioc",
            TimeInForce::Fok => "fok",
        }
    }
}

/// Which position an order trades: `Both` in netting mode, `Long`/`Short` legs in hedged mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PositionSide {
    Both,
    Long,
    Short,
}

impl PositionSide {
    pub fn as_str(self) -> &'static str {
        match self {
            PositionSide::Both => "both",
            PositionSide::Long => "long",
            PositionSide::Short => "short",
        }
    }
}

/// The distance of a trailing stop from the best price seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrailSpec {
    /// A price amount (rounded up to the tick).
    Amount(Dec),
    /// Basis points of the reference price (the distance in ticks is rounded up).
    Bps(Dec),
}

/// The shape of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    Market,
    Limit {
        price: Dec,
    },
    Stop {
        stop: Dec,
    },
    StopLimit {
        stop: Dec,
        limit: Dec,
    },
    TrailingStop {
        trail: TrailSpec,
    },
    /// An entry (limit if `entry_limit` is given, else market) with a stop-loss and a
    /// take-profit child, both reduce-only and one-cancels-other, armed by the entry's fills.
    Bracket {
        entry_limit: Option<Dec>,
        stop_loss: Dec,
        take_profit: Dec,
    },
    /// Two orders on the same side, a limit and a stop (or stop-limit): a fill of either
    /// cancels the other.
    Oco {
        limit: Dec,
        stop: Dec,
        stop_limit: Option<Dec>,
    },
}

/// An order as the trader asks for it; prices and sizes are still decimals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRequest<'a> {
    pub symbol: &'a str,
    pub side: Side,
    pub kind: RequestKind,
    pub quantity: Dec,
    pub tif: TimeInForce,
    pub post_only: bool,
    pub reduce_only: bool,
    pub position_side: Option<PositionSide>,
    /// Venue time of the decision (ms); defaults to the symbol's last event time.
    pub ts: Option<i64>,
    pub client_id: Option<&'a str>,
}

impl<'a> OrderRequest<'a> {
    pub fn market(symbol: &'a str, side: Side, quantity: Dec) -> OrderRequest<'a> {
        OrderRequest {
            symbol,
            side,
            kind: RequestKind::Market,
            quantity,
            tif: TimeInForce::Gtc,
            post_only: false,
            reduce_only: false,
            position_side: None,
            ts: None,
            client_id: None,
        }
    }

    pub fn limit(symbol: &'a str, side: Side, quantity: Dec, price: Dec) -> OrderRequest<'a> {
        OrderRequest {
            kind: RequestKind::Limit { price },
            ..OrderRequest::market(symbol, side, quantity)
        }
    }

    pub fn with_kind(mut self, kind: RequestKind) -> Self {
        self.kind = kind;
        self
    }
}

/// An order at the venue. Prices are ticks and sizes lots of its instrument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub id: u64,
    pub instrument: usize,
    pub side: Side,
    pub order_type: OrderType,
    pub tif: TimeInForce,
    pub post_only: bool,
    pub reduce_only: bool,
    pub position_side: PositionSide,
    pub quantity: i64,
    pub filled: i64,
    pub status: OrderStatus,
    pub limit: Option<i64>,
    pub stop: Option<i64>,
    pub trail: Option<TrailSpec>,
    /// Best price seen since a trailing stop went live (high for a sell, low for a buy).
    pub trail_ref: Option<i64>,
    /// A stop whose trigger was reached (it now trades as market or limit).
    pub triggered: bool,
    /// Venue time of submission; only later market events can fill it.
    pub ts: i64,
    /// The order has been seen by the market once (it rests from then on).
    pub arrived: bool,
    /// A bracket child waits (unarmed) until its parent fills.
    pub armed: bool,
    pub parent: Option<u64>,
    pub children: Option<(u64, u64)>,
    pub oco: Option<u64>,
    pub reject: Option<Reject>,
    /// Sum of the fills' notionals (for the average price).
    pub fill_notional: Amount,
    pub fees: Amount,
    /// Cash or margin held for the unfilled part.
    pub reserved: Amount,
    pub client_id: Option<String>,
    /// Bumped on every change that alters when the order can match (stale events are skipped).
    pub version: u32,
}

impl Order {
    pub fn remaining(&self) -> i64 {
        self.quantity - self.filled
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Liquidity {
    Maker,
    Taker,
}

impl Liquidity {
    pub fn as_str(self) -> &'static str {
        match self {
            Liquidity::Maker => "maker",
            Liquidity::Taker => "taker",
        }
    }
}

/// One execution. `price` in ticks, `quantity` in lots; the amounts are exact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fill {
    pub order_id: u64,
    pub instrument: usize,
    pub side: Side,
    pub position_side: PositionSide,
    pub price: i64,
    pub quantity: i64,
    pub notional: Amount,
    pub fee: Amount,
    pub liquidity: Liquidity,
    pub ts: i64,
    /// PnL realised by this fill (before fees).
    pub realized: Amount,
}
