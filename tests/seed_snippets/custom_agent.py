from deepalpha.agents import BaseAgent
from deepalpha.core import Signal
from deepalpha_rust import TechnicalIndicators  # Use Rust acceleration

class CustomAgent(BaseAgent):
    """Custom agent example (with Rust acceleration)"""

    def __init__(self):
        super().__init__()
        self.indicators = TechnicalIndicators()  # Rust-accelerated indicator calculation

    async def analyze(self, symbol: str, timeframe: str) -> Signal:
        # Get market data
        data = await self.get_market_data(symbol, timeframe)

        # Use Rust-accelerated indicator calculation
        rsi = self.indicators.calculate_rsi(data['close'], period=14)
        macd = self.indicators.calculate_macd(data['close'])

        # Custom analysis logic
        if rsi < 30 and macd['histogram'] > 0:
            return Signal.buy(confidence=0.8)
        elif rsi > 70 and macd['histogram'] < 0:
            return Signal.sell(confidence=0.7)

        return Signal.hold()
