"""The ``risk`` DeepAlpha agent: volatility, VaR/CVaR, drawdown and correlation; risk-off vetoes."""

__version__ = "0.1.0"
