//! Parameter validation and the input conventions shared by every indicator.
//!
//! TA-Lib validates each integer parameter against a documented range and returns `TA_BAD_PARAM`
//! otherwise; we check the same ranges up front so a streaming object and a batch call refuse the
//! same parameters, and the message names the indicator, the parameter and the value.

use crate::error::{KernelError, Result};

/// TA-Lib's upper bound for every period parameter.
pub const MAX_PERIOD: i64 = 100_000;

/// An integer parameter as given by a caller: Rust passes `usize`, the Python binding passes the
/// `i64` it received so a negative value is reported as given.
pub trait IntParam: Copy {
    fn as_i64(self) -> i64;
}

impl IntParam for usize {
    fn as_i64(self) -> i64 {
        i64::try_from(self).unwrap_or(i64::MAX)
    }
}

impl IntParam for i64 {
    fn as_i64(self) -> i64 {
        self
    }
}

/// Validate a period-like integer parameter against `[min, MAX_PERIOD]`.
pub fn period(
    indicator: &'static str,
    name: &'static str,
    value: impl IntParam,
    min: i64,
) -> Result<usize> {
    let value = value.as_i64();
    if value < min {
        return Err(KernelError::InvalidParameter {
            indicator,
            name,
            value: value.to_string(),
            expected: format!("must be >= {min}"),
        });
    }
    if value > MAX_PERIOD {
        return Err(KernelError::InvalidParameter {
            indicator,
            name,
            value: value.to_string(),
            expected: format!("must be <= {MAX_PERIOD}"),
        });
    }
    Ok(value as usize)
}

/// Validate a real-valued parameter against an inclusive range (NaN is always refused).
pub fn real(
    indicator: &'static str,
    name: &'static str,
    value: f64,
    min: f64,
    max: f64,
) -> Result<f64> {
    if value.is_nan() || value < min || value > max {
        return Err(KernelError::InvalidParameter {
            indicator,
            name,
            value: value.to_string(),
            expected: format!("must be in [{min}, {max}]"),
        });
    }
    Ok(value)
}

/// Check that two slices have the same length.
pub fn same_len(
    indicator: &'static str,
    left: &'static str,
    left_len: usize,
    right: &'static str,
    right_len: usize,
) -> Result<()> {
    if left_len != right_len {
        return Err(KernelError::LengthMismatch {
            indicator,
            left,
            left_len,
            right,
            right_len,
        });
    }
    Ok(())
}

/// Index of the first element that is not NaN, as TA-Lib's Python wrapper computes it
/// (`check_begidx1`): leading NaNs are skipped and the indicator starts after them. An all-NaN
/// input gives `len - 1` (0 for an empty one), again like the wrapper.
#[inline]
pub fn first_valid(real: &[f64]) -> usize {
    real.iter()
        .position(|v| !v.is_nan())
        .unwrap_or(real.len().saturating_sub(1))
}

/// First index at which every one of the inputs is a number (`check_begidx2/3/4`).
#[inline]
pub fn first_valid_all(inputs: &[&[f64]]) -> usize {
    let len = inputs.first().map_or(0, |s| s.len());
    (0..len)
        .find(|&i| inputs.iter().all(|s| !s[i].is_nan()))
        .unwrap_or(len.saturating_sub(1))
}

/// [`first_valid_all`] for the indicators whose output across a NaN gap would not be TA-Lib's
/// (their window code compares and skips where TA-Lib's propagates NaN in its own way): a NaN
/// after the first valid candle is refused with an error naming the input and the index, as the
/// issue allows, instead of returning something that merely looks like TA-Lib's.
pub fn first_valid_no_gaps(
    indicator: &'static str,
    inputs: &[(&'static str, &[f64])],
) -> Result<usize> {
    let columns: Vec<&[f64]> = inputs.iter().map(|&(_, s)| s).collect();
    let begin = first_valid_all(&columns);
    // From the candle after `begin` (valid by definition, unless every candle is NaN).
    refuse_nan_after(indicator, inputs, begin)?;
    Ok(begin)
}

/// [`refuse_nan`] from the candle after `begin` to the end.
#[inline]
pub fn refuse_nan_after(
    indicator: &'static str,
    inputs: &[(&'static str, &[f64])],
    begin: usize,
) -> Result<()> {
    let len = inputs.first().map_or(0, |&(_, s)| s.len());
    refuse_nan(indicator, inputs, (begin + 1).min(len)..len)
}

/// For kernels that check their inputs for NaN on the way (the window extremes): they stopped
/// at `clean` (the inputs' length when they saw none), so the inputs are scanned for the gap to
/// report only when it is lower.
#[inline]
pub fn refuse_nan_past(
    indicator: &'static str,
    inputs: &[(&'static str, &[f64])],
    begin: usize,
    clean: usize,
) -> Result<()> {
    let len = inputs.first().map_or(0, |&(_, s)| s.len());
    if clean < len {
        refuse_nan_after(indicator, inputs, begin)?;
    }
    Ok(())
}

/// The [`KernelError::NotANumber`] of the first NaN of `inputs[range]`, if any. Indicators that
/// walk their inputs in chunks call this per chunk, while the chunk is in cache, rather than
/// reading all of their inputs twice.
#[inline(always)]
pub fn refuse_nan(
    indicator: &'static str,
    inputs: &[(&'static str, &[f64])],
    range: std::ops::Range<usize>,
) -> Result<()> {
    for &(name, s) in inputs {
        let rest = &s[range.clone()];
        if any_nan(rest) {
            let at = rest.iter().position(|v| v.is_nan()).unwrap_or(0);
            return Err(KernelError::NotANumber {
                indicator,
                name,
                index: range.start + at,
            });
        }
    }
    Ok(())
}

/// Whether `s` holds a NaN: eight independent lanes of branch-free tests, so the scan runs at
/// vector width (about a quarter of a cycle per value) instead of one compare-and-branch each.
#[inline(always)]
pub(crate) fn any_nan(s: &[f64]) -> bool {
    let mut lanes = [false; 8];
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        for k in 0..8 {
            lanes[k] |= c[k].is_nan();
        }
    }
    let tail = chunks
        .remainder()
        .iter()
        .fold(false, |any, v| any | v.is_nan());
    lanes.iter().fold(tail, |any, &lane| any | lane)
}

/// Fill `out[..min(end, len)]` with NaN: the lookback region of an output.
#[inline]
pub fn fill_nan(out: &mut [f64], end: usize) {
    let end = end.min(out.len());
    out[..end].fill(f64::NAN);
}

/// TA-Lib's `TA_IS_ZERO` (the 0.6+ `TA_EPSILON` band).
#[inline(always)]
pub fn is_zero(v: f64) -> bool {
    -1e-14 < v && v < 1e-14
}

/// TA-Lib 0.8's test that a window's range `hi - lo` is empty (STOCH's and WILLR's
/// denominators): relative to the price level, not TA-Lib's absolute zero band. Measured against
/// TA-Lib 0.8.1 by bisection at levels from 1e-3 to 1e3 (and negative): the range counts as zero
/// up to 2e-14 of the level, i.e. `hi - lo <= 1e-14 (|hi| + |lo|)`.
#[inline(always)]
pub fn is_empty_range(hi: f64, lo: f64) -> bool {
    // NaN counts as empty (the comparison is false), as in TA-Lib's test.
    let wide = hi - lo > 1e-14 * (hi.abs() + lo.abs());
    !wide
}

/// TA-Lib's `TA_IS_ZERO_OR_NEG`.
#[inline(always)]
pub fn is_zero_or_neg(v: f64) -> bool {
    v < 1e-14
}

/// TA-Lib's `PER_TO_K`: the smoothing factor of an EMA of `period`.
#[inline(always)]
pub fn per_to_k(period: usize) -> f64 {
    2.0 / ((period + 1) as f64)
}

/// Whether this CPU has fused multiply-add. TA-Lib 0.8 ships FMA variants of some functions (ATR,
/// NATR, ADOSC, LINEARREG, TSF, EMA, MACD, KAMA, BBANDS) chosen at load time on such CPUs; a fused
/// `a * b + c` rounds once instead of twice, so matching TA-Lib to the last bit means fusing
/// exactly where it does, on exactly the CPUs where it does. std caches the detection.
#[inline]
pub fn has_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `a * b + c`, fused (one rounding) when `FUSED`. Inside a function compiled with the `fma`
/// target feature this is one instruction; elsewhere the fused form is a libm call (still exact).
#[inline(always)]
pub fn madd<const FUSED: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FUSED {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// Whether TA-Lib's arithmetic on this CPU fuses `a * b + c` into one rounding.
///
/// TA-Lib 0.8 ships builds per instruction set and picks one at load time; the AVX2 build was
/// compiled with contraction, so on a CPU with FMA its EMA step `(x - e) * k + e` is fused (its
/// outputs are bit-identical to `mul_add`, not to a separate multiply and add). Indicators whose
/// TA-Lib loop is contracted check this once per call or per stream and take the same path, so
/// batch, streaming and TA-Lib agree to the last bit on any machine.
#[inline]
pub fn fma_enabled() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `a * b + c` as TA-Lib computes it on this CPU: fused when `fused` (from [`fma_enabled`]),
/// through code compiled for FMA; a separate multiply and add otherwise. For streams, which decide
/// once at construction; batch loops use `with_fma!` and `mul_add` directly.
#[inline(always)]
pub fn mul_add_dyn(fused: bool, a: f64, b: f64, c: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if fused {
        #[target_feature(enable = "fma")]
        unsafe fn fused_mul_add(a: f64, b: f64, c: f64) -> f64 {
            a.mul_add(b, c)
        }
        // SAFETY: `fused` is only true when the CPU reported FMA.
        return unsafe { fused_mul_add(a, b, c) };
    }
    let _ = fused;
    a * b + c
}

/// `x / d`, bit-identical to the division, from `inv = 1 / d` (correctly rounded).
///
/// With FMA: `q = x * inv`, the remainder `r = x - q d` is exact (`fma`), and `q + r * inv`
/// rounds to the correctly rounded quotient (Markstein's theorem, binary64, round to nearest,
/// away from overflow and underflow, which the guard sends to a plain division). A divide takes
/// one of a few divider slots per cycle window; this takes a multiply and two FMAs, which
/// pipeline. Without FMA it is the plain division. Call with `FMA = true` only from code compiled
/// for FMA (`with_fma!`), or `mul_add` becomes a slow software call.
#[inline(always)]
pub fn div_by<const FMA: bool>(x: f64, d: f64, inv: f64) -> f64 {
    if FMA {
        let q = x * inv;
        let a = q.abs();
        if a < 1e300 && a > 1e-290 {
            let r = (-q).mul_add(d, x);
            return r.mul_add(inv, q);
        }
        // Out of line so the compiler cannot compute the division on every call and select.
        return divide(x, d);
    }
    x / d
}

#[cold]
#[inline(never)]
fn divide(x: f64, d: f64) -> f64 {
    x / d
}

/// Whether this CPU has AVX2 (std caches the detection). Code compiled for it under
/// [`with_simd!`](crate::with_simd) runs four `f64` lanes where baseline x86-64 (SSE2) runs two.
#[inline]
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Evaluate `$e` (typically a call to an `#[inline(always)]` loop) compiled for AVX2 when the CPU
/// has it, for baseline x86-64 otherwise. Only the instruction width changes: Rust never fuses
/// `a * b + c` on its own, and IEEE division, `min`/`max` selects and comparisons give the same
/// bits at any width, so both paths produce bit-identical results. Everything the expression
/// calls must be `#[inline(always)]` (closures included) to be compiled for AVX2 too; anything
/// not inlined runs the baseline code, still correct.
#[macro_export]
macro_rules! with_simd {
    ($e:expr) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if $crate::params::has_avx2() {
                #[target_feature(enable = "avx2")]
                unsafe fn wide<F: FnOnce() -> R, R>(f: F) -> R {
                    f()
                }
                // SAFETY: the CPU reported AVX2.
                unsafe {
                    wide(
                        #[inline(always)]
                        || $e,
                    )
                }
            } else {
                $e
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            $e
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_bounds_name_the_value() {
        let err = period("sma", "timeperiod", 0_i64, 2).unwrap_err();
        assert_eq!(err.to_string(), "sma: timeperiod must be >= 2, got 0");
        let err = period("sma", "timeperiod", 100_001_i64, 2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "sma: timeperiod must be <= 100000, got 100001"
        );
        assert_eq!(period("sma", "timeperiod", 2_i64, 2).unwrap(), 2);
    }

    #[test]
    fn div_by_equals_division() {
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            f64::from_bits((state >> 12) | 0x3FF0_0000_0000_0000) - 1.0
        };
        for d in [
            1.0, 2.0, 3.0, 7.0, 13.0, 14.0, 100_000.0, 0.1, 1e-3, 123.456,
        ] {
            let inv = 1.0 / d;
            for _ in 0..200_000 {
                let x = (next() - 0.5) * 10f64.powi((next() * 40.0) as i32 - 20);
                assert_eq!(div_by::<true>(x, d, inv), x / d, "{x} / {d}");
            }
        }
        for x in [0.0, -0.0, f64::INFINITY, f64::NAN, 1e-310, 1e308] {
            let q = div_by::<true>(x, 3.0, 1.0 / 3.0);
            assert!(q.to_bits() == (x / 3.0).to_bits() || (q.is_nan() && x.is_nan()));
        }
    }

    #[test]
    fn first_valid_skips_leading_nan() {
        assert_eq!(first_valid(&[f64::NAN, f64::NAN, 1.0, f64::NAN]), 2);
        assert_eq!(first_valid(&[f64::NAN, f64::NAN]), 1);
        assert_eq!(first_valid(&[]), 0);
        let a = [f64::NAN, 1.0, 1.0];
        let b = [1.0, f64::NAN, 1.0];
        assert_eq!(first_valid_all(&[&a, &b]), 2);
    }

    #[test]
    fn length_mismatch_names_both() {
        let err = same_len("atr", "high", 3, "low", 4).unwrap_err();
        assert_eq!(
            err.to_string(),
            "atr: high and low must have the same length, got 3 and 4"
        );
    }
}
