"""A missing attribute is the level "(missing)" in every model (issue 12, item 3).

Summaries and reports already show a missing attribute as the segment
"(missing)"; the models now do the same instead of refusing the episodes. The
reference is each model fitted on the same episodes with the missing values
written out as the text "(missing)" beforehand (those fits are pinned to R and
lifelines in the models' own test files), so the two must agree exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.regression._checks import MISSING_LEVEL


@pytest.fixture(scope="module")
def episodes() -> tuple[pd.DataFrame, pd.DataFrame]:
    sim = hf.simulate(1500, seed=5)
    log = hf.read_events(sim.events, attributes=sim.attributes, as_of=sim.as_of)
    ep = hf.episodes(log, "first_response")
    ep = ep.assign(industry=ep["industry"].astype("string"))
    gaps = ep.copy()
    rng = np.random.default_rng(1)
    holes = rng.choice(len(ep), size=120, replace=False)
    gaps.loc[gaps.index[holes[:60]], "industry"] = pd.NA
    gaps.loc[gaps.index[holes[60:]], "industry"] = "  "
    filled = gaps.assign(industry=gaps["industry"].fillna(MISSING_LEVEL))
    filled.loc[filled["industry"].str.strip() == "", "industry"] = MISSING_LEVEL
    return gaps, filled


def test_cause_specific_cox(episodes) -> None:
    gaps, filled = episodes
    got = hf.cause_specific_cox(gaps, cause="positive", covariates=["industry"]).table
    pd.testing.assert_frame_equal(
        got, hf.cause_specific_cox(filled, cause="positive", covariates=["industry"]).table
    )
    assert MISSING_LEVEL in set(got["level"])


def test_fine_gray(episodes) -> None:
    gaps, filled = episodes
    got = hf.fine_gray(gaps, cause="positive", covariates=["industry"]).table
    pd.testing.assert_frame_equal(
        got, hf.fine_gray(filled, cause="positive", covariates=["industry"]).table
    )


def test_parametric_models(episodes) -> None:
    gaps, filled = episodes
    got = hf.parametric_models(gaps, covariates=["industry"], distributions="weibull").coefficients
    want = hf.parametric_models(
        filled, covariates=["industry"], distributions="weibull"
    ).coefficients
    pd.testing.assert_frame_equal(got, want)


def test_ghosting_model(episodes) -> None:
    gaps, filled = episodes
    got = hf.ghosting_model(gaps, covariates=["industry"]).table
    pd.testing.assert_frame_equal(got, hf.ghosting_model(filled, covariates=["industry"]).table)
