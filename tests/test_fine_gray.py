"""Tests of hiring_funnel.regression.fine_gray: pinned to cmprsk::crr, plus identities and errors.

The reference values in tests/reference/crr_reference.json come from
tests/reference/make_crr_reference.R; to regenerate them (from the repository
root)::

    python tests/reference/export_datasets.py /tmp/hf_reference
    python tests/test_fine_gray.py /tmp/hf_reference
    Rscript tests/reference/make_crr_reference.R /tmp/hf_reference tests/reference/crr_reference.json

The second line writes ``cgvhd_covariates.csv`` (age, dx, extent of
scikit-survival's ``load_cgvhd``, which export_datasets.py leaves out).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hiring_funnel.regression.fine_gray import FINE_GRAY_COLUMNS, FineGrayResult, fine_gray
from hiring_funnel.schema import HiringFunnelError

if __name__ != "__main__":
    from reference.export_datasets import CAUSES, datasets
else:  # run as a script: tests/ is not on the path
    sys.path.insert(0, str(Path(__file__).parent))
    from reference.export_datasets import CAUSES, datasets

CRR_JSON = Path(__file__).parent / "reference" / "crr_reference.json"


def cgvhd_covariates() -> pd.DataFrame:
    """The cgvhd columns export_datasets.py leaves out, in its row order."""
    from sksurv.datasets import load_cgvhd

    x, _ = load_cgvhd()
    return pd.DataFrame(
        {
            "age": x["age"].to_numpy(dtype=np.float64),
            "dx": x["dx"].astype(str).to_numpy(dtype=object),
            "extent": x["extent"].astype(str).to_numpy(dtype=object),
        }
    )


@cache
def crr_reference() -> dict[str, Any]:
    return json.loads(CRR_JSON.read_text())


@cache
def _frames() -> dict[str, pd.DataFrame]:
    frames = datasets()
    frames["cgvhd"] = pd.concat([frames["cgvhd"], cgvhd_covariates()], axis=1)
    return frames


def episodes(name: str) -> pd.DataFrame:
    """A reference data set as an episode frame (``group`` and the extra covariates kept)."""
    frame = _frames()[name]
    causes = list(CAUSES[name])
    labels = np.array([None, *causes], dtype=object)[frame["status"].to_numpy()]
    return frame.assign(
        entry=0.0,
        duration=frame["time"],
        cause=pd.Categorical(labels, categories=causes),
    ).drop(columns=["time", "status"])


#: The models of make_crr_reference.R (the keys of crr_reference.json).
MODELS = (
    "bmt_trm_dis",
    "bmt_relapse_dis",
    "cgvhd_cgvhd_tx",
    "cgvhd_cgvhd_age_tx_dx",
    "cgvhd_relapse_age",
    "simulated_positive_group",
)


def test_reference_holds_every_model() -> None:
    assert tuple(crr_reference()["models"]) == MODELS
    assert crr_reference()["versions"]["cmprsk"]


@pytest.mark.parametrize("model", MODELS)
def test_matches_crr(model: str) -> None:
    """Coefficients, sandwich standard errors and log pseudo-likelihood of cmprsk::crr.

    R: crr(ftime, fstatus, cov1 = model.matrix(~ covariates)[, -1], failcode = k),
    see tests/reference/make_crr_reference.R.
    """
    ref = crr_reference()["models"][model]
    frame = _frames()[ref["data"]]
    # The rows are the ones R read (the fingerprint recorded by the R script).
    assert len(frame) == ref["n"]
    assert np.isclose(frame["time"].sum(), ref["time_sum"], rtol=1e-14)
    assert frame["status"].sum() == ref["status_sum"]
    cause = CAUSES[ref["data"]][ref["failcode"] - 1]
    fit = fine_gray(episodes(ref["data"]), cause=cause, covariates=ref["covariates"])
    # R names dummy columns <covariate><level>.
    names = [
        t if lv is None else f"{t}{lv}"
        for t, lv in zip(fit.table.term, fit.table.level, strict=True)
    ]
    assert names == ref["terms"]
    np.testing.assert_allclose(fit.table["coef"], ref["coef"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.table["std_error"], ref["se"], rtol=0, atol=1e-8)
    assert fit.meta["loglik"] == pytest.approx(ref["loglik"], abs=1e-8)
    assert fit.meta["loglik_null"] == pytest.approx(ref["loglik.null"], abs=1e-8)
    assert fit.meta["converged"] is ref["converged"]


def test_table_shape_and_identities() -> None:
    fit = fine_gray(
        episodes("cgvhd"), cause="cgvhd", covariates=["age", "group", "dx"], conf_level=0.9
    )
    assert isinstance(fit, FineGrayResult)
    t = fit.table
    assert tuple(t.columns) == FINE_GRAY_COLUMNS
    assert list(t.term) == ["age", "group", "dx"]
    assert t.level.iloc[0] is None
    assert list(t.level.iloc[1:]) == ["PB", "CML"]
    assert fit.meta["reference_levels"] == {"group": "BM", "dx": "AML"}
    np.testing.assert_allclose(t.estimate, np.exp(t.coef))
    z = 1.6448536269514722  # qnorm(0.95)
    np.testing.assert_allclose(t.ci_lower, np.exp(t.coef - z * t.std_error))
    np.testing.assert_allclose(t.ci_upper, np.exp(t.coef + z * t.std_error))
    np.testing.assert_allclose(t.z, t.coef / t.std_error)
    from scipy.stats import norm

    np.testing.assert_allclose(t.p_value, 2 * norm.sf(np.abs(t.z)))
    m = fit.meta
    assert (m["n"], m["events"] + m["competing_events"] + m["censored"]) == (100, 100)
    assert m["conf_level"] == 0.9 and m["cause"] == "cgvhd"
    np.testing.assert_allclose(np.sqrt(np.diag(fit.covariance)), t.std_error)
    with pytest.raises(AttributeError):
        fit.meta = {}  # type: ignore[misc]
    html = fit._repr_html_()
    assert "Fine-Gray" in html and "90% intervals" in html and "dx: AML" in html


def test_invariant_to_row_order_and_categorical_dtype() -> None:
    ep = episodes("simulated")
    fit = fine_gray(ep, cause="positive", covariates="group")
    shuffled = ep.sample(frac=1.0, random_state=np.random.default_rng(3)).reset_index(drop=True)
    again = fine_gray(shuffled, cause="positive", covariates=["group"])
    np.testing.assert_allclose(again.table.coef, fit.table.coef, rtol=1e-10)
    np.testing.assert_allclose(again.table.std_error, fit.table.std_error, rtol=1e-10)
    # A categorical covariate takes its reference from the category order.
    cat = ep.assign(group=pd.Categorical(ep.group, categories=["c", "a", "b"]))
    recoded = fine_gray(cat, cause="positive", covariates=["group"])
    assert list(recoded.table.level) == ["a", "b"]
    assert recoded.meta["reference_levels"] == {"group": "c"}
    # Same model, another baseline: (a - c, b - c) from (b - a, c - a).
    b_a, c_a = fit.table.coef
    np.testing.assert_allclose(recoded.table.coef, [-c_a, b_a - c_a], rtol=1e-8)


def test_no_censoring_is_cox_with_competing_events_kept_for_ever() -> None:
    """Without censoring G = 1: a Cox model where other causes stay at risk to the end.

    Checked against lifelines' CoxPHFitter (no tied times, so its Efron ties are Breslow's).
    """
    from lifelines import CoxPHFitter

    rng = np.random.default_rng(7)
    n = 60
    x = rng.normal(size=n)
    time = rng.permutation(np.arange(1, n + 1)).astype(float)
    status = rng.choice([1, 2], size=n)
    ep = pd.DataFrame(
        {
            "entry": 0.0,
            "duration": time,
            "cause": pd.Categorical.from_codes(status - 1, ["offer", "rejection"]),
            "x": x,
        }
    )
    fit = fine_gray(ep, cause="offer", covariates=["x"])
    cox = CoxPHFitter().fit(
        pd.DataFrame({"t": np.where(status == 1, time, n + 1.0), "e": status == 1, "x": x}),
        "t",
        "e",
        fit_options={"precision": 1e-12},
    )
    # crr stops at max |score| < 1e-6 |log L|, so agreement is to about 1e-5.
    assert fit.table.coef.iloc[0] == pytest.approx(cox.params_["x"], abs=1e-5)


def test_is_a_weighted_cox_model_on_expanded_data() -> None:
    """Geskus (2011): Fine-Gray is a Cox model on counting-process rows with weights.

    A competing event at X stays in the risk set after X in pieces cut at the
    later censoring times, the piece starting at a with weight G(a) / G(X-) (G
    the Kaplan-Meier curve of the censorings). Fitted with lifelines'
    CoxTimeVaryingFitter; untied times, so its Efron ties are Breslow's.
    """
    import importlib

    from lifelines import CoxTimeVaryingFitter

    rng = np.random.default_rng(11)
    n = 80
    x = rng.normal(size=n)
    status = rng.choice([0, 1, 2], size=n, p=[0.3, 0.4, 0.3])
    # Offers sooner for high x, so the coefficient is far from 0.
    rank = np.argsort(np.argsort(rng.normal(size=n) - np.where(status == 1, x, 0.0)))
    time = rank + 1 + rng.random(n) / 2
    ep = pd.DataFrame(
        {
            "entry": 0.0,
            "duration": time,
            "cause": pd.Categorical.from_codes(status - 1, ["offer", "rejection"]),
            "x": x,
        }
    )
    fit = fine_gray(ep, cause="offer", covariates=["x"])

    order = np.argsort(time)
    ts, cs = time[order], status[order]
    g_after = np.cumprod(np.where(cs == 0, 1 - 1 / (n - np.arange(n)), 1.0))

    def g(t: float) -> float:  # right-continuous G(t)
        return float(np.r_[1.0, g_after][np.searchsorted(ts, t, side="right")])

    censorings = ts[cs == 0]
    rows = []
    for i in range(n):
        rows.append((i, 0.0, time[i], status[i] == 1, 1.0, x[i]))
        if status[i] == 2:
            cuts = [time[i], *censorings[censorings > time[i]], ts[-1] + 1]
            g_before = g(time[i] - 1e-9)
            for a, b in zip(cuts[:-1], cuts[1:], strict=True):
                rows.append((i, a, b, False, g(a) / g_before, x[i]))
    long = pd.DataFrame(rows, columns=["id", "start", "stop", "event", "w", "x"])
    cox = CoxTimeVaryingFitter().fit(
        long,
        id_col="id",
        event_col="event",
        start_col="start",
        stop_col="stop",
        weights_col="w",
        fit_options={"precision": 1e-12},
    )
    expected = cox.params_["x"]
    assert abs(expected) > 0.2
    # crr stops at max |score| < 1e-6 |log L|: close, not equal...
    assert fit.table.coef.iloc[0] == pytest.approx(expected, abs=1e-4)
    # ...and two more Newton steps on our pseudo-likelihood land on lifelines' estimate.
    module = importlib.import_module("hiring_funnel.regression._fine_gray_core")
    data = module.FineGrayData.build(ts, cs, x[order][:, None])
    beta = fit.table.coef.to_numpy()
    for _ in range(2):
        info, score = module.information(data, beta)
        beta = beta + np.linalg.solve(info, score)
    assert beta[0] == pytest.approx(expected, abs=1e-7)


def _tiny() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "entry": 0.0,
            "duration": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "cause": pd.Categorical(
                ["offer", "rejection", "offer", None, "offer", "rejection", None, "offer",
                 "rejection", None],
                categories=["offer", "rejection", "ghosted"],
            ),
            "referral": [1, 0, 1, 0, 0, 1, 1, 0, 0, 1],
            "same": 3.0,
            "channel": ["a", "a", "b", "b", "a", "b", "a", "b", "a", "c"],
        }
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "cause", "covariates", "match"),
    [
        ({}, "offer", ["same"], "column 'same': constant covariate"),
        ({"same": "x"}, "offer", ["same"], "column 'same': constant covariate"),
        ({}, "ghosted", ["referral"], "no events of cause 'ghosted'"),
        ({}, "hired", ["referral"], "cause 'hired' is not one of"),
        ({}, "offer", ["salary"], "column 'salary': covariate not in the episodes"),
        ({}, "offer", [], "no covariates"),
        ({}, "offer", ["channel"], "column 'channel': separation: no event of cause 'offer' at level 'c'"),
        (
            {"channel": ["b", "a", "b", "a", "b", "a", "a", "b", "a", "c"]},
            "offer",
            ["channel"],
            "column 'channel': separation: no event of cause 'offer' at the reference level 'a'",
        ),
        ({"entry": 0.5}, "offer", ["referral"], "column 'entry': .*left truncation"),
    ],
)  # fmt: skip
def test_errors_name_the_covariate(
    change: dict[str, Any], cause: str, covariates: list[str], match: str
) -> None:
    with pytest.raises(HiringFunnelError, match=match):
        fine_gray(_tiny().assign(**change), cause=cause, covariates=covariates)


def test_missing_covariate_value_is_an_error() -> None:
    ep = _tiny()
    ep.loc[4, "referral"] = np.nan
    with pytest.raises(HiringFunnelError, match="column 'referral': 1 missing value"):
        fine_gray(ep, cause="offer", covariates="referral")


def test_separation_on_a_numeric_covariate() -> None:
    # At every offer the one who gets it has the highest score in the risk
    # set: the pseudo-likelihood grows without bound in the coefficient.
    ep = _tiny()
    ep["score"] = np.where(ep.cause == "offer", 100.0, 0.0) - ep.duration
    with pytest.raises(HiringFunnelError, match="column 'score': .*(separation|converge)"):
        fine_gray(ep, cause="offer", covariates=["score"])


def _main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/test_fine_gray.py CSV_DIRECTORY", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    cgvhd_covariates().to_csv(out / "cgvhd_covariates.csv", index=False, float_format="%.17g")
    print(f"{out / 'cgvhd_covariates.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))


def test_duplicated_column_few_events_and_the_note() -> None:
    # Issue 6, item 7: a duplicated column is named, and so is a thin model.
    ep = _tiny().assign(referred=lambda d: 1 - d["referral"])
    with pytest.raises(HiringFunnelError, match="column 'referred': 'referred' is determined by"):
        fine_gray(ep, cause="offer", covariates=["referral", "referred"])
    fit = fine_gray(_tiny(), cause="offer", covariates="referral")
    assert fit.meta["notes"] == [
        "only 4.0 events of 'offer' per parameter (fewer than 10): "
        "estimates may be biased and intervals too narrow"
    ]
    assert "only 4.0 events" in fit._repr_html_()
    rng = np.random.default_rng(0)
    wide = _tiny().assign(**{f"v{i}": rng.normal(size=10) for i in range(5)})
    with pytest.raises(HiringFunnelError, match="4 events of 'offer' for 5 parameters"):
        fine_gray(wide, cause="offer", covariates=[f"v{i}" for i in range(5)])
