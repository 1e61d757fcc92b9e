"""Clustered (robust) standard errors of cause_specific_cox, pinned to R's coxph(cluster = ).

The reference values in tests/reference/cluster_reference.json come from
tests/reference/make_cluster_reference.R::

    python tests/reference/export_datasets.py /tmp/hf_reference
    Rscript tests/reference/make_cluster_reference.R /tmp/hf_reference tests/reference/cluster_reference.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from reference.fixtures import BY, episodes

import hiring_funnel as hf
from hiring_funnel.regression import cause_specific_cox
from hiring_funnel.schema import HiringFunnelError

FITS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "reference" / "cluster_reference.json").read_text()
)["fits"]


def _episodes(name: str, variant: str) -> pd.DataFrame:
    """The data set with R's clusters and, for "late", R's late entries."""
    ep = episodes(name).copy()
    row = np.arange(1, len(ep) + 1)
    ep["cluster"] = (row - 1) // (2 if name == "bmt" else 3)
    if variant == "late":
        ep["entry"] = np.where(row % 5 == 0, np.floor(ep["duration"] / 2), 0.0)
    return ep


@pytest.mark.parametrize(
    "ref", FITS, ids=[f"{f['data']}-{f['variant']}-{f['cause']}-{f['ties']}" for f in FITS]
)
def test_robust_se_equals_r_coxph_cluster(ref: dict[str, Any]) -> None:
    # R: coxph(Surv(entry, time + 1, status == k) ~ group, cluster = cluster, ties = ties)
    ep = _episodes(ref["data"], ref["variant"])
    cause = list(ep["cause"].cat.categories)[ref["cause"] - 1]
    # R's reference level is the first in sort order; so is ours here only if
    # it is also the most frequent, so compare by level name.
    fit = cause_specific_cox(ep, cause=cause, covariates=BY, ties=ref["ties"], cluster="cluster")
    naive = cause_specific_cox(ep, cause=cause, covariates=BY, ties=ref["ties"])
    terms = [ref["terms"]] if isinstance(ref["terms"], str) else ref["terms"]
    r_coef = np.atleast_1d(ref["coef"])
    r_se = np.atleast_1d(ref["se"])
    r_naive = np.atleast_1d(ref["naive_se"])
    r_levels = [t.removeprefix("group") for t in terms]
    ours = fit.table.set_index("level")
    ours_naive = naive.table.set_index("level")
    sign = 1.0
    if fit.meta["reference"][BY] in r_levels:
        # Two levels, and ours is R's other one (we take the most frequent
        # level, R the first): the same contrast with the sign flipped.
        assert len(r_levels) == 1
        r_levels = [sorted(ep[BY].unique())[0]]
        sign = -1.0
    for level, coef, se, nse in zip(r_levels, r_coef, r_se, r_naive, strict=True):
        assert ours.loc[level, "coef"] == pytest.approx(sign * coef, rel=1e-7, abs=1e-9)
        assert ours.loc[level, "std_error"] == pytest.approx(se, rel=1e-7)
        assert ours_naive.loc[level, "std_error"] == pytest.approx(nse, rel=1e-7)
    assert "clustered on 'cluster'" in fit.meta["variance"]


def test_one_episode_per_cluster_is_the_plain_sandwich_and_sums_to_zero() -> None:
    # With every episode its own cluster the robust variance is the
    # infinitesimal-jackknife sandwich, which differs from the model-based
    # one but stays close on a well-specified model (simulated, no frailty).
    ep = _episodes("simulated", "plain")
    ep["own"] = np.arange(len(ep))
    robust = cause_specific_cox(ep, cause="positive", covariates=BY, cluster="own")
    model = cause_specific_cox(ep, cause="positive", covariates=BY)
    ratio = robust.table["std_error"] / model.table["std_error"]
    assert ((ratio > 0.9) & (ratio < 1.1)).all()
    pd.testing.assert_series_equal(robust.table["coef"], model.table["coef"])


def test_candidate_clusters_widen_intervals_on_the_simulator() -> None:
    # The simulator gives each candidate a shared quality effect, so one
    # candidate's applications are correlated; role level is a candidate's
    # attribute, the same on all of them, so its robust SE must be larger.
    # (An attribute that varies within a candidate, such as company size,
    # need not widen: its within-candidate contrasts cancel the shared part.)
    sim = hf.simulate(6000, seed=4)
    first = hf.episodes(sim.events, "first_response", attributes=sim.attributes, as_of=sim.as_of)
    robust = cause_specific_cox(
        first, cause="positive", covariates="role_level", cluster="candidate_id"
    )
    model = cause_specific_cox(first, cause="positive", covariates="role_level")
    assert (robust.table["std_error"] > model.table["std_error"]).all()


def test_cluster_errors() -> None:
    ep = _episodes("bmt", "plain")
    with pytest.raises(HiringFunnelError, match="column 'nope': no such column to cluster on"):
        cause_specific_cox(ep, cause="trm", covariates=BY, cluster="nope")
    ep.loc[3, "cluster"] = np.nan
    with pytest.raises(HiringFunnelError, match="missing cluster value"):
        cause_specific_cox(ep, cause="trm", covariates=BY, cluster="cluster")
