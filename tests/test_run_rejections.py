"""Orders the venue refuses or cancels are counted in the run's stats and stored with the reason."""

from __future__ import annotations

from deepalpha.config import load_config
from deepalpha.engine.runner import run
from deepalpha.storage import Store


def test_sizing_the_whole_equity_is_rejected_counted_and_stored(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/r.db"
    config = load_config(
        overrides={
            "app": {"name": "rej", "report_dir": str(tmp_path / "reports")},
            "storage": {"url": url},
            "agents": {
                "technical": {"enabled": True},
                **{n: {"enabled": False} for n in ("pattern", "trend", "risk", "news")},
            },
            "decision": {"llm": {"providers": []}},
            # 100% of equity leaves nothing for the fee: the venue must refuse every entry.
            "risk": {
                "sizing": {"options": {"fraction": 1.0}},
                "exposure": {"options": {"max_fraction": 1.0}},
            },
            "paper": {"start": "2019-09-01", "end": "2019-11-01", "speed": 0, "view": False},
        }
    )
    result = run(config, "paper", report=False)
    with Store.open(url) as store:
        rejected = [o for o in store.orders(result.run_id) if o.status.value == "rejected"]
    assert rejected and all("insufficient cash" in o.reason for o in rejected)
    assert result.stats["venue_rejections"] == len(rejected)
    assert result.stats["rejections"] >= len(rejected)
    assert result.stats["fills"] == 0
