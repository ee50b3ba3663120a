//! The order state machine.
//!
//! ```text
//!   New --accept--> Accepted --partial fill--> PartiallyFilled --fill--> Filled
//!    |                 |  \--fill--> Filled        |  (partial fill loops)
//!    \--reject--> Rejected                         |
//!          Accepted / PartiallyFilled --cancel--> Cancelled, --expire--> Expired
//! ```
//! `Filled`, `Cancelled`, `Rejected` and `Expired` are final. Every other (state, event) pair is
//! an error: the engine never moves an order by assignment, only through [`transition`].

use crate::error::ExecError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    New,
    Accepted,
    PartiallyFilled,
    Filled,
    Cancelled,
    Rejected,
    Expired,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::New,
        OrderStatus::Accepted,
        OrderStatus::PartiallyFilled,
        OrderStatus::Filled,
        OrderStatus::Cancelled,
        OrderStatus::Rejected,
        OrderStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "new",
            OrderStatus::Accepted => "accepted",
            OrderStatus::PartiallyFilled => "partially_filled",
            OrderStatus::Filled => "filled",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Expired => "expired",
        }
    }

    /// Whether no event can change the order any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Filled
                | OrderStatus::Cancelled
                | OrderStatus::Rejected
                | OrderStatus::Expired
        )
    }

    /// Whether the order is live at the venue (can still fill).
    pub fn is_open(self) -> bool {
        matches!(self, OrderStatus::Accepted | OrderStatus::PartiallyFilled)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderEvent {
    /// The venue took the order.
    Accept,
    /// The venue refused the order at submission.
    Reject,
    /// A fill that leaves a remainder.
    PartialFill,
    /// A fill that completes the order.
    Fill,
    /// Cancelled by the trader, by a linked order (OCO, bracket) or by the venue.
    Cancel,
    /// Its time in force ran out (IOC/FOK remainder, post-only that would take).
    Expire,
}

impl OrderEvent {
    pub const ALL: [OrderEvent; 6] = [
        OrderEvent::Accept,
        OrderEvent::Reject,
        OrderEvent::PartialFill,
        OrderEvent::Fill,
        OrderEvent::Cancel,
        OrderEvent::Expire,
    ];
}

/// The state after `event` in state `from`, or an error for an illegal pair.
pub fn transition(from: OrderStatus, event: OrderEvent) -> Result<OrderStatus, ExecError> {
    use OrderEvent as E;
    use OrderStatus as S;
    match (from, event) {
        (S::New, E::Accept) => Ok(S::Accepted),
        (S::New, E::Reject) => Ok(S::Rejected),
        (S::Accepted | S::PartiallyFilled, E::PartialFill) => Ok(S::PartiallyFilled),
        (S::Accepted | S::PartiallyFilled, E::Fill) => Ok(S::Filled),
        (S::Accepted | S::PartiallyFilled, E::Cancel) => Ok(S::Cancelled),
        (S::Accepted | S::PartiallyFilled, E::Expire) => Ok(S::Expired),
        _ => Err(ExecError::IllegalTransition { from, event }),
    }
}
