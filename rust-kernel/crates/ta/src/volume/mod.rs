//! Volume indicators: Chaikin accumulation/distribution line (AD), its oscillator (ADOSC) and
//! on-balance volume (OBV).

pub mod ad;
pub mod adosc;
pub mod obv;

pub use ad::{ad, AccumulationDistribution};
pub use adosc::{adosc, ChaikinOscillator};
pub use obv::{obv, OnBalanceVolume};

use crate::error::Result;
use crate::params;

/// Check that high, low, close, volume and out have one length.
pub(crate) fn check_hlcv(
    indicator: &'static str,
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    out: &[f64],
) -> Result<()> {
    params::same_len(indicator, "high", high.len(), "low", low.len())?;
    params::same_len(indicator, "high", high.len(), "close", close.len())?;
    params::same_len(indicator, "high", high.len(), "volume", volume.len())?;
    params::same_len(indicator, "high", high.len(), "out", out.len())
}
