"""The data set of tests/reference/make_cure_reference.R: ghosting with two covariates.

Usage (from the repository root)::

    python tests/reference/make_cure_data.py tests/reference/cure_episodes.csv

2,000 whole-day waits: P(answered) depends on ``source`` (3 levels) and
``size`` (2 levels); among the answered the wait is log-normal with a median
depending on both; open waits are censored at a uniform export day 0..120.
Only ``Generator.random`` is used (the stream NumPy keeps stable), with the
normal quantile from the standard library, so the rows are the same on any
machine; tests/test_ghosting_reference.py checks that the committed CSV is what
this makes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

SEED = 20261126
N = 2_000


def make() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    u = rng.random((N, 5))
    source = np.array(["board", "referral", "site"])[np.searchsorted([0.5, 0.7], u[:, 0])]
    size = np.where(u[:, 1] < 0.6, "big", "small")
    p_answer = {"board": 0.55, "referral": 0.85, "site": 0.65}
    p = np.array([p_answer[s] for s in source]) - np.where(size == "small", 0.1, 0.0)
    answered = u[:, 2] < p
    median = np.where(source == "referral", 6.0, 12.0) * np.where(size == "small", 1.5, 1.0)
    z = np.array([NormalDist().inv_cdf(v) for v in u[:, 3]])
    latent = median * np.exp(0.8 * z)
    censor = np.floor(u[:, 4] * 121)
    # Whole days: the answer's day is the floor of its elapsed time.
    seen = answered & (np.floor(latent) <= censor)
    duration = np.where(seen, np.floor(latent), censor)
    return pd.DataFrame(
        {"duration": duration, "answered": seen.astype(int), "source": source, "size": size}
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/reference/make_cure_data.py OUTPUT_CSV", file=sys.stderr)
        return 2
    make().to_csv(Path(argv[0]), index=False, float_format="%.17g")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
