"""The day boundary: a censored episode's share of its last day at risk (issue 15, item 3).

The rule is in :mod:`hiring_funnel.day_boundary`. The numbers on the sample are
pinned to R's survival 3.5-3 (R 4.2) in tests/reference/day_boundary_reference.json,
made by tests/reference/make_day_boundary_reference.R on the committed
tests/reference/day_boundary_rows.csv (the sample's first_response episodes as
weighted rows: censored at C with weight w, at C - 1 with weight 1 - w)::

    python tests/reference/make_day_boundary_data.py tests/reference/day_boundary_rows.csv
    Rscript tests/reference/make_day_boundary_reference.R \\
        tests/reference/day_boundary_rows.csv tests/reference/day_boundary_reference.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.day_boundary import SHARE_COLUMN
from hiring_funnel.schema import HiringFunnelError

REFERENCE = Path(__file__).parent / "reference"
R: dict[str, Any] = json.loads((REFERENCE / "day_boundary_reference.json").read_text())
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
TOL = 1e-8  # standard errors
EST = 1e-10  # estimates


def _hand_log() -> pd.DataFrame:
    """A log with known times of day; the as-of is 2024-03-10 12:00 unless a test says otherwise.

    x1, x2, x3 sent 03-01 10:00: rejection 03-06 08:00 and screen 03-06 16:00
    (day 5), offer 03-08 (day 7). o1, o2 sent 03-05 09:00, still open: censored
    on day 5 at 12:00. w1 sent 03-02 10:00, withdrawn 03-03 06:00 (day 1, no
    answers on day 1). z1 sent 03-10 07:00, open: censored on day 0 at 12:00.
    y1, y2, y3 answered on day 0 at 11:00 (sent 06:00), 20:00 (sent 13:00) and
    05:00 (sent 00:30).
    """
    rows = [
        ("x1", "applied", "2024-03-01 10:00"), ("x1", "rejection", "2024-03-06 08:00"),
        ("x2", "applied", "2024-03-01 10:00"), ("x2", "screen", "2024-03-06 16:00"),
        ("x3", "applied", "2024-03-01 10:00"), ("x3", "offer", "2024-03-08 09:00"),
        ("o1", "applied", "2024-03-05 09:00"), ("o2", "applied", "2024-03-05 09:00"),
        ("w1", "applied", "2024-03-02 10:00"), ("w1", "withdrawn", "2024-03-03 06:00"),
        ("z1", "applied", "2024-03-10 07:00"),
        ("y1", "applied", "2024-03-03 06:00"), ("y1", "rejection", "2024-03-03 11:00"),
        ("y2", "applied", "2024-03-04 13:00"), ("y2", "screen", "2024-03-04 20:00"),
        ("y3", "applied", "2024-03-02 00:30"), ("y3", "rejection", "2024-03-02 05:00"),
    ]  # fmt: skip
    return hf.read_events(
        pd.DataFrame(rows, columns=["application_id", "event", "timestamp"])
    ).events


AS_OF = "2024-03-10 12:00"


def _shares(ep: pd.DataFrame) -> dict[str, float]:
    return dict(zip(ep["application_id"], ep[SHARE_COLUMN], strict=True))


def test_shares_by_hand() -> None:
    ep = hf.episodes(_hand_log(), "first_response", as_of=AS_OF)
    w = _shares(ep)
    # Day 5: answers at 08:00 and 16:00, so g = 1/2 for a censoring at 12:00;
    # at risk on day 5: x1, x2, x3, o1, o2 (n = 5), answered d = 2: h = 0.4;
    # w = g (1 - h) / (1 - h g) = 0.5 * 0.6 / 0.8.
    assert w["o1"] == w["o2"] == pytest.approx(0.375, abs=1e-15)
    # Day 0: of the answers after z1's origin time 07:00 (11:00, 20:00; not
    # 05:00), one came by 12:00: g = 1/2; n = 10, d = 3: h = 0.3.
    assert w["z1"] == pytest.approx(0.5 * 0.7 / (1 - 0.15), abs=1e-15)
    # Day 1 has no answers to compare with: g = 1.
    assert w["w1"] == 1.0
    # Answers keep 1.
    assert all(w[a] == 1.0 for a in ("x1", "x2", "x3", "y1", "y2", "y3"))
    t = hf.life_table(ep).set_index("time")
    # o1, o2: 0.375 each censored on day 5 and 0.625 each on day 4.
    assert t.loc[5.0, "censored"] == pytest.approx(0.75)
    assert t.loc[4.0, "censored"] == pytest.approx(1.25)
    assert t.loc[5.0, "at_risk"] == pytest.approx(5 - 2 * 0.625)
    assert t.loc[4.0, "at_risk"] == pytest.approx(5.0)
    # z1 (day 0): no row on day -1; it is not at risk for its share 1 - w.
    assert t.loc[0.0, "at_risk"] == pytest.approx(10 - (1 - w["z1"]))
    assert t.loc[0.0, "censored"] == pytest.approx(w["z1"])
    km = hf.kaplan_meier(ep, cluster=None).table.set_index("time")["estimate"]
    s0 = 1 - 3 / t.loc[0.0, "at_risk"]
    # No answers on days 1 to 4 (w1 is censored on day 1); 2 of 3.75 on day 5.
    assert km.loc[5.0] == pytest.approx(s0 * (1 - 2 / 3.75), abs=1e-15)


def test_ties_count_the_answer_before_the_censoring() -> None:
    # A censoring at 08:00 sharp on day 5: the 08:00 answer counts as before it.
    ep = hf.episodes(_hand_log(), "first_response", as_of="2024-03-10 08:00")
    assert _shares(ep)["o1"] == pytest.approx(0.5 * 0.6 / 0.8)


def test_as_of_at_midnight_with_timestamped_answers_gives_shares_near_zero() -> None:
    ep = hf.episodes(_hand_log(), "first_response", as_of="2024-03-10")
    w = _shares(ep)
    assert w["o1"] == w["o2"] == 0.0  # nothing of day 5 was observable: censored at day 4
    t = hf.life_table(ep).set_index("time")
    assert t.loc[4.0, "censored"] == 2.0
    assert 5.0 in t.index and t.loc[5.0, "at_risk"] == 3.0  # x1, x2, x3 only


def test_a_date_only_log_gives_the_end_of_day_numbers_exactly() -> None:
    log = hf.read_events(
        SAMPLE / "events.csv", mapping=SAMPLE / "mapping.toml", attributes=SAMPLE / "attributes.csv"
    )
    dates = log.events.assign(timestamp=log.events["timestamp"].dt.floor("D"))
    as_of = log.as_of.floor("D")
    ep = hf.episodes(dates, "first_response", as_of=as_of)
    assert (ep[SHARE_COLUMN] == 1.0).all()
    old = hf.episodes(dates, "first_response", as_of=as_of, day_boundary="end_of_day")
    pd.testing.assert_frame_equal(hf.life_table(ep), hf.life_table(old))
    for est in (hf.kaplan_meier, hf.cumulative_incidence):
        pd.testing.assert_frame_equal(est(ep).table, est(old).table)


def test_end_of_day_is_the_rule_before_and_business_days_have_no_shares() -> None:
    log = hf.read_events(
        SAMPLE / "events.csv", mapping=SAMPLE / "mapping.toml", attributes=SAMPLE / "attributes.csv"
    )
    new = hf.episodes(log, "decision")
    old = hf.episodes(log, "decision", day_boundary="end_of_day")
    assert SHARE_COLUMN not in old.columns and old.attrs["day_boundary"] == "end_of_day"
    pd.testing.assert_frame_equal(new.drop(columns=SHARE_COLUMN), old, check_like=False)
    # Without the column every estimator gives the old numbers: at risk all of day C.
    pd.testing.assert_frame_equal(
        hf.kaplan_meier(old).table, hf.kaplan_meier(new.drop(columns=SHARE_COLUMN)).table
    )
    assert (new[SHARE_COLUMN] < 1).any()
    assert not hf.kaplan_meier(new).table["estimate"].equals(hf.kaplan_meier(old).table["estimate"])
    busy = hf.episodes(log, "decision", unit="business_days")
    assert SHARE_COLUMN not in busy.columns and busy.attrs["day_boundary"] == "end_of_day"


def test_bad_options_and_shares_are_refused() -> None:
    with pytest.raises(HiringFunnelError, match="unknown day_boundary"):
        hf.episodes(_hand_log(), "first_response", day_boundary="noon")
    ep = hf.episodes(_hand_log(), "first_response", as_of=AS_OF)
    with pytest.raises(HiringFunnelError, match="outside"):
        hf.life_table(ep.assign(**{SHARE_COLUMN: 1.5}))


def test_shares_combine_with_case_weights_and_late_entry() -> None:
    ep = hf.episodes(_hand_log(), "first_response", as_of=AS_OF)
    doubled = hf.life_table(ep.assign(two=2.0), weights="two")
    pd.testing.assert_frame_equal(
        doubled.drop(columns=["time"]) / 2, hf.life_table(ep).drop(columns=["time"])
    )
    # o1 entering on day 5 (C - 1 < entry): no row on day 4, at risk 0.375 on day 5.
    late = ep.assign(entry=np.where(ep["application_id"] == "o1", 5.0, 0.0))
    t = hf.life_table(late).set_index("time")
    assert t.loc[4.0, "censored"] == pytest.approx(0.625)  # o2's only
    assert t.loc[5.0, "at_risk"] == pytest.approx(3 + 0.375 + 0.375)
    assert t.loc[4.0, "at_risk"] == pytest.approx(4.0)  # x1, x2, x3, o2
    # The influence-based grid counts the same risk sets.
    inf = hf.influence_functions(late, [4.0, 5.0, 7.0])
    km = hf.kaplan_meier(late, cluster=None).table.set_index("time")["estimate"]
    np.testing.assert_allclose(inf.estimate[:, 0], km.loc[[4.0, 5.0, 7.0]], rtol=0, atol=1e-14)


@pytest.mark.parametrize("weights", [None, "wt"])
def test_counting_without_the_rows_equals_counting_the_rows(weights: str | None) -> None:
    # One group, whole days, no late entry: life_table counts the split rows
    # without making them (a compiled pass); a group column sends the same
    # episodes through split_rows and the general counts, which must agree
    # to the last bit (shares of 0 and 1 included, 0 and 1 in a row of days).
    rng = np.random.default_rng(15)
    n = 3000
    share = rng.choice([0.0, 1.0, 0.5, 0.25], n) * np.where(rng.random(n) < 0.5, 1, rng.random(n))
    ep = pd.DataFrame(
        {
            "entry": 0.0,
            "duration": rng.integers(0, 30, n).astype(float),
            "cause": pd.Categorical(rng.choice(["offer", "rejection", None], n)),
            SHARE_COLUMN: share,
            "wt": rng.random(n),
        }
    )
    got = hf.life_table(ep, weights=weights)
    rows = hf.life_table(ep.assign(g=1), by="g", weights=weights).drop(columns="g")
    pd.testing.assert_frame_equal(got, rows, check_exact=True)
    assert got["at_risk"].dtype == np.float64 and (got["censored"] % 1 != 0).any()


@pytest.mark.parametrize("late", [False, True])
def test_the_day_grid_of_whole_days_equals_sorting_the_rows(late: bool) -> None:
    # last_day_grid counts the days with a row when durations are whole days;
    # here the grid made by sorting split_rows' rows (np.unique, searchsorted).
    from hiring_funnel.day_boundary import last_day_grid, split_rows

    rng = np.random.default_rng(16)
    n = 2000
    duration = rng.integers(0, 60, n).astype(float)
    duration[:3] = [70.0, 75.0, 0.0]  # day 70 has no row (next: 75), 69 has one
    entry = np.minimum(rng.integers(0, 5, n), duration) * late
    kind = rng.integers(0, 3, n)
    kind[:2] = [0, 1]  # episode 0 censored with share 0: its only row is at C - 1
    share = np.where(kind > 0, 1.0, rng.choice([0.0, 1.0, 0.3, 0.8], n))
    share[0] = 0.0
    time, end, before_last, counts = last_day_grid(entry, duration, kind, share, 3)
    rows = split_rows(entry, duration, kind - 1, share)
    want_time = np.unique(rows.duration)
    assert np.array_equal(time, want_time)
    want_end = np.minimum(np.searchsorted(want_time, duration), want_time.size - 1)
    assert np.array_equal(end, want_end)
    second = rows.source[int((share > 0).sum()) :]
    assert np.array_equal(np.flatnonzero(before_last >= 0), np.sort(second))
    assert np.array_equal(before_last[second], np.searchsorted(want_time, duration[second] - 1))
    slot = np.searchsorted(want_time, rows.duration) * 3 + rows.cause + 1
    want = np.bincount(slot, rows.weight, minlength=want_time.size * 3)
    np.testing.assert_allclose(counts, want, rtol=0, atol=1e-12)


# -- pinned to R on the sample -------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    sys.path.insert(0, str(REFERENCE))
    try:
        from make_day_boundary_data import episodes
    finally:
        sys.path.remove(str(REFERENCE))
    return episodes()


def test_committed_rows_are_what_the_sample_gives(sample: pd.DataFrame) -> None:
    sys.path.insert(0, str(REFERENCE))
    try:
        from make_day_boundary_data import make
    finally:
        sys.path.remove(str(REFERENCE))
    committed = pd.read_csv(
        REFERENCE / "day_boundary_rows.csv",
        dtype={"cause": "string", "candidate_id": "string"},
        float_precision="round_trip",
    )
    mine = make(sample)
    np.testing.assert_array_equal(committed["episode"], mine["episode"])
    np.testing.assert_array_equal(committed["candidate_id"], mine["candidate_id"])
    np.testing.assert_array_equal(committed["time"], mine["time"])
    np.testing.assert_array_equal(committed["cause"].fillna(""), mine["cause"])
    np.testing.assert_array_equal(committed["w"], mine["w"])
    assert R["data"]["rows"] == len(committed)
    assert R["data"]["w_sum"] == pytest.approx(mine["w"].sum(), abs=1e-9)


def test_kaplan_meier_equals_r_weighted_survfit(sample: pd.DataFrame) -> None:
    # R: summary(survfit(Surv(time, status) ~ 1, weights = w, robust = FALSE), times = times):
    # Greenwood on the weighted counts
    t = hf.kaplan_meier(sample, cluster=None).table
    np.testing.assert_array_equal(t["time"], R["times"])
    np.testing.assert_allclose(t["at_risk"], R["km"]["n_risk"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(t["estimate"], R["km"]["surv"], rtol=0, atol=EST)
    r_se = np.array(R["km"]["std_err"], dtype=float)
    ok = t["estimate"].to_numpy() > 0
    np.testing.assert_allclose(t["std_error"].to_numpy()[ok], r_se[ok], rtol=0, atol=TOL)
    # R: survfit(..., weights = w, id = candidate_id, robust = TRUE)
    km = hf.kaplan_meier(sample)
    assert km.meta["cluster"] == "candidate_id"
    np.testing.assert_allclose(km.table["estimate"], R["km"]["surv"], rtol=0, atol=EST)
    np.testing.assert_allclose(
        km.table["std_error"], R["km"]["std_err_candidate"], rtol=0, atol=TOL
    )


def test_cumulative_incidence_equals_r_weighted_multistate_survfit(sample: pd.DataFrame) -> None:
    # R: survfit(Surv(time, state) ~ 1, weights = w, id = row, influence = TRUE);
    # se: sqrt(colSums(rowsum(w * influence.pstate, candidate_id)^2))
    cif = hf.cumulative_incidence(sample).table
    r_se = np.array(R["cif"]["std_err_candidate"])  # time x (waiting, positive, rejection)
    for j, cause in ((1, "positive"), (2, "rejection")):
        mine = cif[cif["cause"] == cause]
        np.testing.assert_array_equal(mine["time"], R["times"])
        np.testing.assert_allclose(mine["estimate"], R["cif"][cause], rtol=0, atol=EST)
        np.testing.assert_allclose(mine["std_error"], r_se[:, j], rtol=0, atol=TOL)
    inf = hf.influence_functions(sample, np.array(R["times"], dtype=float))
    np.testing.assert_allclose(inf.std_error(), r_se, rtol=0, atol=TOL)
    # Summed per episode (the two rows of one episode together): the independent jackknife.
    r_ep = np.array(R["cif"]["std_err_episode"])
    np.testing.assert_allclose(inf.std_error(by_candidate=False), r_ep, rtol=0, atol=TOL)
