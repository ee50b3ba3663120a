from deepalpha.agents import BaseAgent
from deepalpha.core import Signal
from deepalpha.indicators import indicator


class StreamingCustomAgent(BaseAgent):
    """The README's CustomAgent with streaming indicators: constant work per bar."""

    def __init__(self):
        super().__init__()
        self.reset()

    def reset(self):
        super().reset()
        # The kernel's streaming classes: update(x) returns what the batch function gives at x.
        self.rsi = indicator("RSI", streaming=True)(14)
        self.macd = indicator("MACD", streaming=True)(12, 26, 9)

    async def analyze(self, symbol: str, timeframe: str) -> Signal:
        close = self.bar.close  # analyze runs once per bar, in order
        rsi = self.rsi.update(close)
        _, _, histogram = self.macd.update(close)
        if rsi < 30 and histogram > 0:
            return Signal.buy(confidence=0.8)
        if rsi > 70 and histogram < 0:
            return Signal.sell(confidence=0.7)
        return Signal.hold()
