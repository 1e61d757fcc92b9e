"""The data set of tests/reference/make_day_boundary_reference.R: the day boundary's split rows.

Usage (from the repository root)::

    python tests/reference/make_day_boundary_data.py tests/reference/day_boundary_rows.csv

The bundled sample's (``data/sample``) ``first_response`` episodes with the
default ``day_boundary="time_of_day"`` (:mod:`hiring_funnel.day_boundary`),
written as the weighted rows the life table counts: every episode at its
duration with weight w (its ``last_day_share``; 1 for answers; left out where
w is 0), and each censored one with w < 1 once more, censored on day
``duration - 1`` with weight 1 - w (unless its duration is 0). Columns
``episode`` (1-based row of the episode frame), ``candidate_id``, ``time``,
``cause`` (empty = censored), ``w``. tests/test_day_boundary.py checks that the
committed CSV is what :func:`make` gives.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import hiring_funnel as hf
from hiring_funnel.day_boundary import shares_of, split_rows

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def episodes() -> pd.DataFrame:
    """The sample's first_response episodes with their last-day shares."""
    log = hf.read_events(
        SAMPLE / "events.csv", mapping=SAMPLE / "mapping.toml", attributes=SAMPLE / "attributes.csv"
    )
    return hf.episodes(log, "first_response")


def make(ep: pd.DataFrame | None = None) -> pd.DataFrame:
    """The split rows, in the order of the CSV."""
    ep = episodes() if ep is None else ep
    cause = ep["cause"].cat.codes.to_numpy()
    rows = split_rows(
        ep["entry"].to_numpy(dtype=float),
        ep["duration"].to_numpy(dtype=float),
        cause,
        shares_of(ep),
    )
    weight = np.ones(rows.source.size) if rows.weight is None else rows.weight
    names = np.asarray(ep["cause"].cat.categories, dtype=object)
    return pd.DataFrame(
        {
            "episode": rows.source + 1,
            "candidate_id": ep["candidate_id"].astype("string").to_numpy()[rows.source],
            "time": rows.duration,
            "cause": np.where(rows.cause >= 0, names[np.maximum(rows.cause, 0)], ""),
            "w": weight,
        }
    )


if __name__ == "__main__":
    make().to_csv(sys.argv[1], index=False, float_format="%.17g", lineterminator="\n")
