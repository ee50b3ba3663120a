//! Errors (bad input, refused by the caller's code) and rejections (refused by the venue's rules).
//!
//! An [`ExecError`] means the request itself is malformed: the binding raises it as a Python
//! `ValueError` whose text names the field. A [`Reject`] is an ordinary trading outcome: the
//! order gets an id, is stored with status `Rejected` and carries a [`RejectCode`] and a text.

use std::fmt;

/// A malformed request or an internal limit; never a panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// A field has a wrong value: `field: message`.
    InvalidField { field: String, message: String },
    /// An order id the engine does not know.
    UnknownOrder(u64),
    /// A state change the order state machine forbids.
    IllegalTransition {
        from: crate::state::OrderStatus,
        event: crate::state::OrderEvent,
    },
    /// Arithmetic left the exact range (values far outside any market).
    Overflow(&'static str),
}

impl ExecError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ExecError {
        ExecError::InvalidField {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::InvalidField { field, message } => write!(f, "{field}: {message}"),
            ExecError::UnknownOrder(id) => write!(f, "order_id: no order {id}"),
            ExecError::IllegalTransition { from, event } => {
                write!(f, "illegal order transition: {event:?} in state {from:?}")
            }
            ExecError::Overflow(what) => write!(f, "{what}: value out of the exact range"),
        }
    }
}

impl std::error::Error for ExecError {}

/// Why the venue refused (or later cancelled) an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectCode {
    PricePrecision,
    SizePrecision,
    MinSize,
    MinNotional,
    MaxNotional,
    PriceBand,
    RateLimit,
    NoPrice,
    PostOnlyWouldTake,
    ReduceOnly,
    InsufficientBalance,
    InsufficientMargin,
    InsufficientPosition,
    FillOrKill,
    ImmediateOrCancel,
    ParentCancelled,
    OneCancelsOther,
    Overflow,
}

impl RejectCode {
    pub const ALL: [RejectCode; 18] = [
        RejectCode::PricePrecision,
        RejectCode::SizePrecision,
        RejectCode::MinSize,
        RejectCode::MinNotional,
        RejectCode::MaxNotional,
        RejectCode::PriceBand,
        RejectCode::RateLimit,
        RejectCode::NoPrice,
        RejectCode::PostOnlyWouldTake,
        RejectCode::ReduceOnly,
        RejectCode::InsufficientBalance,
        RejectCode::InsufficientMargin,
        RejectCode::InsufficientPosition,
        RejectCode::FillOrKill,
        RejectCode::ImmediateOrCancel,
        RejectCode::ParentCancelled,
        RejectCode::OneCancelsOther,
        RejectCode::Overflow,
    ];

    /// The stable upper-case code shown to users and stored with the order.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::PricePrecision => "PRICE_PRECISION",
            RejectCode::SizePrecision => "SIZE_PRECISION",
            RejectCode::MinSize => "MIN_SIZE",
            RejectCode::MinNotional => "MIN_NOTIONAL",
            RejectCode::MaxNotional => "MAX_NOTIONAL",
            RejectCode::PriceBand => "PRICE_BAND",
            RejectCode::RateLimit => "RATE_LIMIT",
            RejectCode::NoPrice => "NO_PRICE",
            RejectCode::PostOnlyWouldTake => "POST_ONLY_WOULD_TAKE",
            RejectCode::ReduceOnly => "REDUCE_ONLY",
            RejectCode::InsufficientBalance => "INSUFFICIENT_BALANCE",
            RejectCode::InsufficientMargin => "INSUFFICIENT_MARGIN",
            RejectCode::InsufficientPosition => "INSUFFICIENT_POSITION",
            RejectCode::FillOrKill => "FILL_OR_KILL",
            RejectCode::ImmediateOrCancel => "IMMEDIATE_OR_CANCEL",
            RejectCode::ParentCancelled => "PARENT_CANCELLED",
            RejectCode::OneCancelsOther => "ONE_CANCELS_OTHER",
            RejectCode::Overflow => "OVERFLOW",
        }
    }
}

/// A refusal with its code and a human-readable text naming the numbers involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    pub code: RejectCode,
    pub text: String,
}

impl Reject {
    pub fn new(code: RejectCode, text: impl Into<String>) -> Reject {
        Reject {
            code,
            text: text.into(),
        }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.text)
    }
}
