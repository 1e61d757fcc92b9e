"""The still-hope interval covers the simulator's exact truth (issue 3, "Correctness"); slow.

A smaller run of ``benchmarks/coverage_still_hope.py`` (its module docstring
explains the truth: the clocks' day convention, averaged over each sample's
applications): 400 simulated logs of 4,000 applications with the weekend
shift off and no candidate effect, so the applications are independent given
their covariates, as the independent (``cluster=None``) interval assumes;
both intervals the script reports are checked: the default one, summed per
candidate (issue 15), must hold its level when there is nothing to cluster. With the default
candidate quality effect the plain interval under-covers positive answers at
s = 0 (about 90 % in the full run); that is what the candidate-cluster
bootstrap is for, and it is reported in ``benchmarks/results.md``, not tested
here (200 resamples per log would take too long).

Tolerances. With R = 400 replicates the Monte Carlo standard error of a
coverage near 0.95 is sqrt(0.95 * 0.05 / 400) = 1.1 points, so a correct
interval's observed coverage falls outside [0.93, 0.97] in about 7 % of cells,
and a strict [0.93, 0.97] on 8 cells would often fail correct code. So, per
cell (cause x s): the point estimate must be within [0.92, 0.98] (2.75
standard errors: a correct interval lands outside with probability ~0.6 %)
and its Wilson interval must overlap [0.93, 0.97]; and the pooled coverage of
all 3,200 intervals must lie in [0.93, 0.97]. An interval 15 % too narrow
(true coverage ~0.91) fails a given cell about three times in four, so
overconfidence is caught; an interval too wide is caught less surely. The
seeds are fixed, so the outcome is deterministic for a given library version
(seeds 0..399 give cell coverages 0.938-0.973, pooled 0.959: slightly above
0.95 because the truth conditions on each sample's covariates, while the
standard error also counts their sampling).

The bias check: |mean estimate - mean truth| <= 0.2 * mean SE + 3 Monte Carlo
standard errors. With whole days (``day_boundary="end_of_day"``), an
application censored during day C counts as having waited all of day C,
which biased the estimates down by up to ~0.12 SE here (about -0.001 for
rejection); the clocks' default rule removes that (to within 0.05 SE at 1e6
episodes: ``benchmarks/day_boundary_bias.py``), and the 0.2 SE allowance
stays, as this test could not tell 0.12 SE from 0 at 400 replicates anyway.
Reading the truth in the wrong day convention (F(t) or
F(t + 1) instead of the mean of F over [t, t + 1]) gives biases of 0.004 to
0.012 in most cells, well beyond it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "coverage_still_hope.py"
REPS, N_APPLICATIONS = 400, 4000


def _coverage_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("coverage_still_hope", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_still_hope_interval_covers_the_truth() -> None:
    cov = _coverage_module()
    summary, info = cov.run_design("independent", REPS, N_APPLICATIONS)
    raw = info["raw"]

    intervals = ("by candidate (default)", "independent (cluster=None)")
    assert sorted(summary["interval"].unique()) == sorted(intervals)
    assert len(summary) == len(intervals) * len(cov.CAUSES) * len(cov.WAITED)
    for row in summary.itertuples():
        where = f"{row.interval}, {row.cause}, s={row.s:g}: coverage {row.coverage:.3f}"
        assert 0.92 <= row.coverage <= 0.98, where
        assert row.coverage_lo <= 0.97 and row.coverage_hi >= 0.93, where
        mc_se = row.sd / np.sqrt(REPS)
        assert abs(row.bias) <= 0.2 * row.mean_se + 3 * mc_se, (
            f"{row.interval}, {row.cause}, s={row.s:g}: bias {row.bias:+.4f}, "
            f"mean SE {row.mean_se:.4f}"
        )

    for lo, hi in (("lo", "hi"), ("ind_lo", "ind_hi")):
        covered = (raw[lo] <= raw["truth_day"]) & (raw["truth_day"] <= raw[hi])
        assert 0.93 <= covered.mean() <= 0.97, lo
        # The estimate lies inside its own interval.
        assert ((raw[lo] <= raw["est"]) & (raw["est"] <= raw[hi])).all(), lo
    assert ((raw["truth_day"] > 0) & (raw["truth_day"] < 1)).all()
