"""Intervals summed per candidate in kaplan_meier, cumulative_incidence and still_hope, pinned to R.

Source of the expected values: tests/reference/influence_reference.json, made
by R 4.2.2 with survival 3.5-3 by tests/reference/make_influence_reference.R
(its header gives the command): ``std_err_candidate`` is the influence of
``survfit(Surv(duration, status) ~ 1, id = row, influence = TRUE)`` summed per
candidate with ``rowsum``; ``km_std_err_candidate`` is R's own
``survfit(Surv(duration, status != "censor") ~ 1, cluster = candidate,
robust = TRUE)``; ``silence[...]["ps_se"]`` the clustered standard error of
still hope (F(tau) - F(s)) / S(s).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference.influence_data import CAUSES, episodes, r

import hiring_funnel as hf
from hiring_funnel.day_boundary import SHARE_COLUMN
from hiring_funnel.estimators import by_candidate
from hiring_funnel.estimators.cluster_paths import cluster_products, row_weights
from hiring_funnel.lifetable import life_table
from hiring_funnel.schema import HiringFunnelError

TOL = 1e-8


def _step(table: pd.DataFrame, times: list[float]) -> np.ndarray:
    """A curve's standard error at each time: the value of the last row on or before it."""
    t = table["time"].to_numpy()
    return table["std_error"].to_numpy()[np.searchsorted(t, times, side="right") - 1]


@pytest.mark.parametrize("name", ["toy", "sample"])
def test_kaplan_meier_default_interval_is_rs_robust_one(name: str) -> None:
    ref = r(name)
    res = hf.kaplan_meier(episodes(name))
    assert res.meta["cluster"] == "candidate_id"
    assert "summed per candidate" in res.meta["variance"]
    times = [t for t in ref["times"] if t >= res.table["time"].iloc[0]]
    got = _step(res.table, times)
    want = np.asarray(ref["km_std_err_candidate"])[-len(times) :]
    np.testing.assert_allclose(got, want, rtol=TOL)
    # Greenwood (cluster=None) differs where candidates hold several episodes.
    plain = _step(hf.kaplan_meier(episodes(name), cluster=None).table, times)
    assert np.abs(plain - want).max() > 1e-4


@pytest.mark.parametrize("name", ["toy", "sample"])
def test_cumulative_incidence_default_interval_is_rs_influence_by_candidate(name: str) -> None:
    ref = r(name)
    table = hf.cumulative_incidence(episodes(name)).table
    want = np.asarray(ref["std_err_candidate"])
    for k, cause in enumerate(CAUSES, start=1):
        curve = table[table["cause"] == cause]
        inside = np.asarray(ref["times"]) >= curve["time"].iloc[0]
        got = _step(curve, list(np.asarray(ref["times"])[inside]))
        np.testing.assert_allclose(got, want[inside, k], rtol=TOL, atol=1e-15)


@pytest.mark.parametrize("name", ["toy", "sample"])
def test_still_hope_default_interval_is_rs_by_candidate(name: str) -> None:
    for ref in r(name)["silence"]:
        res = hf.still_hope(
            episodes(name), cause=ref["cause"], waited=[ref["waited"]], horizon=ref["horizon"]
        )
        row = res.table.iloc[0]
        assert row["estimate"] == pytest.approx(ref["ps"], rel=1e-12)
        assert row["std_error"] == pytest.approx(ref["ps_se"], rel=TOL)


def test_one_application_per_candidate_keeps_greenwood_and_cmprsk() -> None:
    ep = episodes("sample").drop_duplicates("candidate_id").reset_index(drop=True)
    for fit in (hf.kaplan_meier, hf.cumulative_incidence):
        auto, plain = fit(ep), fit(ep, cluster=None)
        assert auto.meta["cluster"] is None
        pd.testing.assert_frame_equal(auto.table, plain.table)
    # A life table carries no candidates: always the independent variance.
    assert hf.kaplan_meier(life_table(episodes("sample"))).meta["cluster"] is None


def test_groups_are_clustered_within_themselves() -> None:
    ep = episodes("sample")
    ep["half"] = np.where(ep["candidate_id"] < ep["candidate_id"].iloc[len(ep) // 2], "a", "b")
    by = hf.cumulative_incidence(ep, by="half").table
    for half in ("a", "b"):
        alone = hf.cumulative_incidence(ep[ep["half"] == half].reset_index(drop=True)).table
        mine = by[by["group"] == half].reset_index(drop=True)
        np.testing.assert_allclose(mine["std_error"], alone["std_error"], rtol=1e-12)


def test_row_order_does_not_matter() -> None:
    ep = episodes("sample")
    shuffled = ep.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a = hf.still_hope(ep, cause="offer", waited=[0, 3, 7], horizon=60).table
    b = hf.still_hope(shuffled, cause="offer", waited=[0, 3, 7], horizon=60).table
    np.testing.assert_allclose(a["std_error"], b["std_error"], rtol=1e-12)


@pytest.mark.parametrize(
    ("weights", "m", "spread"),
    [([1.0, -1.0], 2, 1), ([1.0, -1.0, 0.25, -0.75], 2, 1), ([1.0, -1.0], 5, 1), ([1.0], 3, 40009)],
)
def test_cluster_products_equal_a_direct_sum(weights: list[float], m: int, spread: int) -> None:
    # The compiled walk against the definition: X_c(J) = start_c + the changes
    # of cluster c's rows ended by day J, summed as X X^T over clusters.
    # Clusters 40009 apart fall in different blocks of the walk (2**18 clusters each).
    rng = np.random.default_rng(0)
    day, kind, cluster = rng.integers(0, 6, 50), rng.integers(0, 3, 50), rng.integers(0, 9, 50)
    table, start = rng.normal(size=(m, 6, 3)), rng.normal(size=(m, 9))
    sign = rng.choice(weights, 50)  # late entry's rows of weight -1; any weight
    change = table[:, day, kind] * sign
    fixed, fixed_at = rng.normal(size=m), 3  # up to four sums and more: two paths
    pairs = [(a, b) for a in range(m + 1) for b in range(a, m + 1)]
    wide = np.zeros((m, 9 * spread))
    wide[:, ::spread] = start
    got = cluster_products(
        day, kind, cluster * spread, 9 * spread, table, wide, pairs, fixed, fixed_at, sign
    )
    x_fixed = start.copy()
    for c in range(9):
        x_fixed[:, c] += change[:, (cluster == c) & (day < fixed_at)].sum(axis=1)
    for j in range(-1, 6):
        x = start.copy()
        for c in range(9):
            x[:, c] += change[:, (cluster == c) & (day <= j)].sum(axis=1)
        x = np.vstack([x, fixed @ x_fixed])
        want = x @ x.T
        for p, (a, b) in enumerate(pairs):
            np.testing.assert_allclose(got[p, j + 1], want[a, b], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_split", [0, 30, 50])
def test_rows_at_the_day_before_made_in_the_sort_equal_rows_given(n_split: int) -> None:
    # The day boundary's second rows (weight 1 - w on day C - 1, kind 0),
    # walked from ``before`` as one row taken twice, against the same rows
    # given after the first n_split rows (the sums in another order: to 1e-12).
    rng = np.random.default_rng(1)
    day, kind, cluster = rng.integers(1, 6, 50), rng.integers(0, 3, 50), rng.integers(0, 9, 50)
    table, start = rng.normal(size=(3, 6, 3)), rng.normal(size=(3, 9))
    sign = np.where(rng.random(50) < 0.5, rng.random(50), 1.0)
    sign[n_split:] = rng.choice([1.0, -1.0], 50 - n_split)  # late entry's rows after them
    before = np.where(sign[:n_split] < 1.0, day[:n_split] - 1, -1)
    pairs = [(a, b) for a in range(3) for b in range(a, 3)]
    got = cluster_products(day, kind, cluster, 9, table, start, pairs, sign=sign, before=before)
    two = np.flatnonzero(before >= 0)
    rows = [
        np.r_[day[:n_split], before[two], day[n_split:]],
        np.r_[kind[:n_split], np.zeros(two.size, dtype=kind.dtype), kind[n_split:]],
        np.r_[sign[:n_split], 1.0 - sign[two], sign[n_split:]],
        np.r_[cluster[:n_split], cluster[two], cluster[n_split:]],
    ]
    want = cluster_products(rows[0], rows[1], rows[3], 9, table, start, pairs, sign=rows[2])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


def test_the_fixed_sum_counts_the_rows_made_at_the_day_before() -> None:
    # still_hope's fixed sum (fixed . X_c before day fixed_at) counts the second
    # rows the sort makes (weight 1 - w on C - 1): the same products as with
    # those rows given, and as the direct sum's.
    rng = np.random.default_rng(5)
    day, kind, cluster = rng.integers(1, 6, 60), rng.integers(0, 3, 60), rng.integers(0, 7, 60)
    table, start = rng.normal(size=(3, 6, 3)), rng.normal(size=(3, 7))
    sign = np.where(kind == 0, rng.random(60), 1.0)
    before = np.where(sign < 1.0, day - 1, -1)
    fixed, pairs = rng.normal(size=3), [(a, b) for a in range(4) for b in range(a, 4)]
    two = np.flatnonzero(before >= 0)
    given = (
        np.r_[day, before[two]], np.r_[kind, np.zeros(two.size, dtype=kind.dtype)],
        np.r_[cluster, cluster[two]], np.r_[sign, 1.0 - sign[two]],
    )  # fmt: skip
    for fixed_at in (0, 3, 6):
        got = cluster_products(
            day, kind, cluster, 7, table, start, pairs, fixed, fixed_at, sign, before
        )
        want = cluster_products(
            given[0], given[1], given[2], 7, table, start, pairs, fixed, fixed_at, given[3]
        )
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        early = given[0] < fixed_at
        change = table[:, given[0], given[1]] * given[3]
        x = start + np.stack([np.bincount(given[2][early], c[early], 7) for c in change])
        t = fixed @ x  # each cluster's fixed sum, on every day
        np.testing.assert_allclose(got[pairs.index((3, 3))], np.sum(t**2), rtol=1e-12)


def test_the_sort_adds_up_each_clusters_rows_as_bincount() -> None:
    # beta before the first day is each cluster's weight over its rows (a
    # split row: w + 1 - w = 1; late entry's rows negative), added up by the
    # sort: equal to bincount's sums to the last bit.
    rng = np.random.default_rng(3)
    day, kind, cluster = rng.integers(1, 6, 80), rng.integers(0, 3, 80), rng.integers(0, 11, 80)
    sign = np.where(kind == 0, rng.random(80), 1.0)
    sign[60:] = -rng.random(20)  # late entry's rows, after the episodes'
    before = np.where(sign[:60] < 1.0, day[:60] - 1, -1)
    got = row_weights(day, kind, cluster, 6, 3, sign, before)
    whole = np.r_[np.where(before >= 0, 1.0, sign[:60]), sign[60:]]
    assert np.array_equal(got, np.bincount(cluster, whole, 11))


def test_rows_whose_day_before_is_not_the_last_day_are_made_in_the_sort() -> None:
    # Durations off whole days: another time may lie between C - 1 and C, so
    # the second rows are made and sorted as rows of their own (not walked
    # twice): the same products as with those rows given.
    rng = np.random.default_rng(4)
    day, kind, cluster = rng.integers(2, 6, 40), rng.integers(0, 3, 40), rng.integers(0, 6, 40)
    table, start = rng.normal(size=(3, 6, 3)), rng.normal(size=(3, 6))
    sign = np.where(kind == 0, rng.random(40), 1.0)
    before = np.where(sign < 1.0, day - 2, -1)
    pairs = [(a, b) for a in range(3) for b in range(a, 3)]
    got = cluster_products(day, kind, cluster, 6, table, start, pairs, sign=sign, before=before)
    two = np.flatnonzero(before >= 0)
    want = cluster_products(
        np.r_[day, before[two]], np.r_[kind, np.zeros(two.size, dtype=kind.dtype)],
        np.r_[cluster, cluster[two]], 6, table, start, pairs, sign=np.r_[sign, 1.0 - sign[two]],
    )  # fmt: skip
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


def test_quarter_days_with_last_day_shares_by_candidate_equal_the_influences() -> None:
    # A hand-built frame in quarter days with last-day shares: the standard
    # errors by candidate equal influence_functions' (each episode's influence
    # summed per candidate).
    rng = np.random.default_rng(2)
    ep = _frame("hours", n=400)
    ep["duration"] = np.floor(ep["duration"] * 4) / 4
    ep[SHARE_COLUMN] = np.where(ep["cause"].isna(), rng.uniform(size=len(ep)), 1.0)
    km = hf.kaplan_meier(ep, cluster="candidate_id").table.set_index("time")["std_error"]
    days = km.index.to_numpy()[[0, 10, 50, 100]]
    assert (days % 1 != 0).any()  # times between whole days
    want = hf.influence_functions(ep, days).std_error()
    cif = hf.cumulative_incidence(ep, cluster="candidate_id").table
    cif = cif[cif["cause"] == "offer"].set_index("time")["std_error"]
    np.testing.assert_allclose(km.loc[days], want[:, 0], rtol=1e-10)
    np.testing.assert_allclose(cif.loc[days], want[:, 1], rtol=1e-10)


def test_cluster_products_of_rows_changed_in_place_are_new() -> None:
    # The order of the rows is kept for the next call on equal rows; rows
    # changed in place since must not reuse it.
    day, kind, cluster = np.array([0, 1, 1]), np.zeros(3, dtype=np.int64), np.array([0, 0, 1])
    table = np.array([[[1.0], [2.0]]])
    first = cluster_products(day, kind, cluster, 2, table, np.zeros((1, 2)), [(0, 0)])
    cluster[2] = 0  # all three rows now one cluster's: day 1 gives (1 + 2 + 2)^2
    again = cluster_products(day, kind, cluster, 2, table, np.zeros((1, 2)), [(0, 0)])
    assert first[0].tolist() == [0.0, 1.0, 13.0]
    assert again[0].tolist() == [0.0, 1.0, 25.0]


def test_a_frame_changed_in_place_gets_new_intervals() -> None:
    # The grid and rows of a frame are kept for the next estimator on it, but
    # only for a frame equal element for element: each result below must equal
    # the one from a fresh copy, with nothing kept.
    ep = episodes("sample")
    before = hf.still_hope(ep, cause="offer", waited=[0, 3], horizon=60).table
    changes = ("duration", "entry", "cause", "candidate_id", "shares", "other shares")
    for change in changes:  # shares: hiring_funnel.day_boundary's weights of the last day
        if change == "shares":
            ep[SHARE_COLUMN] = np.where(ep["cause"].isna(), 0.25 + 0.5 * (ep.index % 2), 1.0)
        elif change == "other shares":
            open_ones = ep.index[ep["cause"].isna()][:10]
            ep.loc[open_ones, SHARE_COLUMN] = 0.9
        elif change == "duration":
            ep.loc[ep.index[:5], "duration"] += 1.0
        elif change == "entry":
            ep.loc[ep.index[:5], "entry"] = np.minimum(1.0, ep["duration"].iloc[:5])
        elif change == "cause":
            ep.loc[ep.index[5:10], "cause"] = CAUSES[0]
        else:
            ep.loc[ep.index[:20], "candidate_id"] = ep["candidate_id"].iloc[0]
        got = {f.__name__: f(ep).table for f in (hf.kaplan_meier, hf.cumulative_incidence)} | {
            "still_hope": hf.still_hope(ep, cause="offer", waited=[0, 3], horizon=60).table
        }
        by_candidate.forget_kept()
        fresh = {
            f.__name__: f(ep.copy()).table for f in (hf.kaplan_meier, hf.cumulative_incidence)
        } | {"still_hope": hf.still_hope(ep.copy(), cause="offer", waited=[0, 3], horizon=60).table}
        for name, table in got.items():
            pd.testing.assert_frame_equal(table, fresh[name], check_exact=True, obj=name)
    assert not np.allclose(got["still_hope"]["std_error"], before["std_error"])


def _frame(shape: str, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    causes = (
        ["offer", "rejection", "ghosted"] if shape == "three causes" else ["offer", "rejection"]
    )
    drawn = rng.choice(np.array([*causes, ""], dtype=object), n)
    days = rng.integers(0, 60, n).astype(float) * (2 if shape == "days with gaps" else 1)
    ep = pd.DataFrame(
        {
            "candidate_id": pd.array(rng.integers(0, n // 4, n).astype(str), dtype="string"),
            "entry": 0.0,
            "duration": days + rng.integers(0, 24, n) / 24 if shape == "hours" else days,
            "cause": pd.Categorical(np.where(drawn == "", None, drawn), categories=causes),
        }
    )
    if shape == "last-day shares":  # hiring_funnel.day_boundary: some exactly 0 and 1
        share = rng.choice([0.0, 0.3, 0.75, 1.0, rng.uniform()], n)
        ep[SHARE_COLUMN] = np.where(ep["cause"].isna(), share, 1.0)
    return ep


@pytest.mark.parametrize(
    "shape", ["whole days", "days with gaps", "last-day shares", "hours", "three causes"]
)
def test_counts_read_off_the_grid_equal_the_life_tables(shape: str) -> None:
    # By candidate, one group: the estimator reads its counts off the day grid
    # (prepare_clustered), not a life table; estimates, risk sets and sizes
    # must equal the independent call's (from life_table) to the last bit.
    ep = _frame(shape)
    fits = {
        "kaplan_meier": hf.kaplan_meier,
        "cumulative_incidence": hf.cumulative_incidence,
        "still_hope": lambda e, **kw: hf.still_hope(e, cause="offer", waited=[0, 3, 7], **kw),
    }
    for name, fit in fits.items():
        by_candidate.forget_kept()
        ours, plain = fit(ep), fit(ep, cluster=None)
        assert ours.meta["cluster"] == "candidate_id", name
        same = [c for c in plain.table.columns if c not in ("std_error", "ci_lower", "ci_upper")]
        pd.testing.assert_frame_equal(ours.table[same], plain.table[same], check_exact=True)
        assert (ours.meta["n"], ours.meta["events"]) == (plain.meta["n"], plain.meta["events"])


def test_bad_cluster_arguments_are_errors() -> None:
    ep = episodes("toy")
    with pytest.raises(HiringFunnelError, match="'team' is not in the episodes"):
        hf.kaplan_meier(ep, cluster="team")
    with pytest.raises(HiringFunnelError, match="needs episodes, not a life table"):
        hf.kaplan_meier(life_table(ep), cluster="candidate_id")
    with pytest.raises(HiringFunnelError, match="cannot be combined with case weights"):
        hf.kaplan_meier(ep.assign(w=1.0), weights="w", cluster="candidate_id")
    assert hf.kaplan_meier(ep.assign(w=1.0), weights="w").meta["cluster"] is None


def test_one_persons_log_keeps_the_independent_variance_with_a_note() -> None:
    # Summed over a single candidate every influence cancels (variance 0, a
    # zero-width interval): a job seeker's own tracker keeps Greenwood / cmprsk.
    ep = episodes("toy").assign(candidate_id="me")
    for fit in (hf.kaplan_meier, hf.cumulative_incidence):
        auto, plain = fit(ep), fit(ep, cluster=None)
        assert auto.meta["cluster"] is None
        np.testing.assert_array_equal(auto.table["std_error"], plain.table["std_error"])
        assert any("one candidate's" in str(n) for n in auto.meta["notes"])
        assert (plain.table["std_error"].dropna() > 0).any()
    forced = hf.kaplan_meier(ep, cluster="candidate_id").table["std_error"].dropna()
    assert np.abs(forced).max() < 1e-6  # what the fallback avoids
