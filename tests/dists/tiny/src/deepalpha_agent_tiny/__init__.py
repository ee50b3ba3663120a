"""A third-party agent as small as it gets: long after an up-close, short after a down-close."""

from deepalpha import hookimpl
from deepalpha.agents import Agent
from deepalpha.domain import Direction, Signal
from deepalpha.records import AgentSpec


class TinyAgent(Agent):
    name = "tiny"

    def on_bar(self, bar, history):
        if len(history) < 2:
            return None
        previous = history.close[-2]
        direction = Direction.LONG if bar.close > previous else Direction.SHORT
        return Signal("tiny", bar.symbol, bar.ts, direction, 1.0, 0.8, "last close vs previous")


@hookimpl
def register_agents():
    return [AgentSpec(name="tiny", factory=TinyAgent, description="close-to-close direction")]
