"""Load influence_reference.json and its data sets as episode frames.

Used by tests/test_influence.py and tests/test_by_candidate.py; the R script
that made the JSON is make_influence_reference.R beside this file.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

REFERENCE = Path(__file__).parent
CAUSES = ["offer", "rejection"]


@cache
def _reference() -> dict[str, Any]:
    return json.loads((REFERENCE / "influence_reference.json").read_text())


def r(name: str) -> dict[str, Any]:
    """R's values for one data set ("toy" or "sample")."""
    return _reference()["datasets"][name]


def episodes(name: str) -> pd.DataFrame:
    """The data set of the CSV as canonical episodes; candidate_id as R's cluster."""
    raw = pd.read_csv(REFERENCE / "influence_episodes.csv", dtype={"cause": "string"})
    raw = raw[raw["data"] == name].reset_index(drop=True)
    assert len(raw) == r(name)["n"]
    return pd.DataFrame(
        {
            "application_id": pd.array([f"A{i}" for i in range(len(raw))], dtype="string"),
            "candidate_id": raw["candidate"].astype("string"),
            "entry": 0.0,
            "duration": raw["duration"].astype(float),
            "cause": pd.Categorical(raw["cause"].astype(object), categories=CAUSES),
        }
    )
