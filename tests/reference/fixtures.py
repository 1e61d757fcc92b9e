"""Load r_reference.json and rebuild, as episode frames, the data sets it was computed on.

Used by tests/test_against_r.py, tests/test_compare.py and tests/test_quantiles.py.
See README.md in this directory for how the JSON is made.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reference.export_datasets import CAUSES, datasets

REFERENCE_JSON = Path(__file__).with_name("r_reference.json")
#: The data sets of r_reference.json, in its order.
NAMES: tuple[str, ...] = ("bmt", "cgvhd", "simulated", "toy")
#: The group column of the episode frames (the CSVs call it ``group``; the
#: estimators' tables use ``group`` for their label column).
BY = "arm"

_NON_FINITE = {"NA": np.nan, "NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}


def _decode(value: Any) -> Any:
    """jsonlite writes non-finite numbers as strings (na = "string"); make them floats again."""
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_decode(v) for v in value]
        if items and all(isinstance(v, int | float) for v in items):
            return np.asarray(items, dtype=np.float64)
        return items
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    return value


@cache
def reference() -> dict[str, Any]:
    """The whole of r_reference.json, lists of numbers as float arrays (NA -> nan)."""
    return _decode(json.loads(REFERENCE_JSON.read_text()))


def r(name: str) -> dict[str, Any]:
    """The reference values of one data set."""
    return reference()["datasets"][name]


@cache
def _frames() -> dict[str, pd.DataFrame]:
    return datasets()


def episodes(name: str) -> pd.DataFrame:
    """The data set as a canonical episode frame; checked against R's fingerprint of it."""
    frame = _frames()[name]
    fingerprint = r(name)["data"]
    sizes = frame["group"].value_counts().sort_index()
    assert len(frame) == fingerprint["n"]
    assert np.isclose(frame["time"].sum(), fingerprint["time_sum"], rtol=1e-14)
    assert frame["status"].sum() == fingerprint["status_sum"]
    assert sizes.to_dict() == fingerprint["group_sizes"]
    causes = list(CAUSES[name])
    assert causes == r(name)["causes"]
    labels = np.array([None, *causes], dtype=object)[frame["status"].to_numpy()]
    return pd.DataFrame(
        {
            "application_id": [f"{name}-{i}" for i in range(len(frame))],
            "candidate_id": [f"{name}-c{i}" for i in range(len(frame))],
            "entry": 0.0,
            "duration": frame["time"].to_numpy(dtype=np.float64),
            "cause": pd.Categorical(labels, categories=causes),
            BY: frame["group"].to_numpy(dtype=object),
        }
    )


def step_at(time: np.ndarray, values: np.ndarray, at: np.ndarray, before: float) -> np.ndarray:
    """A right-continuous step function given by its points (the last point at a time wins).

    Works for R's cuminc vectors, where each jump appears twice at one time
    (the value before and after it): the value at t is the one of the last
    point with time <= t; ``before`` is returned for t before the first point.
    """
    idx = np.searchsorted(np.asarray(time), np.asarray(at, dtype=float), side="right") - 1
    padded = np.concatenate([[before], np.asarray(values, dtype=float)])
    return padded[idx + 1]
