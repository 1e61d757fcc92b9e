"""The public API (issue 13, item 2): one flat namespace, one name per concept.

Every function and class in ``hiring_funnel.__all__`` is reachable as ``hf.<name>``
and has a docstring example that runs; data go in positionally, everything else
by keyword; the spellings of the previous release still work for one release and
warn, saying what to write instead.
"""

from __future__ import annotations

import doctest
import inspect
import warnings

import numpy as np
import pandas as pd
import pytest

import hiring_funnel as hf

CALLABLES = [
    n for n in hf.__all__ if inspect.isfunction(getattr(hf, n)) or inspect.isclass(getattr(hf, n))
]


def test_every_estimator_model_and_plot_is_at_the_top_level() -> None:
    for name in (
        "kaplan_meier",
        "cumulative_incidence",
        "still_hope",
        "outcome_mix",
        "waiting_quantiles",
        "restricted_mean_wait",
        "bootstrap",
        "logrank_test",
        "gray_test",
        "cause_specific_cox",
        "fine_gray",
        "parametric_models",
        "ghosting_model",
        "follow_up_effect",
        "pending_model",
        "predict_pending",
        "plot_survival",
        "plot_cumulative_incidence",
        "plot_still_hope",
        "plot_outcome_mix",
        "plot_forest",
        "Result",
        "EstimateResult",
        "CoefficientResult",
    ):
        assert name in hf.__all__ and callable(getattr(hf, name)), name


@pytest.mark.parametrize("name", CALLABLES)
def test_every_public_name_has_an_example_that_runs(name: str) -> None:
    obj = getattr(hf, name)
    # Its own docstring; the examples of methods run with the modules (--doctest-modules).
    tests = [t for t in doctest.DocTestFinder().find(obj, name) if t.examples and t.name == name]
    assert tests, f"hf.{name} has no docstring example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    (test,) = tests
    test.globs = {**vars(inspect.getmodule(obj)), "hf": hf}
    runner.run(test)
    assert runner.failures == 0, f"the example of hf.{name} fails"


def _episodes() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 80
    return pd.DataFrame(
        {
            "entry": 0.0,
            "duration": rng.integers(1, 40, n).astype(float),
            "cause": pd.Categorical(
                rng.choice(["offer", "rejection", None], n, p=[0.3, 0.5, 0.2]),
                categories=["offer", "rejection"],
            ),
            "size": rng.choice(["big", "small"], n),
        }
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (lambda ep: hf.still_hope(ep, "offer"), lambda ep: hf.still_hope(ep, cause="offer")),
        (lambda ep: hf.outcome_mix(ep, "offer"), lambda ep: hf.outcome_mix(ep, cause="offer")),
        (
            lambda ep: hf.restricted_mean_wait(ep, 10.0),
            lambda ep: hf.restricted_mean_wait(ep, horizon=10.0),
        ),
        (lambda ep: hf.logrank_test(ep, "size"), lambda ep: hf.logrank_test(ep, by="size")),
        (
            lambda ep: hf.gray_test(ep, "size", cause="offer"),
            lambda ep: hf.gray_test(ep, by="size", cause="offer"),
        ),
        (
            lambda ep: hf.cause_specific_cox(ep, "offer", "size"),
            lambda ep: hf.cause_specific_cox(ep, cause="offer", covariates="size"),
        ),
        (
            lambda ep: hf.fine_gray(ep, "offer", "size"),
            lambda ep: hf.fine_gray(ep, cause="offer", covariates="size"),
        ),
        (lambda ep: hf.life_table(ep, "size"), lambda ep: hf.life_table(ep, by="size")),
    ],
)
def test_old_positional_calls_warn_and_give_the_same_result(old, new) -> None:
    ep = _episodes()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        expected = new(ep)  # the keyword spelling does not warn
    with pytest.warns(DeprecationWarning, match=r"^hiring_funnel: \w+: pass \w+.* by keyword"):
        got = old(ep)
    table = got if isinstance(got, pd.DataFrame) else got.table
    want = expected if isinstance(expected, pd.DataFrame) else expected.table
    pd.testing.assert_frame_equal(table, want)


def test_the_old_resample_count_warns() -> None:
    sim = hf.simulate(300, seed=2)
    with pytest.warns(DeprecationWarning, match="n_boot is now called n_resamples"):
        old = hf.pending_model(sim.events, attributes=sim.attributes, as_of=sim.as_of, n_boot=0)
    assert old.meta["n_resamples"] == 0
    with pytest.raises(TypeError, match="both 'n_boot' and 'n_resamples'"):
        hf.pending_model(sim.events, n_boot=0, n_resamples=0)


def test_too_many_positional_arguments_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="positional arguments at most"):
        hf.still_hope(_episodes(), "offer", "extra")  # type: ignore[misc]
    with pytest.raises(TypeError, match="multiple values for 'cause'"):
        hf.still_hope(_episodes(), "offer", cause="offer")  # type: ignore[misc]


def test_old_prediction_and_attribute_names_warn() -> None:
    ep = _episodes()
    aft = hf.parametric_models(ep, covariates="size", distributions=["weibull"])
    with pytest.warns(DeprecationWarning, match=r"survival\(\) is now called predict\(\)"):
        old = aft.survival([1, 5])
    pd.testing.assert_frame_equal(old, aft.predict([1, 5]))
    sim = hf.simulate(1500, seed=4)
    first = hf.episodes(sim.events, "first_response", attributes=sim.attributes)
    ghost = hf.ghosting_model(first, covariates=["remote"])
    with pytest.warns(DeprecationWarning, match=r"ghosting_share is now called predict\(\)"):
        assert ghost.ghosting_share == ghost.predict()
    with pytest.warns(DeprecationWarning, match="cov is now called covariance"):
        assert ghost.cov is ghost.covariance
    model = hf.pending_model(sim.events, as_of=sim.as_of, n_resamples=0)
    with pytest.warns(DeprecationWarning, match="hazard_ratios is now called table"):
        assert model.hazard_ratios is model.table
