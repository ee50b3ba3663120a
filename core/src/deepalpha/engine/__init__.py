"""The engine: one pipeline for backtests, paper trading and live trading.

    feed -> gateway.on_bar (fills) -> history -> risk.on_bar (protective exits) -> agents
         -> decision engine (votes, LLM) -> risk chain -> gateway.submit -> storage, events

Only the feed differs between modes: historical bars on a simulated clock, a paced replay, or a
data source polled on the wall clock.
"""
