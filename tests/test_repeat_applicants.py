"""Tests of hiring_funnel.analyses.repeat_applicants: after_rejection and applications_until_offer.

The expected values on the hand-made logs are worked out by hand in the
comments (Aalen-Johansen and Kaplan-Meier step by step); the group
assignment and the counts of applications are checked against brute-force
loops on random logs; the Kaplan-Meier of applications until an offer is
checked against lifelines on the bundled sample.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

import hiring_funnel as hf
from hiring_funnel.analyses.repeat_applicants import (
    AFTER,
    AFTER_REJECTION_COLUMNS,
    NO_EARLIER,
    REJECTIONS_COLUMNS,
    after_rejection,
    applications_until_offer,
)
from hiring_funnel.schema import HiringFunnelError, as_canonical_events

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
AS_OF = "2024-03-31"


def make_log(rows) -> pd.DataFrame:
    """Canonical events from (application, candidate, company, event, time) tuples."""
    frame = pd.DataFrame(
        rows, columns=["application_id", "candidate_id", "company_id", "event", "timestamp"]
    )
    return as_canonical_events(frame)


def row(result, group: str) -> pd.Series:
    t = result.table
    return t[t["group"] == group].iloc[0]


# Durations on the decision clock, as of 2024-03-31 (days between UTC dates):
# a1 rejection 4, a2 open 26, a3 offer 14, a4 open 21,
# b1 rejection 1, b2 rejection 4, b3 open 3, c1 offer 9, c2 open 19; d1 has no candidate.
LOG = [
    ("a1", "C1", "E1", "applied", "2024-03-01 09:00"),
    ("a1", "C1", "E1", "rejection", "2024-03-05 10:00"),
    ("a2", "C1", "E2", "applied", "2024-03-05 10:00"),  # the same moment as a1's rejection: a tie
    ("a3", "C1", "E2", "applied", "2024-03-06 09:00"),  # after a1's rejection (by another company)
    ("a3", "C1", "E2", "offer", "2024-03-20 09:00"),
    ("a4", "C1", "E1", "applied", "2024-03-10 09:00"),  # after a1's rejection by E1 itself
    ("b1", "C2", "E1", "applied", "2024-03-02 09:00"),
    ("b1", "C2", "E1", "rejection", "2024-03-03 09:00"),
    ("b2", "C2", "E3", "applied", "2024-03-04 09:00"),  # after b1's rejection
    ("b2", "C2", "E3", "rejection", "2024-03-08 09:00"),
    ("b3", "C2", "E3", "applied", "2024-03-28 09:00"),  # after b1 and b2; b2 was E3's
    ("c1", "C3", "E1", "applied", "2024-03-01 09:00"),
    ("c1", "C3", "E1", "offer", "2024-03-10 09:00"),
    ("c2", "C3", None, "applied", "2024-03-12 09:00"),  # no company
    ("d1", None, "E1", "applied", "2024-03-01 09:00"),  # no candidate
]


def test_any_company_by_hand() -> None:
    res = after_rejection(make_log(LOG), horizon=20, as_of=AS_OF)
    assert list(res.table.columns) == list(AFTER_REJECTION_COLUMNS)
    assert list(res.table["group"]) == [AFTER, NO_EARLIER]
    ep = res.episodes.set_index("application_id")
    assert ep.loc[["a3", "a4", "b2", "b3"], "history"].eq(AFTER).all()
    assert ep.loc[["a1", "a2", "b1", "c1", "c2"], "history"].eq(NO_EARLIER).all()
    assert ep["earlier_rejections"].to_dict() == {
        "a1": 0, "a2": 0, "a3": 1, "a4": 1, "b1": 0, "b2": 1, "b3": 2, "c1": 0, "c2": 0,
    }  # fmt: skip
    # Days since the latest earlier rejection: a3 6-5, a4 10-5, b2 4-3, b3 28-8.
    assert ep["days_since_rejection"].dropna().to_dict() == {
        "a3": 1.0, "a4": 5.0, "b2": 1.0, "b3": 20.0,
    }  # fmt: skip
    assert res.meta["excluded"]["applications"] == 1  # d1

    after = row(res, AFTER)
    # a3 offer 14, a4 open 21, b2 rejection 4, b3 open 3.
    # t=3: 4 at risk, b3 censored. t=4: 3 at risk, a rejection: S = 2/3.
    # t=14: 2 at risk, an offer: F = 2/3 * 1/2 = 1/3. Naive: 1 offer / 4 = 1/4.
    assert after[["applications", "candidates", "offers", "rejections", "no_decision"]].tolist() == [
        4, 2, 1, 1, 2,
    ]  # fmt: skip
    assert after["naive_share"] == 0.25
    assert after["estimate"] == pytest.approx(1 / 3)
    assert after["ci_lower"] < 1 / 3 < after["ci_upper"]
    assert after["at_risk"] == 1 and after["events"] == 1  # a4 followed past day 20; a3's offer
    assert np.isnan(after["cluster_ci_lower"])  # no seed, no bootstrap

    before = row(res, NO_EARLIER)
    # a1 rejection 4, a2 open 26, b1 rejection 1, c1 offer 9, c2 open 19.
    # t=1: S = 4/5; t=4: S = 4/5 * 3/4 = 3/5; t=9: F = 3/5 * 1/3 = 1/5. Naive 1/5.
    assert before["applications"] == 5 and before["candidates"] == 3
    assert before["estimate"] == pytest.approx(1 / 5)
    assert before["naive_share"] == pytest.approx(1 / 5)


def test_same_company_by_hand() -> None:
    res = after_rejection(make_log(LOG), same_company=True, horizon=20, as_of=AS_OF)
    ep = res.episodes.set_index("application_id")
    # a4: E1 rejected C1 (a1) before; b3: E3 rejected C2 (b2) before. a3 and b2
    # come after rejections by other companies only.
    assert sorted(ep.index[ep["history"] == AFTER]) == ["a4", "b3"]
    assert res.meta["excluded"]["applications"] == 2  # d1 (no candidate), c2 (no company)
    after = row(res, AFTER)
    # a4 open 21, b3 open 3: no offer; the estimate is 0, its upper limit unknown.
    assert after["offers"] == 0
    assert after["estimate"] == 0.0 and after["ci_lower"] == 0.0 and np.isnan(after["ci_upper"])
    assert any("no offer within 20 days" in n for n in res.meta["notes"])
    before = row(res, NO_EARLIER)
    # a1 rej 4, a2 open 26, a3 offer 14, b1 rej 1, b2 rej 4, c1 offer 9.
    # t=1: S = 5/6; t=4 (2 rejections of 5): S = 1/2; t=9: F = 1/2 * 1/3 = 1/6, S = 1/3;
    # t=14: F = 1/6 + 1/3 * 1/2 = 1/3.
    assert before["estimate"] == pytest.approx(1 / 3)
    assert before["naive_share"] == pytest.approx(2 / 6)


def test_rejections_table_by_hand() -> None:
    any_co = after_rejection(make_log(LOG), horizon=20, as_of=AS_OF).rejections
    assert list(any_co.columns) == list(REJECTIONS_COLUMNS)
    r = any_co.iloc[0]
    # a1 (03-05 10:00) -> a3 on 03-06 (a2 is a tie, not after): 1 day;
    # b1 (03-03) -> b2 on 03-04: 1 day; b2 (03-08) -> b3 on 03-28: 20 days.
    # t=1: 2 of 3 -> S = 1/3; t=20: 1 of 1 -> S = 0. Median: 1 - S passes 1/2 on day 1.
    assert r["rejections"] == 3 and r["applied_again"] == 3 and r["naive_share"] == 1.0
    assert r["estimate"] == pytest.approx(1.0)
    assert r["median_days"] == 1.0
    same = after_rejection(make_log(LOG), same_company=True, horizon=20, as_of=AS_OF).rejections
    r = same.iloc[0]
    # a1 (C1, E1) -> a4 on 03-10: 5 days; b1 (C2, E1) -> none, censored 03-03 to 03-31: 28;
    # b2 (C2, E3) -> b3: 20 days. t=5: S = 2/3; t=20: S = 2/3 * 1/2 = 1/3; median 20.
    assert r["applied_again"] == 2 and r["naive_share"] == pytest.approx(2 / 3)
    assert r["estimate"] == pytest.approx(2 / 3)
    assert r["median_days"] == 20.0


def test_date_only_ties_are_not_after() -> None:
    log = make_log(
        [
            ("a", "P", "E", "applied", "2024-03-01"),
            ("a", "P", "E", "rejection", "2024-03-05"),
            ("b", "P", "F", "applied", "2024-03-05"),  # same day: order unknown
            ("c", "P", "G", "applied", "2024-03-06"),
        ]
    )
    ep = after_rejection(log, as_of=AS_OF, horizon=20).episodes.set_index("application_id")
    assert ep["history"].to_dict() == {"a": NO_EARLIER, "b": NO_EARLIER, "c": AFTER}


def test_a_rejection_after_a_withdrawal_still_counts() -> None:
    log = make_log(
        [
            ("a", "P", "E", "applied", "2024-03-01"),
            ("a", "P", "E", "withdrawn", "2024-03-02"),
            ("a", "P", "E", "rejection", "2024-03-04"),
            ("b", "P", "F", "applied", "2024-03-03"),  # before the rejection
            ("c", "P", "F", "applied", "2024-03-05"),  # after it
            ("d", "P", "F", "applied", "2024-03-06"),
            ("d", "P", "F", "rejection", "2024-04-02"),  # after the as-of date: ignored
            ("e", "P", "F", "applied", "2024-03-07"),
        ]
    )
    res = after_rejection(log, as_of=AS_OF, horizon=20)
    ep = res.episodes.set_index("application_id")
    assert ep["earlier_rejections"].to_dict() == {"a": 0, "b": 0, "c": 1, "d": 1, "e": 1}
    assert res.rejections["rejections"].item() == 1


def test_horizon_past_the_follow_up_is_not_estimable() -> None:
    res = after_rejection(make_log(LOG), horizon=60, as_of=AS_OF)
    # The longest wait after a rejection is a4's 21 days.
    assert np.isnan(row(res, AFTER)["estimate"])
    assert "before the horizon 60" in res.meta["not_estimable"][AFTER]


def test_no_raw_ids_in_the_summaries() -> None:
    res = after_rejection(make_log(LOG), horizon=20, as_of=AS_OF, seed=1, n_resamples=20)
    ids = {r[i] for r in LOG for i in (0, 1, 2) if r[i]}
    for table in (res.table, res.rejections):
        assert not {"application_id", "candidate_id", "company_id"} & set(table.columns)
        assert not ids & {str(v) for v in table.to_numpy().ravel()}
    until = applications_until_offer(make_log(LOG), as_of=AS_OF)
    for table in (until.table, until.naive):
        assert not ids & {str(v) for v in table.to_numpy().ravel()}


def test_needs_candidates() -> None:
    ev = make_log(LOG).drop(columns="candidate_id")
    with pytest.raises(HiringFunnelError, match="candidate_id"):
        after_rejection(ev)
    with pytest.raises(HiringFunnelError, match="EventLog or canonical events"):
        applications_until_offer([1, 2])  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def sample() -> hf.EventLog:
    return hf.read_events(
        SAMPLE / "events.csv",
        attributes=SAMPLE / "attributes.csv",
        mapping=SAMPLE / "mapping.toml",
    )


def test_sample_groups_against_a_loop(sample: hf.EventLog) -> None:
    res = after_rejection(sample)
    ev = sample.events
    applied = ev[ev["event"] == "applied"]
    rejected = ev[ev["event"] == "rejection"]
    rejections_of: dict[str, list[pd.Timestamp]] = {}
    for cand, when in zip(rejected["candidate_id"], rejected["timestamp"], strict=True):
        rejections_of.setdefault(cand, []).append(when)
    after = 0
    for cand, when in zip(applied["candidate_id"], applied["timestamp"], strict=True):
        after += any(r < when for r in rejections_of.get(cand, []))
    assert row(res, AFTER)["applications"] == after
    assert row(res, NO_EARLIER)["applications"] == len(applied) - after
    assert res.table["offers"].sum() == (ev["event"] == "offer").sum()
    assert res.test is not None and 0 <= res.test.p_value <= 1


def test_cluster_bootstrap_is_reproducible(sample: hf.EventLog) -> None:
    one = after_rejection(sample, seed=7, n_resamples=50)
    two = after_rejection(sample, seed=7, n_resamples=50)
    pd.testing.assert_frame_equal(one.table, two.table)
    t = one.table
    assert (t["cluster_ci_lower"] <= t["estimate"]).all()
    assert (t["estimate"] <= t["cluster_ci_upper"]).all()


# -- applications until the first offer --------------------------------------------

UNTIL = [
    # P1: first offer on 03-04 (x2), when x1 and x2 were sent: 2. x3's later offer does not matter.
    ("x1", "P1", "E1", "applied", "2024-03-01"),
    ("x2", "P1", "E2", "applied", "2024-03-02"),
    ("x2", "P1", "E2", "offer", "2024-03-04"),
    ("x3", "P1", "E3", "applied", "2024-03-05"),
    ("x3", "P1", "E3", "offer", "2024-03-09"),
    # P2: two sent, none offered (y2 still open): censored at 2.
    ("y1", "P2", "E1", "applied", "2024-03-01"),
    ("y1", "P2", "E1", "rejection", "2024-03-03"),
    ("y2", "P2", "E2", "applied", "2024-03-03"),
    # P3: offer on 03-20 for z3; z4 was sent on 03-10 while waiting: 4.
    ("z1", "P3", "E1", "applied", "2024-03-01"),
    ("z1", "P3", "E1", "rejection", "2024-03-02"),
    ("z2", "P3", "E2", "applied", "2024-03-03"),
    ("z2", "P3", "E2", "rejection", "2024-03-06"),
    ("z3", "P3", "E3", "applied", "2024-03-04"),
    ("z3", "P3", "E3", "offer", "2024-03-20"),
    ("z4", "P3", "E4", "applied", "2024-03-10"),
    # P4: w2 sent at the very moment of the offer: a tie, so it counts as sent: 2.
    ("w1", "P4", "E1", "applied", "2024-03-01 09:00"),
    ("w1", "P4", "E1", "offer", "2024-03-05 09:00"),
    ("w2", "P4", "E2", "applied", "2024-03-05 09:00"),
    # P5: one open application: censored at 1.
    ("v1", "P5", "E1", "applied", "2024-03-01"),
    # P6: the offer comes after the as-of date: censored at 1.
    ("s1", "P6", "E1", "applied", "2024-03-01"),
    ("s1", "P6", "E1", "offer", "2024-04-02"),
    # No candidate: left out.
    ("u1", None, "E1", "applied", "2024-03-01"),
]


def test_applications_until_offer_by_hand() -> None:
    res = applications_until_offer(make_log(UNTIL), as_of=AS_OF)
    got = res.candidates.set_index("candidate_id")
    assert got["duration"].to_dict() == {"P1": 2, "P2": 2, "P3": 4, "P4": 2, "P5": 1, "P6": 1}
    assert got["cause"].isna().to_dict() == {
        "P1": False, "P2": True, "P3": False, "P4": False, "P5": True, "P6": True,
    }  # fmt: skip
    assert got["applications"].to_dict() == {"P1": 3, "P2": 2, "P3": 4, "P4": 2, "P5": 1, "P6": 1}
    assert res.meta["excluded"]["applications"] == 1
    # Kaplan-Meier: k=1: 6 at risk, 0 offers (P5, P6 censored) -> S = 1;
    # k=2: 4 at risk, 2 offers (P1, P4), P2 censored -> S = 1/2; k=4: 1 at risk, 1 offer -> S = 0.
    t = res.table.set_index("time")
    assert t["estimate"].tolist() == pytest.approx([0.0, 0.5, 0.5, 1.0])
    assert t["at_risk"].tolist() == [6, 4, 1, 1]
    assert t["events"].tolist() == [0, 2, 0, 1]
    assert np.isnan(t.loc[1.0, "ci_upper"])  # no offer yet: the upper limit is unknown
    assert t.loc[2.0, "ci_lower"] < 0.5 < t.loc[2.0, "ci_upper"]
    # Naive: 3 of 6 candidates have an offer, after 2, 4 and 2 applications.
    assert res.naive.iloc[0].tolist() == pytest.approx([6, 3, 0.5, 2.0, 8 / 3])
    # R's quantile.survfit: 1 - S sits on 1/2 from k=2 to k=4, so the median is
    # the midpoint, 3; the first quartile is 2.
    q = res.quantiles.table.set_index("prob")["estimate"]
    assert q.to_dict() == {0.25: 2.0, 0.5: 3.0}


def test_applications_until_offer_at() -> None:
    res = applications_until_offer(make_log(UNTIL), as_of=AS_OF, at=[2, 10])
    assert res.table["estimate"].iloc[0] == 0.5
    assert np.isnan(res.table["estimate"].iloc[1])  # nobody is followed past 4
    assert any("past 4 applications" in n for n in res.meta["notes"])


def test_applications_until_offer_against_lifelines(sample: hf.EventLog) -> None:
    res = applications_until_offer(sample)
    frame = res.candidates
    # Reference: lifelines' KaplanMeierFitter on the same candidates (an independent
    # implementation; its default interval is the log(-log) one, as ours).
    kmf = KaplanMeierFitter().fit(frame["duration"], frame["cause"].notna())
    ks = res.table["time"].to_numpy()
    expected = 1.0 - kmf.survival_function_at_times(ks).to_numpy()
    np.testing.assert_allclose(res.table["estimate"], expected, rtol=1e-12)
    ci = kmf.confidence_interval_survival_function_
    lower = 1.0 - ci.iloc[:, 1].reindex(ks).to_numpy()
    upper = 1.0 - ci.iloc[:, 0].reindex(ks).to_numpy()
    np.testing.assert_allclose(res.table["ci_lower"], lower, rtol=1e-9)
    np.testing.assert_allclose(res.table["ci_upper"], upper, rtol=1e-9)
    # The numbers notebook 05 describes, pinned so a change to the simulator shows.
    assert res.naive["with_offer"].item() == 129
    assert len(frame) == 777


# -- properties on random logs ------------------------------------------------------


@st.composite
def random_logs(draw) -> pd.DataFrame:
    """Up to 4 candidates, 3 companies, 12 applications; days 0-30 of March 2024."""
    rows = []
    for i in range(draw(st.integers(1, 12))):
        cand = draw(st.sampled_from(["P", "Q", "R", "S"]))
        comp = draw(st.sampled_from(["E", "F", "G"]))
        start = draw(st.integers(0, 20))
        rows.append((f"a{i}", cand, comp, "applied", start))
        outcome = draw(st.sampled_from(["offer", "rejection", None, None]))
        if outcome:
            rows.append((f"a{i}", cand, comp, outcome, start + draw(st.integers(0, 10))))
    frame = pd.DataFrame(
        rows, columns=["application_id", "candidate_id", "company_id", "event", "timestamp"]
    )
    frame["timestamp"] = pd.Timestamp("2024-03-01", tz="UTC") + pd.to_timedelta(
        frame["timestamp"], unit="D"
    )
    return as_canonical_events(frame)


def brute_force_after(log: pd.DataFrame, same_company: bool) -> dict[str, int]:
    applied = log[log["event"] == "applied"]
    rejected = log[log["event"] == "rejection"]
    out = {}
    for a in applied.itertuples():
        out[a.application_id] = sum(
            1
            for r in rejected.itertuples()
            if r.candidate_id == a.candidate_id
            and (not same_company or r.company_id == a.company_id)
            and r.timestamp < a.timestamp
        )
    return out


@settings(max_examples=60, deadline=None)
@given(random_logs(), st.booleans(), st.randoms(use_true_random=False))
def test_after_rejection_properties(log: pd.DataFrame, same_company: bool, rnd) -> None:
    res = after_rejection(log, same_company=same_company, horizon=5, as_of="2024-04-15")
    got = res.episodes.set_index("application_id")["earlier_rejections"].to_dict()
    assert got == brute_force_after(log, same_company)
    t = res.table
    assert t["applications"].sum() == len(log[log["event"] == "applied"])
    est = t["estimate"].dropna()
    assert ((est >= 0) & (est <= 1)).all()
    assert (t["naive_share"].dropna().between(0, 1)).all()
    if not same_company:
        narrow = after_rejection(log, same_company=True, horizon=5, as_of="2024-04-15")
        assert narrow.table["applications"].iloc[0] <= t["applications"].iloc[0]
    order = list(range(len(log)))
    rnd.shuffle(order)
    again = after_rejection(
        log.iloc[order].reset_index(drop=True),
        same_company=same_company,
        horizon=5,
        as_of="2024-04-15",
    )
    pd.testing.assert_frame_equal(t, again.table)
    pd.testing.assert_frame_equal(res.rejections, again.rejections)


def brute_force_until(log: pd.DataFrame) -> dict[str, tuple[int, bool]]:
    out = {}
    for cand, rows in log.groupby("candidate_id"):
        sent = sorted(rows.loc[rows["event"] == "applied", "timestamp"])
        offers = sorted(rows.loc[rows["event"] == "offer", "timestamp"])
        if offers:
            out[str(cand)] = (sum(1 for s in sent if s <= offers[0]), True)
        else:
            out[str(cand)] = (len(sent), False)
    return out


@settings(max_examples=60, deadline=None)
@given(random_logs(), st.randoms(use_true_random=False))
def test_applications_until_offer_properties(log: pd.DataFrame, rnd) -> None:
    res = applications_until_offer(log, as_of="2024-04-15")
    frame = res.candidates
    got = {
        c: (int(d), bool(o))
        for c, d, o in zip(
            frame["candidate_id"], frame["duration"], frame["cause"].notna(), strict=True
        )
    }
    assert got == brute_force_until(log)
    est = res.table["estimate"].dropna().to_numpy()
    assert np.all((est >= 0) & (est <= 1))
    assert np.all(np.diff(est) >= -1e-12)
    order = list(range(len(log)))
    rnd.shuffle(order)
    again = applications_until_offer(log.iloc[order].reset_index(drop=True), as_of="2024-04-15")
    pd.testing.assert_frame_equal(res.table, again.table)
