//! Every (state, event) pair against a table written here, independently of the engine's match.

use deepalpha_exec::{transition, OrderEvent, OrderStatus};

/// The legal moves, spelled out by name: anything not listed must be refused.
const LEGAL: &[(&str, &str, &str)] = &[
    ("new", "accept", "accepted"),
    ("new", "reject", "rejected"),
    ("accepted", "partial_fill", "partially_filled"),
    ("accepted", "fill", "filled"),
    ("accepted", "cancel", "cancelled"),
    ("accepted", "expire", "expired"),
    ("partially_filled", "partial_fill", "partially_filled"),
    ("partially_filled", "fill", "filled"),
    ("partially_filled", "cancel", "cancelled"),
    ("partially_filled", "expire", "expired"),
];

fn state(name: &str) -> OrderStatus {
    match name {
        "new" => OrderStatus::New,
        "accepted" => OrderStatus::Accepted,
        "partially_filled" => OrderStatus::PartiallyFilled,
        "filled" => OrderStatus::Filled,
        "cancelled" => OrderStatus::Cancelled,
        "rejected" => OrderStatus::Rejected,
        "expired" => OrderStatus::Expired,
        _ => panic!("unknown state {name}"),
    }
}

fn event(name: &str) -> OrderEvent {
    match name {
        "accept" => OrderEvent::Accept,
        "reject" => OrderEvent::Reject,
        "partial_fill" => OrderEvent::PartialFill,
        "fill" => OrderEvent::Fill,
        "cancel" => OrderEvent::Cancel,
        "expire" => OrderEvent::Expire,
        _ => panic!("unknown event {name}"),
    }
}

const STATES: [&str; 7] = [
    "new",
    "accepted",
    "partially_filled",
    "filled",
    "cancelled",
    "rejected",
    "expired",
];
const EVENTS: [&str; 6] = [
    "accept",
    "reject",
    "partial_fill",
    "fill",
    "cancel",
    "expire",
];

#[test]
fn every_pair_matches_the_table() {
    let mut checked = 0;
    for s in STATES {
        for e in EVENTS {
            let expected = LEGAL
                .iter()
                .find(|(from, ev, _)| *from == s && *ev == e)
                .map(|(_, _, to)| state(to));
            let got = transition(state(s), event(e)).ok();
            assert_eq!(got, expected, "{s} + {e}");
            checked += 1;
        }
    }
    assert_eq!(checked, 42);
    // The names cover the enums exactly.
    assert_eq!(OrderStatus::ALL.len(), STATES.len());
    assert_eq!(OrderEvent::ALL.len(), EVENTS.len());
}

#[test]
fn final_states_accept_nothing() {
    for s in ["filled", "cancelled", "rejected", "expired"] {
        assert!(state(s).is_final());
        for e in EVENTS {
            let err = transition(state(s), event(e)).unwrap_err();
            assert!(
                err.to_string().contains("illegal order transition"),
                "{err}"
            );
        }
    }
}

#[test]
fn the_status_strings_are_stable() {
    for s in STATES {
        assert_eq!(state(s).as_str(), s);
    }
}
