//! Candlestick patterns (TA-Lib `CDL*`), one file per pattern. Reserved for the pattern catalogue.
