//! Price transforms (TA-Lib `AVGPRICE`, `MEDPRICE`, `TYPPRICE`, `WCLPRICE`): one value per candle,
//! no lookback. TA-Lib's operation order is kept (`(h + l + c + o) / 4`, ...). The batch loops are
//! compiled for AVX2 where the CPU has it (`with_simd!`: same bits, four lanes).

use crate::error::Result;
use crate::params;

#[inline(always)]
pub fn avgprice_one(open: f64, high: f64, low: f64, close: f64) -> f64 {
    (high + low + close + open) / 4.0
}

#[inline(always)]
pub fn medprice_one(high: f64, low: f64) -> f64 {
    (high + low) / 2.0
}

#[inline(always)]
pub fn typprice_one(high: f64, low: f64, close: f64) -> f64 {
    (high + low + close) / 3.0
}

#[inline(always)]
pub fn wclprice_one(high: f64, low: f64, close: f64) -> f64 {
    (high + low + close * 2.0) / 4.0
}

fn lens(name: &'static str, names: &[&'static str], inputs: &[&[f64]], out: &[f64]) -> Result<()> {
    for (n, s) in names.iter().zip(inputs).skip(1) {
        params::same_len(name, names[0], inputs[0].len(), n, s.len())?;
    }
    params::same_len(name, names[0], inputs[0].len(), "out", out.len())
}

pub fn avgprice(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    out: &mut [f64],
) -> Result<()> {
    lens(
        "avgprice",
        &["open", "high", "low", "close"],
        &[open, high, low, close],
        out,
    )?;
    crate::with_simd!({
        let rows = out.iter_mut().zip(open).zip(high).zip(low).zip(close);
        for ((((o, &op), &h), &l), &c) in rows {
            *o = avgprice_one(op, h, l, c);
        }
    });
    Ok(())
}

pub fn medprice(high: &[f64], low: &[f64], out: &mut [f64]) -> Result<()> {
    lens("medprice", &["high", "low"], &[high, low], out)?;
    crate::with_simd!(for ((o, &h), &l) in out.iter_mut().zip(high).zip(low) {
        *o = medprice_one(h, l);
    });
    Ok(())
}

pub fn typprice(high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) -> Result<()> {
    lens(
        "typprice",
        &["high", "low", "close"],
        &[high, low, close],
        out,
    )?;
    crate::with_simd!(
        for (((o, &h), &l), &c) in out.iter_mut().zip(high).zip(low).zip(close) {
            *o = typprice_one(h, l, c);
        }
    );
    Ok(())
}

pub fn wclprice(high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) -> Result<()> {
    lens(
        "wclprice",
        &["high", "low", "close"],
        &[high, low, close],
        out,
    )?;
    crate::with_simd!(
        for (((o, &h), &l), &c) in out.iter_mut().zip(high).zip(low).zip(close) {
            *o = wclprice_one(h, l, c);
        }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas() {
        let mut out = [0.0];
        avgprice(&[1.0], &[4.0], &[0.0], &[3.0], &mut out).unwrap();
        assert_eq!(out[0], 2.0);
        wclprice(&[4.0], &[0.0], &[2.0], &mut out).unwrap();
        assert_eq!(out[0], 2.0);
        assert!(medprice(&[1.0, 2.0], &[1.0], &mut [0.0; 2]).is_err());
    }
}
