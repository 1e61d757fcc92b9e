"""The data set of tests/reference/make_late_entry_reference.R: the sample log begun late.

Usage (from the repository root)::

    python tests/reference/make_late_entry_data.py tests/reference/late_entry_episodes.csv

The bundled sample (``data/sample``, 5,000 applications sent from late January
2026) read as if its export began on :data:`OBSERVED_FROM`, three months in:
the ``decision`` episodes in calendar days, with columns ``entry, duration,
cause`` (empty = censored), ``industry``, ``company_size`` and
``candidate_id`` (2,906 candidates, some with several applications). The 529
applications sent earlier and still waiting then enter late (``entry`` > 0);
the 449 decided before it are not in the file (``attrs["skipped"]``). tests/test_late_entry.py checks that the
committed CSV is what :func:`make` gives.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import hiring_funnel as hf

#: When the pretended export window opens: three months into the sample.
OBSERVED_FROM = "2026-05-01"
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
COLUMNS = ["entry", "duration", "cause", "industry", "company_size", "candidate_id"]


def make() -> pd.DataFrame:
    """The episodes, in the order of the CSV (``episodes``' attrs kept)."""
    log = hf.read_events(
        SAMPLE / "events.csv",
        mapping=SAMPLE / "mapping.toml",
        attributes=SAMPLE / "attributes.csv",
        observed_from=OBSERVED_FROM,
    )
    ep = hf.episodes(log, "decision")
    return ep[COLUMNS]


if __name__ == "__main__":
    make().to_csv(sys.argv[1], index=False, float_format="%.10g", lineterminator="\n")
