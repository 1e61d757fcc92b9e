"""The candidate-cluster bootstrap: counts, determinism, and that it resamples candidates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hiring_funnel.estimators import bootstrap, cumulative_incidence, kaplan_meier, still_hope
from hiring_funnel.estimators.bootstrap import MIN_USABLE_RESAMPLES, _replicate_counts
from hiring_funnel.lifetable import life_table
from hiring_funnel.schema import HiringFunnelError


def episodes(n: int, seed: int, per_candidate: int = 3, late_entry: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    duration = rng.integers(0, 40, n).astype(float)
    entry = (
        np.where(rng.random(n) < 0.2, np.floor(duration * rng.random(n)), 0.0)
        if late_entry
        else 0.0
    )
    return pd.DataFrame(
        {
            "application_id": [f"a{i}" for i in range(n)],
            "candidate_id": [f"c{i // per_candidate}" for i in rng.permutation(n)],
            "entry": entry,
            "duration": duration,
            "cause": pd.Categorical.from_codes(
                rng.choice([-1, 0, 1], n, p=[0.3, 0.3, 0.4]), ["offer", "rejection"]
            ),
            "size": rng.choice(["small", "large"], n),
        }
    )


@pytest.mark.parametrize("late_entry", [False, True])
def test_replicate_counts_equal_weighted_life_tables(late_entry: bool) -> None:
    # The sparse product must give, for each replicate, exactly the life table
    # of the episodes weighted by how often their candidate was drawn (a
    # second route: life_table's own weighted counting).
    ep = episodes(500, seed=1, late_entry=late_entry)
    table0 = life_table(ep, by="size")
    counts, at_risk = _replicate_counts(
        ep, table0, ["size"], "candidate_id", 4, np.random.default_rng(9)
    )
    codes, uniques = pd.factorize(ep["candidate_id"], use_na_sentinel=False)
    draws = np.random.default_rng(9).integers(0, len(uniques), size=(4, len(uniques)))
    for b in range(4):
        weighted = ep.assign(w=np.bincount(draws[b], minlength=len(uniques))[codes].astype(float))
        expected = life_table(weighted, by="size", weights="w").set_index(["size", "time"])
        got = (
            table0[["size", "time"]]
            .assign(
                at_risk=at_risk[b],
                events_offer=counts[b, :, 0],
                events_rejection=counts[b, :, 1],
                censored=counts[b, :, 2],
            )
            .set_index(["size", "time"])
        )
        expected = expected.reindex(got.index).fillna(0.0)
        for col in ("at_risk", "events_offer", "events_rejection", "censored"):
            np.testing.assert_allclose(got[col], expected[col], atol=1e-9, err_msg=col)


def test_same_seed_same_intervals_other_seed_other_intervals() -> None:
    ep = episodes(400, seed=2)
    a = bootstrap(cumulative_incidence, ep, seed=5, n_resamples=30).table
    b = bootstrap(cumulative_incidence, ep, seed=5, n_resamples=30).table
    c = bootstrap(cumulative_incidence, ep, seed=6, n_resamples=30).table
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["ci_lower"], c["ci_lower"])
    pd.testing.assert_series_equal(a["estimate"], cumulative_incidence(ep).table["estimate"])


def test_resamples_candidates_not_rows() -> None:
    # Every candidate's application repeated 4 times with the same outcome adds
    # no information: the row-level Greenwood error halves (sqrt(4)), but a
    # bootstrap over candidates must give about the error of the distinct rows,
    # and so must the default interval, summed per candidate.
    single = episodes(600, seed=3, per_candidate=1)
    repeated = pd.concat([single] * 4, ignore_index=True)
    greenwood_single = kaplan_meier(single).table.set_index("time")["std_error"]
    greenwood_repeated = kaplan_meier(repeated, cluster=None).table.set_index("time")["std_error"]
    by_candidate = kaplan_meier(repeated).table.set_index("time")["std_error"]
    boot = bootstrap(kaplan_meier, repeated, seed=11, n_resamples=300).table.set_index("time")[
        "std_error"
    ]
    middle = greenwood_single.index[(greenwood_single.index > 5) & (greenwood_single.index < 30)]
    ratio_boot = (boot[middle] / greenwood_single[middle]).median()
    ratio_rows = (greenwood_repeated[middle] / greenwood_single[middle]).median()
    assert ratio_rows == pytest.approx(0.5, abs=0.01)
    assert 0.85 < ratio_boot < 1.15
    assert (by_candidate[middle] / greenwood_single[middle]).median() == pytest.approx(1, abs=0.02)


def test_still_hope_and_groups_pass_through() -> None:
    ep = episodes(800, seed=4)
    res = bootstrap(still_hope, ep, seed=1, n_resamples=40, by="size", cause="offer", horizon=30)
    assert set(res.table["group"]) == {"small", "large"}
    assert res.meta["interval"] == "bootstrap percentile"
    assert "candidate_id values resampled" in res.meta["variance"]
    ok = res.table.dropna(subset=["ci_lower"])
    assert (ok["ci_lower"] <= ok["ci_upper"]).all()


def test_bad_arguments() -> None:
    ep = episodes(50, seed=5)
    with pytest.raises(HiringFunnelError, match="no cluster column 'person'"):
        bootstrap(kaplan_meier, ep, seed=1, cluster="person")
    with pytest.raises(HiringFunnelError, match="n_resamples must be at least 2"):
        bootstrap(kaplan_meier, ep, seed=1, n_resamples=1)


def test_one_candidate_cannot_be_resampled_and_few_are_flagged() -> None:
    ep = episodes(60, seed=6)
    with pytest.raises(HiringFunnelError, match="resampling needs at least 2"):
        bootstrap(kaplan_meier, ep.assign(candidate_id="me"), seed=1)
    few = bootstrap(
        kaplan_meier,
        ep.assign(candidate_id=[f"c{i % 5}" for i in range(60)]),
        seed=1,
        n_resamples=20,
    )
    assert any("only 5 candidate_id values" in note for note in few.meta["notes"])


def test_a_curve_missing_from_a_replicate_counts_as_zero_not_as_missing() -> None:
    # One offer in a group of 10 candidates: many replicates draw no offer for
    # that group. Those replicates have incidence 0, which must pull the lower
    # limit to 0 instead of being dropped (which would bias the interval up).
    ep = episodes(300, seed=7, per_candidate=1)
    tiny = ep.index[:10]
    ep.loc[tiny, "size"] = "tiny"
    ep.loc[tiny, "cause"] = pd.Categorical(
        ["offer"] + ["rejection"] * 9, categories=["offer", "rejection"]
    )
    res = bootstrap(cumulative_incidence, ep, seed=3, n_resamples=100, by="size")
    rows = res.table[(res.table["group"] == "tiny") & (res.table["cause"] == "offer")]
    used = res.meta["replicates_used"][rows.index]
    assert (used == 100).all()
    assert (rows["ci_lower"] == 0).all()


def test_too_few_usable_replicates_give_no_interval() -> None:
    # Issue 10: "46.7% (63.9-63.9)" was printed as a 95% interval from one usable
    # resample. Below MIN_USABLE_RESAMPLES replicates a row gets no interval and a note.
    ep = episodes(200, seed=8)
    few = bootstrap(kaplan_meier, ep, seed=1, n_resamples=MIN_USABLE_RESAMPLES - 1)
    assert few.table["ci_lower"].isna().all() and few.table["ci_upper"].isna().all()
    assert few.table["std_error"].isna().all()
    assert any("fewer than" in n and "replicates" in n for n in few.meta["notes"])
    # The same data with enough replicates: intervals wherever the estimate varies.
    enough = bootstrap(kaplan_meier, ep, seed=1, n_resamples=MIN_USABLE_RESAMPLES + 10)
    assert enough.table["ci_lower"].notna().any()
    assert not any("no interval" in n for n in enough.meta.get("notes", []))
