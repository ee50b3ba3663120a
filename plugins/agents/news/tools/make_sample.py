"""Writes the bundled SAMPLE headlines (src/deepalpha_agent_news/sample/*.json).

The headlines are synthetic: sentences written for DeepAlpha from the templates below, placed at
seeded random times, a handful per month from 2017-07 to 2019-10 so that they overlap the bundled
BTC/USD hourly candles. They describe no real event and their timing is independent of the prices:
a backtest that profits from them has found noise. Their only job is to let the news agent run
offline in demos and tests.

Run from the repository root: ``.venv/bin/python plugins/agents/news/tools/make_sample.py``.
The output is the same on every run (fixed seed).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "deepalpha_agent_news" / "sample"
NOTE = (
    "SYNTHETIC sample headlines written for DeepAlpha's demos and tests. They describe no real "
    "event; organisations such as Acme Exchange are invented; times are random and unrelated "
    "to prices."
)
SOURCE = "sample (synthetic)"

COINS = {"BTC": "Bitcoin", "ETH": "Ethereum"}
# Invented organisations, so that no sample headline reads as a claim about a real company.
ORGS = [
    "Acme",
    "Globex",
    "Initech",
    "Hooli",
    "Vandelay",
    "Cyberdyne",
    "Soylent",
    "Umbrella",
    "Wonka",
    "Tyrell",
    "Oscorp",
    "Gringotts",
]
# Qualifiers that vary the titles (the agent treats equal titles from one source within a week as
# one story).
WHEN = [
    "",
    " again",
    " in early trading",
    " in late trading",
    " in Asian hours",
    " in European hours",
    " in US hours",
    " over the weekend",
    " mid-week",
]

# (template, tagged): {coin} is the coin's name. Tagged items carry "currencies"; untagged ones
# leave the agent to find the coin's name in the title.
POSITIVE = [
    "{coin} rallies as trading volumes climb on major exchanges",
    "{org} Pay announces {coin} adoption for its merchants",
    "{coin} surges after a week of steady inflows",
    "Analysts turn bullish on {coin} ahead of the network upgrade",
    "Regulator signals openness to {coin} ETF approval",
    "{coin} soars to a record high",
    "{org} Bank unveils {coin} custody partnership",
    "{coin} jumps as short squeeze lifts derivatives markets",
]
NEGATIVE = [
    "{org} Exchange hacked; {coin} hot wallets drained",
    "{coin} plunges as liquidations cascade through futures markets",
    "Regulator announces crackdown on {coin} trading venues",
    "Delisting of {coin} pairs at {org} Markets spooks traders",
    "{coin} slumps after ETF rejection",
    "Exploit in {coin} lending protocol leads to losses",
    "{coin} tumbles as {org} Exchange outage halts withdrawals",
    "Bearish options bets on {coin} pile up before expiry",
]
NEUTRAL = [
    "{coin} developers publish notes from their monthly call",
    "{coin} trading range narrows as volatility cools",
    "{org} survey asks investors how they store their {coin}",
    "{org} conference panel discusses {coin} fee markets",
]

OFFSETS = [
    UTC,
    timezone(timedelta(hours=2)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=9)),
    timezone(timedelta(hours=5, minutes=30)),
]


def months(first: tuple[int, int], last: tuple[int, int]):
    year, month = first
    while (year, month) <= last:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def main() -> None:
    rng = random.Random(20171)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    for year, month in months((2017, 7), (2019, 10)):
        used: set[str] = set()  # distinct within a month: equal titles a week apart are one story
        start = datetime(year, month, 1, tzinfo=UTC)
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
        if (year, month) == (2019, 10):
            end = datetime(2019, 10, 17, tzinfo=UTC)  # the bundled candles end on 2019-10-17
        span = int((end - start).total_seconds())
        items = []
        for n in range(rng.randint(4, 7)):
            code = rng.choice(["BTC", "BTC", "ETH"])
            kind = rng.choice(["pos", "pos", "neg", "neg", "neutral"])
            template = rng.choice({"pos": POSITIVE, "neg": NEGATIVE, "neutral": NEUTRAL}[kind])
            moment = start + timedelta(seconds=rng.randrange(span))
            moment = moment.replace(microsecond=0).astimezone(rng.choice(OFFSETS))
            title = template.format(coin=COINS[code], org=rng.choice(ORGS)) + rng.choice(WHEN)
            for _retry in range(100):
                if title not in used:
                    break
                title = template.format(coin=COINS[code], org=rng.choice(ORGS)) + rng.choice(WHEN)
            used.add(title)
            item = {
                "id": f"sample-{year}-{month:02d}-{n + 1}",
                "title": title,
                "published_at": moment.isoformat().replace("+00:00", "Z"),
                "source": SOURCE,
            }
            if rng.random() < 0.6:
                item["currencies"] = [code]
            items.append(item)
        items.sort(key=lambda i: datetime.fromisoformat(i["published_at"]))
        path = OUT / f"{year}-{month:02d}.json"
        path.write_text(json.dumps({"note": NOTE, "headlines": items}, indent=1) + "\n")


if __name__ == "__main__":
    main()
