//! Change over `n` values (TA-Lib `MOM`, `ROC`, `ROCP`, `ROCR`), lookback `n`:
//! `MOM = x - x[n]`, `ROC = (x / x[n] - 1) * 100`, `ROCP = (x - x[n]) / x[n]`, `ROCR = x / x[n]`;
//! the ratios are 0 where `x[n] == 0`, as in TA-Lib.

use crate::error::Result;
use crate::params;
use crate::window::Ring;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Mom,
    Roc,
    Rocp,
    Rocr,
}

impl ChangeKind {
    fn name(self) -> &'static str {
        match self {
            Self::Mom => "mom",
            Self::Roc => "roc",
            Self::Rocp => "rocp",
            Self::Rocr => "rocr",
        }
    }

    #[inline(always)]
    fn apply(self, x: f64, prev: f64) -> f64 {
        match self {
            Self::Mom => x - prev,
            Self::Roc if prev != 0.0 => ((x / prev) - 1.0) * 100.0,
            Self::Rocp if prev != 0.0 => (x - prev) / prev,
            Self::Rocr if prev != 0.0 => x / prev,
            _ => 0.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Change {
    kind: ChangeKind,
    ring: Ring,
    value: f64,
}

impl Change {
    pub fn check(kind: ChangeKind, timeperiod: impl params::IntParam) -> Result<usize> {
        params::period(kind.name(), "timeperiod", timeperiod, 1)
    }

    pub fn new(kind: ChangeKind, timeperiod: usize) -> Result<Self> {
        let n = Self::check(kind, timeperiod)?;
        Ok(Self {
            kind,
            ring: Ring::new(n + 1),
            value: f64::NAN,
        })
    }

    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if self.ring.is_empty() && x.is_nan() {
            return f64::NAN;
        }
        match self.ring.push(x) {
            None if !self.ring.is_full() => f64::NAN,
            _ => {
                self.value = self.kind.apply(x, self.ring.ago(self.ring.capacity() - 1));
                self.value
            }
        }
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.ring.is_full()
    }

    pub fn reset(&mut self) {
        self.ring.clear();
        self.value = f64::NAN;
    }
}

/// Batch form of any of the four change indicators: one pass over the slice with the kind
/// resolved outside the loop, so each loop is a plain element-wise expression the compiler
/// vectorises (the stream's ring buffer is not needed when the whole input is at hand).
pub fn change(kind: ChangeKind, real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let n = Change::check(kind, timeperiod)?;
    params::same_len(kind.name(), "real", real.len(), "out", out.len())?;
    let begin = params::first_valid(real);
    params::fill_nan(out, begin + n);
    if begin + n >= real.len() {
        return Ok(());
    }
    let now = &real[begin + n..];
    let then = &real[begin..real.len() - n];
    let out = &mut out[begin + n..];
    crate::with_simd!(change_loop(kind, now, then, out));
    Ok(())
}

/// `out[t] = kind(now[t], then[t])` with the kind resolved outside the loop, so each loop is a
/// plain element-wise expression the compiler vectorises (the division four lanes wide under
/// AVX2; a zero `then` gives 0 through a select, not a branch).
#[inline(always)]
fn change_loop(kind: ChangeKind, now: &[f64], then: &[f64], out: &mut [f64]) {
    macro_rules! each {
        ($f:expr) => {
            for ((o, &x), &p) in out.iter_mut().zip(now).zip(then) {
                *o = $f(x, p);
            }
        };
    }
    match kind {
        ChangeKind::Mom => each!(|x: f64, p: f64| x - p),
        // Each ratio is computed whatever `p` (then discarded where it is 0), so the loop loads
        // `now` with plain vector loads rather than loads masked by the condition.
        ChangeKind::Roc => each!(|x: f64, p: f64| {
            let r = ((x / p) - 1.0) * 100.0;
            if p != 0.0 {
                r
            } else {
                0.0
            }
        }),
        ChangeKind::Rocp => each!(|x: f64, p: f64| {
            let r = (x - p) / p;
            if p != 0.0 {
                r
            } else {
                0.0
            }
        }),
        ChangeKind::Rocr => each!(|x: f64, p: f64| {
            let r = x / p;
            if p != 0.0 {
                r
            } else {
                0.0
            }
        }),
    }
}

macro_rules! typed_change {
    ($name:ident, $kind:ident) => {
        /// Streaming form of one change indicator (see the module docs).
        #[derive(Debug, Clone)]
        pub struct $name(Change);

        impl $name {
            pub fn check(timeperiod: impl params::IntParam) -> Result<usize> {
                Change::check(ChangeKind::$kind, timeperiod)
            }

            pub fn new(timeperiod: usize) -> Result<Self> {
                Ok(Self(Change::new(ChangeKind::$kind, timeperiod)?))
            }

            #[inline]
            pub fn update(&mut self, x: f64) -> f64 {
                self.0.update(x)
            }

            pub fn value(&self) -> f64 {
                self.0.value()
            }

            pub fn is_ready(&self) -> bool {
                self.0.is_ready()
            }

            pub fn reset(&mut self) {
                self.0.reset()
            }

            /// Batch form.
            pub fn batch(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
                change(ChangeKind::$kind, real, timeperiod, out)
            }
        }
    };
}

typed_change!(Momentum, Mom);
typed_change!(RateOfChange, Roc);
typed_change!(RateOfChangePercentage, Rocp);
typed_change!(RateOfChangeRatio, Rocr);
