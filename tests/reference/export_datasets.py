"""The data sets that tests/reference/make_reference.R computes reference values on.

Usage (from the repository root)::

    python tests/reference/export_datasets.py /tmp/hf_reference
    Rscript tests/reference/make_reference.R /tmp/hf_reference tests/reference/r_reference.json

Each data set is one CSV with three columns, the layout R's ``survival`` and
``cmprsk`` read directly:

- ``time``: follow-up time (float);
- ``status``: 0 = censored, k = 1, 2, ... = the k-th cause (the codes of the
  cause names in :data:`CAUSES`);
- ``group``: the grouping covariate of the K-sample tests (a string).

The CSVs are not committed: the tests call :func:`datasets` to rebuild the same
frames in memory, and check them against the size and sums that the R script
recorded in ``r_reference.json`` so a change of the data cannot go unnoticed.

- ``bmt``: 35 leukaemia patients after stem-cell transplant (Scrucca et al.
  2007), shipped with scikit-survival; causes transplant-related mortality and
  relapse; groups ``dis`` (ALL / AML).
- ``cgvhd``: 100 patients of Pintilie's (2006) trial, shipped with
  scikit-survival; causes chronic GvHD, relapse, death; groups ``tx`` (the
  randomised treatment: bone marrow vs peripheral blood). Times in years,
  with ties.
- ``simulated``: 2,000 hiring-like episodes in whole days 0..60 (so nearly
  every time is tied, with events of both causes and censorings on the same
  day, and same-day answers at day 0), two causes and three groups, from
  ``numpy.random.default_rng(SEED)``.
- ``toy``: 18 rows written out below, made to hit the corner cases of
  ``quantile.survfit``: in group ``x`` the curve sits exactly on 0.5 between
  days 2 and 3 and ends at 0; in group ``y`` it stays on 0.5 from day 2 to the
  last (censored) day 4 and never reaches 0.25; group ``y`` has no event of
  the second cause.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

#: Cause names by status code (1, 2, ...) per data set.
CAUSES: dict[str, tuple[str, ...]] = {
    "bmt": ("trm", "relapse"),
    "cgvhd": ("cgvhd", "relapse", "death"),
    "simulated": ("positive", "rejection"),
    "toy": ("positive", "rejection"),
}

SEED = 20240603


def datasets() -> dict[str, pd.DataFrame]:
    """The three data sets as frames with columns ``time``, ``status``, ``group``."""
    from sksurv.datasets import load_bmt, load_cgvhd

    frames = {}
    x, y = load_bmt()
    labels = {"0": "ALL", "1": "AML"}
    frames["bmt"] = _frame(y["ftime"], y["status"], x["dis"].astype(str).map(labels))
    x, y = load_cgvhd()
    frames["cgvhd"] = _frame(y["ftime"], y["status"], x["tx"].astype(str))
    frames["simulated"] = simulated()
    frames["toy"] = _frame(*np.array(_TOY, dtype=object).T)
    return frames


#: (time, status, group) rows of the ``toy`` data set.
_TOY = [
    (1, 1, "x"), (2, 2, "x"), (3, 1, "x"), (4, 2, "x"),
    (1, 1, "y"), (2, 1, "y"), (3, 0, "y"), (4, 0, "y"),
    (1, 2, "z"), (1, 0, "z"), (2, 1, "z"), (2, 2, "z"), (5, 0, "z"),
    (5, 1, "z"), (6, 1, "z"), (6, 0, "z"), (7, 0, "z"), (8, 2, "z"),
]  # fmt: skip


def simulated(seed: int = SEED, n: int = 2_000) -> pd.DataFrame:
    """Heavily tied competing-risks data: whole days 0..60, two causes, three groups.

    Only ``Generator.random`` is used (and turned into the distributions by
    hand), whose stream NumPy keeps stable across versions, so the rows are the
    same on any machine.
    """
    rng = np.random.default_rng(seed)
    u = rng.random((n, 4))
    group_code = np.searchsorted([0.5, 0.8], u[:, 0], side="right")  # 50/30/20 percent
    group = np.array(["a", "b", "c"])[group_code]
    # Geometric latent days (inverse CDF) for each cause, faster in group "b";
    # a positive answer comes sooner than a rejection, as in the real logs.
    p_positive = np.array([0.04, 0.07, 0.03])[group_code]
    p_rejection = np.array([0.03, 0.03, 0.05])[group_code]
    t_positive = np.floor(np.log1p(-u[:, 1]) / np.log1p(-p_positive))
    t_rejection = np.floor(np.log1p(-u[:, 2]) / np.log1p(-p_rejection))
    # Open applications: censored at a whole day 0..60 (the export date).
    t_censor = np.floor(u[:, 3] * 61)
    time = np.minimum(np.minimum(t_positive, t_rejection), t_censor)
    # A cause wins ties with the censoring day (an answer on the export day is
    # seen); a positive answer wins a tie with a rejection.
    status = np.where(
        t_censor < np.minimum(t_positive, t_rejection), 0, np.where(t_positive <= t_rejection, 1, 2)
    )
    return _frame(time, status, pd.Series(group))


def _frame(time: np.ndarray, status: np.ndarray, group: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": np.asarray(time, dtype=np.float64),
            "status": np.asarray(status, dtype=np.int64),
            "group": np.asarray(group, dtype=object),
        }
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/reference/export_datasets.py OUTPUT_DIRECTORY", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in datasets().items():
        # repr-exact floats, so R reads the very same doubles.
        frame.to_csv(out / f"{name}.csv", index=False, float_format="%.17g")
        print(f"{out / name}.csv: {len(frame)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
