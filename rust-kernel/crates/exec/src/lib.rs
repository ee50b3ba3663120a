//! deepalpha-exec: DeepAlpha's execution engine, in pure Rust (no Python; `crates/python` binds
//! it as `ExecutionEngine`).
//!
//! - [`state`]: the order state machine; every change goes through [`state::transition`].
//! - [`order`]: order requests (market, limit, stop, stop-limit, trailing stop, bracket, OCO;
//!   GTC/IOC/FOK, post-only, reduce-only), orders and fills.
//! - [`checks`]: pre-trade checks (precision, notional, price band, rate limit).
//! - [`engine`]: submission, matching against bars (with a documented intra-bar path), trades
//!   and book snapshots, partial fills under a participation cap, fees and slippage.
//! - [`account`]: balances per currency and positions (netting or hedged), margin for shorts.
//! - [`fixed`]: exact numbers: prices in ticks, sizes in lots, amounts in 10^-18 units.
//!
//! Nothing booked is a float, and nothing panics on user input: malformed requests return
//! [`ExecError`], refused orders are stored as `Rejected` with a [`error::Reject`] reason.

pub mod account;
pub mod bench;
pub mod checks;
pub mod engine;
pub mod error;
pub mod fixed;
pub mod instrument;
pub mod order;
pub mod state;

pub use account::{Ledger, Position, PositionMode};
pub use engine::{AccountRules, Bar, BarMatching, Counts, Engine, EngineConfig, Slippage};
pub use error::{ExecError, Reject, RejectCode};
pub use fixed::{Amount, Dec};
pub use instrument::{Instrument, InstrumentSpec};
pub use order::{
    Fill, Liquidity, Order, OrderRequest, OrderType, PositionSide, RequestKind, Side, TimeInForce,
    TrailSpec,
};
pub use state::{transition, OrderEvent, OrderStatus};
