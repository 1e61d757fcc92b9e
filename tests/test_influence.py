"""Influence functions, candidate-robust variances, silence ratio and answer quantiles, pinned to R.

Source of the expected values: tests/reference/influence_reference.json, made
by R 4.2.2 with survival 3.5-3 (``survfit(Surv(duration, status) ~ 1, id =
row, influence = TRUE)``, its ``influence.pstate`` summed per candidate with
``rowsum``, ``survfit(..., cluster = candidate, robust = TRUE)`` for S, and
``survival:::findq``) on tests/reference/influence_episodes.csv. Regenerate:

    Rscript tests/reference/make_influence_reference.R \\
        tests/reference/influence_episodes.csv tests/reference/influence_reference.json

The script's header says what each number is and the R code computing it.

Speed, on 1e6 episodes
and 200,000 integer candidate codes:

    python -c "import timeit, numpy as np, pandas as pd; from hiring_funnel.estimators.influence \\
    import influence_functions as f; r = np.random.default_rng(1); n = 10**6; ep = pd.DataFrame(\\
    {'candidate_id': r.integers(0, 200_000, n), 'entry': 0.0, 'duration': np.minimum(r.exponential(\\
    40, n).round(), 300), 'cause': pd.Categorical.from_codes(r.choice([-1, 0, 1], n), ['offer', \\
    'rejection'])}); print(min(timeit.repeat(lambda: f(ep, [7, 30, 60, 90]).std_error(), number=1, \\
    repeat=5)))"
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference.influence_data import CAUSES, episodes, r

import hiring_funnel as hf
from hiring_funnel.estimators import cumulative_incidence, kaplan_meier, still_hope
from hiring_funnel.estimators.influence import (
    answer_quantiles,
    answer_share,
    influence_functions,
    silence_ratio,
)
from hiring_funnel.schema import HiringFunnelError

TOL = 1e-8


def ep(duration: list[float], cause: list[str | None], candidate: list[str] | None = None):
    frame = pd.DataFrame(
        {"entry": 0.0, "duration": duration, "cause": pd.Categorical(cause, categories=CAUSES)}
    )
    if candidate is not None:
        frame["candidate_id"] = pd.array(candidate, dtype="string")
    return frame


@pytest.mark.parametrize("name", ["toy", "sample"])
def test_estimates_and_std_errors_match_r(name: str) -> None:
    ref = r(name)
    inf = influence_functions(episodes(name), ref["times"])
    np.testing.assert_allclose(inf.estimate, ref["pstate"], rtol=0, atol=1e-12)
    # survfit's own std.err: sqrt(colSums(influence^2)), episodes independent.
    np.testing.assert_allclose(
        inf.std_error(by_candidate=False), ref["std_err"], rtol=TOL, atol=1e-14
    )
    np.testing.assert_allclose(inf.std_error(), ref["std_err_candidate"], rtol=TOL, atol=1e-14)
    table = inf.table
    assert list(table.columns) == ["time", "state", "estimate", "std_error"]
    assert table["std_error"].to_numpy() == pytest.approx(np.ravel(ref["std_err_candidate"]))
    # S(t) against the survfit that honours cluster = candidate itself.
    np.testing.assert_allclose(inf.std_error()[:, 0], ref["km_std_err_candidate"], rtol=TOL)
    # Several episodes per candidate make a difference, so the pin is not vacuous.
    assert not np.allclose(ref["std_err"], ref["std_err_candidate"], rtol=1e-3)


def test_influence_of_each_episode_matches_r_with_ties() -> None:
    """Toy: tied answers of both causes, censorings on days of answers (at risk that day), day 0, day 2.5."""
    ref = r("toy")
    inf = influence_functions(episodes("toy"), ref["times"])
    expected = np.asarray(ref["influence"]).reshape(ref["n"], len(ref["times"]), 3)
    np.testing.assert_allclose(inf.values, expected, rtol=0, atol=1e-13)


@pytest.mark.parametrize("name", ["toy", "sample"])
def test_silence_ratio_matches_r(name: str) -> None:
    for ref in r(name)["silence"]:
        got = silence_ratio(
            episodes(name), cause=ref["cause"], waited=ref["waited"], horizon=ref["horizon"]
        )
        assert got.why == ""
        for field, key in [
            ("p0", "p0"),
            ("ps", "ps"),
            ("ratio", "ratio"),
            ("p0_std_error", "p0_se"),
        ]:
            assert getattr(got, field) == pytest.approx(ref[key], rel=TOL)
        assert got.ps_std_error == pytest.approx(ref["ps_se"], rel=TOL)
        assert got.std_error == pytest.approx(ref["ratio"] * ref["log_se"], rel=TOL)
        assert (got.ci_lower, got.ci_upper) == pytest.approx(
            (ref["ci_lower"], ref["ci_upper"]), rel=TOL
        )
        counts = (got.events_before, got.events_after, got.at_risk)
        assert counts == (ref["events_before"], ref["events_after"], ref["at_risk"])


def test_silence_ratio_without_candidates_matches_r_unclustered() -> None:
    ref = r("sample")["silence"][0]
    alone = episodes("sample").drop(columns="candidate_id")  # candidate = application
    got = silence_ratio(alone, cause="offer", waited=ref["waited"], horizon=ref["horizon"])
    assert got.std_error / got.ratio == pytest.approx(ref["log_se_episode"], rel=TOL)


@pytest.mark.parametrize("name", ["toy", "sample"])
def test_answer_share_std_error_matches_r(name: str) -> None:
    ref = r(name)["answer_g"]
    share = answer_share(episodes(name), horizon=ref["horizon"])
    row = np.searchsorted(share["time"].to_numpy(), ref["times"], side="right") - 1
    np.testing.assert_allclose(share["estimate"].to_numpy()[row], ref["g"], rtol=TOL)
    np.testing.assert_allclose(share["std_error"].to_numpy()[row], ref["se"], rtol=TOL, atol=1e-12)


@pytest.mark.parametrize("name", ["toy", "sample"])
def test_answer_quantiles_match_r_findq(name: str) -> None:
    """The last prob is a value G takes on a flat stretch: R's midpoint rule."""
    ref = r(name)["quantiles"]
    assert ref["monotone_limits"]  # else R's findq sorts the curve and "first day" differs
    got = answer_quantiles(episodes(name), probs=ref["probs"], horizon=ref["horizon"])
    np.testing.assert_allclose(got["estimate"], ref["estimate"])
    np.testing.assert_allclose(got["ci_lower"], ref["lower"])
    np.testing.assert_allclose(got["ci_upper"], ref["upper"])
    assert (got["answered"] == ref["answered"]).all()
    # The midpoint rule was exercised: the quantile falls between two days seen.
    assert got["estimate"].iloc[-1] not in set(episodes(name)["duration"])
    assert got.attrs == {"conf_level": 0.95, "horizon": ref["horizon"], "interval": "logit"}


def test_estimates_agree_with_the_package_estimators() -> None:
    data = episodes("sample")
    inf = influence_functions(data, [30.0, 90.0])
    km = kaplan_meier(data).table
    cif = cumulative_incidence(data).table.query("cause == 'offer'")

    def at(table: pd.DataFrame, t: float) -> float:
        return float(table.loc[table["time"] <= t, "estimate"].iloc[-1])

    assert inf.estimate[:, 0] == pytest.approx([at(km, 30.0), at(km, 90.0)], abs=1e-12)
    assert inf.estimate[:, 1] == pytest.approx([at(cif, 30.0), at(cif, 90.0)], abs=1e-12)
    hope = still_hope(data, cause="offer", waited=[30.0], horizon=90.0).table["estimate"].iloc[0]
    assert silence_ratio(data, waited=30, horizon=90).ps == pytest.approx(hope, abs=1e-12)


def test_influences_on_all_states_sum_to_zero_and_ignore_row_order() -> None:
    """S + sum F_k = 1 whatever the weights, so each episode's influences sum to 0."""
    sim = hf.simulate(400, seed=3)
    log = hf.read_events(sim.events, attributes=sim.attributes, as_of=sim.as_of)
    data = hf.episodes(log, "decision")
    times = [0.0, 5.0, 20.0, float(data["duration"].max())]
    inf = influence_functions(data, times)
    np.testing.assert_allclose(inf.values.sum(axis=2), 0.0, atol=1e-14)
    order = np.random.default_rng(0).permutation(len(data))
    shuffled = influence_functions(data.iloc[order], times)
    np.testing.assert_allclose(shuffled.values, inf.values[order], atol=1e-15)
    np.testing.assert_allclose(shuffled.std_error(), inf.std_error(), rtol=1e-12)


def test_episodes_without_candidate_are_their_own_candidates() -> None:
    data = episodes("toy").assign(candidate_id=pd.NA)
    inf = influence_functions(data, r("toy")["times"])
    np.testing.assert_allclose(inf.std_error(), r("toy")["std_err"], rtol=TOL, atol=1e-14)


def test_no_cause_after_waiting_gives_nan_interval_and_why() -> None:
    data = ep([1, 2, 3, 5, 8, 9], ["offer", "offer", "rejection", None, "rejection", None])
    got = silence_ratio(data, waited=2, horizon=9)
    assert got.events_after == 0 and got.ratio == 0.0
    assert np.isnan([got.ci_lower, got.ci_upper, got.std_error]).all()
    assert got.why == "no offer after day 2"


def test_no_cause_before_waiting_gives_nan_interval_and_why() -> None:
    data = ep([1, 2, 3, 5, 8, 9], ["rejection", None, "offer", "offer", "rejection", None])
    got = silence_ratio(data, waited=2, horizon=9)
    assert got.events_before == 0 and got.events_after == 2
    assert (
        np.isnan([got.ci_lower, got.ci_upper]).all()
        and got.why == "no offer after day 0 and on or before day 2"
    )


def test_no_answers_by_the_horizon_gives_nan_quantiles() -> None:
    got = answer_quantiles(ep([1, 4, 9], [None, None, "offer"]), horizon=5)
    assert np.isnan(got[["estimate", "ci_lower", "ci_upper"]].to_numpy()).all()
    assert (got["answered"] == 0).all()


@pytest.mark.parametrize("horizon", [9.5, -1.0, float("nan")])
def test_horizon_outside_the_days_seen_is_an_error(horizon: float) -> None:
    data = ep([1, 4, 9], ["offer", None, "rejection"])
    with pytest.raises(HiringFunnelError, match="outside the days seen"):
        answer_quantiles(data, horizon=horizon)
    with pytest.raises(HiringFunnelError, match="outside the days seen"):
        silence_ratio(data, waited=0, horizon=horizon)


@pytest.mark.parametrize("probs", [[0.0], [1.0], [0.5, 1.2], [-0.1], []])
def test_probs_outside_zero_one_are_an_error(probs: list[float]) -> None:
    with pytest.raises(HiringFunnelError, match="strictly between 0 and 1"):
        answer_quantiles(ep([1, 4, 9], ["offer", None, "rejection"]), probs=probs, horizon=9)


def test_bad_arguments_are_errors() -> None:
    data = ep([1, 4, 9], ["offer", None, "rejection"])
    with pytest.raises(HiringFunnelError, match="unknown cause"):
        silence_ratio(data, cause="withdrawal", waited=1, horizon=9)
    with pytest.raises(HiringFunnelError, match="waited must be"):
        silence_ratio(data, waited=9, horizon=9)
    with pytest.raises(HiringFunnelError, match="times must be"):
        influence_functions(data, [-1.0])


def test_at_risk_with_last_day_shares_is_the_weighted_count_rounded() -> None:
    # Shares (hiring_funnel.day_boundary) make the count after s fractional: the
    # censored-on-day-3 episode counts 0.7 on day 3, so 4.7 are still waiting,
    # as the life table (pinned to R's weighted survfit) says; 5, not 4.
    data = ep([1, 2, 3, 3, 5, 8, 9], ["offer", None, "offer", None, "offer", "rejection", None])
    data["last_day_share"] = [1.0, 0.5, 1.0, 0.7, 1.0, 1.0, 0.4]
    table = hf.life_table(data).set_index("time")
    assert table.loc[3.0, "at_risk"] == pytest.approx(4.7, abs=1e-12)
    assert silence_ratio(data, waited=2, horizon=9).at_risk == 5
