"""One result model (issue 13, item 1): every result has a table, read-only meta and notes.

The numbers inside the results are pinned elsewhere (R, lifelines, scikit-survival);
these tests check the shape the results share: the same coefficient columns for Cox
and Fine-Gray, meta that cannot be changed after the fit, notes as records with a
code, one HTML view, a text summary and a plot where one exists.
"""

from __future__ import annotations

import copy
import json
import pickle

import matplotlib
import numpy as np
import pandas as pd
import pytest

from hiring_funnel.estimators import cumulative_incidence, kaplan_meier, still_hope
from hiring_funnel.regression import cause_specific_cox, fine_gray, plot_forest
from hiring_funnel.results import (
    COEFFICIENT_COLUMNS,
    ESTIMATE_COLUMNS,
    CoefficientResult,
    EstimateResult,
    Meta,
    Note,
    Result,
    kind_of,
)
from hiring_funnel.schema import HiringFunnelError

matplotlib.use("Agg")


def episodes(n: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cause = rng.choice(["offer", "rejection", None], size=n, p=[0.3, 0.5, 0.2])
    return pd.DataFrame(
        {
            "entry": 0.0,
            "duration": rng.integers(1, 30, size=n).astype(float),
            "cause": pd.Categorical(cause, categories=["offer", "rejection"]),
            "size": rng.choice(["big", "small"], size=n),
            "referral": rng.integers(0, 2, size=n),
        }
    )


def test_cox_and_fine_gray_share_the_coefficient_columns() -> None:
    ep = episodes()
    cox = cause_specific_cox(ep, cause="offer", covariates=["size", "referral"])
    fg = fine_gray(ep, cause="offer", covariates=["size", "referral"])
    for fit, effect in ((cox, "hazard ratio"), (fg, "subdistribution hazard ratio")):
        assert isinstance(fit, CoefficientResult) and isinstance(fit, Result)
        assert tuple(fit.table.columns[: len(COEFFICIENT_COLUMNS)]) == COEFFICIENT_COLUMNS
        assert fit.effect == effect
        np.testing.assert_allclose(fit.table["estimate"], np.exp(fit.table["coef"]))
        np.testing.assert_allclose(fit.table["std_error"], np.sqrt(np.diag(fit.covariance)))
        assert fit.meta["reference"] == {"size": "big"}


def test_plot_forest_takes_any_coefficient_result() -> None:
    import matplotlib.pyplot as plt

    ep = episodes()
    fg = fine_gray(ep, cause="offer", covariates=["size", "referral"])
    fig, ax = plt.subplots()
    assert plot_forest(fg, ax=ax) is ax
    assert ax.get_xlabel().startswith("Subdistribution hazard ratio")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["size: small vs big", "referral"]
    assert fg.plot(ax=ax) is ax  # the method draws the same plot
    plt.close(fig)


def test_meta_is_read_only_but_still_a_dict() -> None:
    km = kaplan_meier(episodes())
    with pytest.raises(TypeError, match="read-only"):
        km.meta["conf_level"] = 0.5
    with pytest.raises(TypeError, match="read-only"):
        km.meta.update(conf_level=0.5)
    nested = cause_specific_cox(episodes(), cause="offer", covariates="size").meta["reference"]
    with pytest.raises(TypeError, match="read-only"):
        nested["size"] = "small"
    assert isinstance(km.meta, dict) and km.meta["conf_level"] == 0.95
    again = pickle.loads(pickle.dumps(km))
    assert isinstance(again.meta, Meta) and again.meta.keys() == km.meta.keys()
    assert copy.deepcopy(km).meta["conf_level"] == 0.95
    json.dumps({k: v for k, v in km.meta.items() if isinstance(v, (int, float, str))})


def test_notes_are_records_with_a_code() -> None:
    # 6 offers for 2 parameters: fewer than 10 events per parameter.
    ep = episodes(40, seed=1)
    ep["cause"] = pd.Categorical(
        ["offer"] * 6 + ["rejection"] * 20 + [None] * 14, categories=["offer", "rejection"]
    )
    fit = cause_specific_cox(ep, cause="offer", covariates=["size", "referral"])
    (note,) = fit.notes
    assert note.code == "few_events"
    assert note.data == {"events": 6, "parameters": 2, "threshold": 10}
    assert fit.meta["notes"] == [note.text]  # the texts stay readable from meta
    # Plain strings given by older code become records with a generic code.
    r = EstimateResult("kaplan_meier", pd.DataFrame(), {"notes": ["a caveat"]})
    assert r.notes == (Note("note", "a caveat"),)


def test_one_view_a_summary_and_a_plot() -> None:
    ep = episodes()
    km = kaplan_meier(ep)
    html = km._repr_html_()
    assert html.startswith("<div><strong>Kaplan-Meier") and "95% intervals" in html
    text = km.summary()
    assert text.splitlines()[0] == kind_of("kaplan_meier").title  # type: ignore[union-attr]
    assert "estimate" in text
    import matplotlib.pyplot as plt

    for result in (km, cumulative_incidence(ep), still_hope(ep, cause="offer", waited=[0, 5])):
        fig, ax = plt.subplots()
        assert result.plot(ax=ax) is ax
        plt.close(fig)
    cox = cause_specific_cox(ep, cause="offer", covariates="size")
    assert "Cause-specific Cox model: hazard of offer" in cox._repr_html_()
    assert cox.summary().startswith("Cause-specific Cox model")


def test_estimate_tables_have_the_fixed_columns_whatever_the_kind() -> None:
    ep = episodes()
    for result in (kaplan_meier(ep), cumulative_incidence(ep), still_hope(ep, cause="offer")):
        assert tuple(result.table.columns[: len(ESTIMATE_COLUMNS)]) == ESTIMATE_COLUMNS


def test_a_result_without_a_plot_says_so() -> None:
    r = EstimateResult("waiting_quantiles", pd.DataFrame())
    with pytest.raises(HiringFunnelError, match="no plot of a waiting_quantiles result"):
        r.plot()


def test_every_estimate_table_has_the_same_columns_first() -> None:
    """Curves and their summaries: one set of columns, whatever the kind, then the kind's own."""
    import hiring_funnel as hf

    ep = episodes()
    results = [
        kaplan_meier(ep),
        cumulative_incidence(ep),
        still_hope(ep, cause="offer", waited=[0, 5]),
        hf.outcome_mix(ep, cause="offer"),
        hf.waiting_quantiles(ep),
        hf.restricted_mean_wait(ep, horizon=5),
    ]
    core = [*ESTIMATE_COLUMNS, "std_error"]
    for r in results:
        assert list(r.table.columns[: len(core)]) == core, r.kind
