//! Momentum indicators: oscillators of the rate and direction of price change.

pub mod adx;
pub mod apo;
pub mod aroon;
pub mod bop;
pub mod cci;
pub mod cmo;
pub mod macd;
pub mod macdext;
pub mod macdfix;
pub mod mfi;
pub mod roc;
pub mod rsi;
pub mod stoch;
pub mod ultosc;
pub mod willr;

pub use adx::{dmi, Adx, Adxr, DirectionalMovement, DmiKind, Dx, MinusDi, MinusDm, PlusDi, PlusDm};
pub use apo::{price_oscillator, PriceOscillator};
pub use aroon::{aroon, aroonosc, Aroon, AroonOscillator};
pub use bop::{bop, BalanceOfPower};
pub use cci::{cci, CommodityChannelIndex};
pub use cmo::{cmo, ChandeMomentumOscillator};
pub use macd::{macd, Macd};
pub use macdext::{macdext, MacdExt, MacdExtParams};
pub use macdfix::{macdfix, MacdFix};
pub use mfi::{mfi, MoneyFlowIndex};
pub use roc::{
    change, Change, ChangeKind, Momentum, RateOfChange, RateOfChangePercentage, RateOfChangeRatio,
};
pub use rsi::{rsi, RelativeStrengthIndex};
pub use stoch::{
    stoch, stochf, stochrsi, MaType, StochFParams, StochParams, Stochastic, StochasticFast,
    StochasticRsi,
};
pub use ultosc::{ultosc, UltimateOscillator};
pub use willr::{willr, WilliamsR};
