# Import Rust performance modules
from deepalpha_rust import TechnicalIndicators

# 1. High-performance technical indicator calculation
indicators = TechnicalIndicators()

# Batch calculate indicators (ultra-high performance)
prices = [45000, 45100, 45200, 45300, 45400, 45300, 45200]
sma_20 = indicators.calculate_sma(prices, period=20)
ema_12 = indicators.calculate_ema(prices, period=12)
rsi = indicators.calculate_rsi(prices, period=14)
macd = indicators.calculate_macd(prices)

print(f"SMA20: {sma_20}, RSI14: {rsi}")
