"""ghosting_model against a second implementation of its likelihood in base R (optim).

No cure-model package is packaged for Debian, so tests/reference/make_cure_reference.R
writes the documented likelihood again in R and maximises it with optim; this
pins the day convention, the optimum and the standard errors::

    python tests/reference/make_cure_data.py tests/reference/cure_episodes.csv
    Rscript tests/reference/make_cure_reference.R tests/reference/cure_episodes.csv tests/reference/cure_reference.json
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reference.make_cure_data import make

from hiring_funnel.regression import ghosting_model

HERE = Path(__file__).parent / "reference"


def test_committed_data_is_what_the_generator_makes() -> None:
    committed = pd.read_csv(HERE / "cure_episodes.csv")
    pd.testing.assert_frame_equal(committed, make(), check_dtype=False)


@pytest.mark.parametrize("timing", ["lognormal", "weibull"])
def test_ghosting_model_equals_the_r_optim_fit(timing: str) -> None:
    ref = json.loads((HERE / "cure_reference.json").read_text())[timing]
    data = pd.read_csv(HERE / "cure_episodes.csv")
    ep = pd.DataFrame(
        {
            "entry": 0.0,
            "duration": data["duration"].astype(float),
            "cause": pd.Categorical(
                np.where(data["answered"] == 1, "positive", None), categories=["positive"]
            ),
            "source": data["source"],
            "size": data["size"],
        }
    )
    fit = ghosting_model(ep, covariates=["source", "size"], timing=timing)
    # Same order: gamma (answered, logit), beta (log time), log sigma; R's
    # model.matrix uses the first level in sort order, as we do.
    np.testing.assert_allclose(fit.params.to_numpy(), ref["coef"], atol=2e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.covariance.to_numpy())), ref["se"], rtol=1e-5)
    # optim stops a little short of the top; ours may only be higher.
    assert fit.meta["loglik"] == pytest.approx(ref["loglik"], abs=1e-6)
    assert fit.meta["loglik"] >= ref["loglik"] - 1e-9
