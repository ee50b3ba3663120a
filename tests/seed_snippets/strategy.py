from deepalpha import DeepAlphaEngine
from deepalpha.config import Settings

# Load configuration
settings = Settings.from_file("config/development.yaml")

# Create trading engine
engine = DeepAlphaEngine(settings)

# Add trading pairs
engine.add_symbol("BTC/USDT")
engine.add_symbol("ETH/USDT")

# Start trading
await engine.start()
