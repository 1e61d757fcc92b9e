"""The data set tests/reference/make_tv_cox_reference.R fits a time-varying Cox model on.

Usage (from the repository root)::

    python tests/reference/make_tv_cox_data.py tests/reference
    Rscript tests/reference/make_tv_cox_reference.R tests/reference tests/reference/tv_cox_reference.json

Writes two small CSVs, both committed (``tests/test_follow_ups.py`` checks that
:func:`datasets` still makes them byte for byte):

- ``tv_cox_episodes.csv``: ``application_id, entry, duration, cause, x``, one
  row per episode; whole days 0..~40 (heavily tied), ``cause`` "positive",
  "rejection" or empty (censored), a quarter of the episodes enter late, and
  ``x`` is a numeric covariate with two decimals.
- ``tv_cox_follow_ups.csv``: ``application_id, day``, the day (from the
  origin) of each follow-up: 0 to 3 per episode, some on the last day of the
  wait, some after its end, some on the same day as another, some before the
  late entry.

The answer hazard depends on ``x`` and is 1.5 times higher from the day after
the first follow-up, so the reference coefficients are not all near 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240611
N = 400


def datasets(seed: int = SEED, n: int = N) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Episodes and follow-up days, from ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(size=n), 2)
    n_fu = rng.choice([0, 1, 2, 3], size=n, p=[0.35, 0.35, 0.2, 0.1])
    owner = np.repeat(np.arange(n), n_fu)
    fu_day = rng.integers(0, 30, size=owner.size)
    first = np.full(n, np.inf)
    np.minimum.at(first, owner, fu_day)
    # Day by day: an answer comes with probability 1 - exp(-hazard) on each
    # day, the hazard x1.5 from the day after the first follow-up.
    days = np.arange(60)
    hazard = 0.06 * np.exp(0.4 * x)[:, None] * np.where(days > first[:, None], 1.5, 1.0)
    answered = rng.random((n, days.size)) < -np.expm1(-hazard)
    event_day = np.where(answered.any(axis=1), answered.argmax(axis=1), np.inf)
    censor_day = rng.integers(0, 60, size=n)
    duration = np.minimum(event_day, censor_day).astype(np.int64)
    answer = event_day <= censor_day
    kind = np.where(rng.random(n) < 0.6, "positive", "rejection")
    cause = np.where(answer, kind, "").astype(object)
    late = rng.random(n) < 0.25
    entry = np.where(late, np.floor(rng.random(n) * (duration + 1)), 0).astype(np.int64)
    episodes = pd.DataFrame(
        {
            "application_id": [f"E{i:03d}" for i in range(n)],
            "entry": entry,
            "duration": duration,
            "cause": cause,
            "x": x,
        }
    )
    follow_ups = pd.DataFrame(
        {"application_id": episodes["application_id"].to_numpy()[owner], "day": fu_day}
    )
    return episodes, follow_ups


def main(directory: str) -> None:
    episodes, follow_ups = datasets()
    out = Path(directory)
    episodes.to_csv(out / "tv_cox_episodes.csv", index=False, lineterminator="\n")
    follow_ups.to_csv(out / "tv_cox_follow_ups.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main(sys.argv[1])
