"""The summary: naive (answered-only) waits beside the Kaplan-Meier median."""

from __future__ import annotations

import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

from hiring_funnel.analyses.summary import format_summary, headline, summarise
from hiring_funnel.io.load import read_events
from hiring_funnel.schema import EventLog, HiringFunnelError


def _tied_log(durations: list[int], answered: list[int]) -> EventLog:
    # One application per duration: answered ones get a rejection that many
    # days later, the others stay open until the as-of date (day 40).
    rows = []
    for i, (days, done) in enumerate(zip(durations, answered, strict=True)):
        rows.append((f"a{i}", "applied", pd.Timestamp("2024-01-01")))
        if done:
            rows.append(
                (f"a{i}", "rejection", pd.Timestamp("2024-01-01") + pd.Timedelta(days=days))
            )
    frame = pd.DataFrame(rows, columns=["application_id", "event", "timestamp"])
    frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%d")
    return read_events(frame, as_of="2024-02-10")


@pytest.mark.parametrize(
    ("durations", "answered"),
    [
        # ties on days, a same-day answer; the open ones are censored at day 40.
        # S crosses 1/2 without resting on it (0.61 -> 0.49; 0.67 -> 0.48), so
        # lifelines and R's quantile rule agree.
        ([0, 2, 2, 3, 3, 3, 5, 8, 8, 13, 14], [1, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1]),
        ([1, 1, 2, 4, 4, 6, 9, 9, 9, 10, 12, 30, 31], [1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1]),
    ],
)
def test_median_matches_lifelines(durations: list[int], answered: list[int]) -> None:
    log = _tied_log(durations, answered)
    row = summarise(log, clocks=["first_response"]).iloc[0]
    times = [d if a else 40 for d, a in zip(durations, answered, strict=True)]
    # Reference: lifelines KaplanMeierFitter.median_survival_time_ on the same waits.
    kmf = KaplanMeierFitter().fit(times, event_observed=answered)
    assert row.median_reached
    assert row.median_wait == pytest.approx(kmf.median_survival_time_)
    assert row.median_ci_lower <= row.median_wait  # the upper limit may not close in 11 rows


def test_median_on_a_flat_half_follows_r() -> None:
    # Waits 2, 5 and 9 answered, one open: S(2) = 3/4, S(5) = 1/2, S(9) = 0.
    # S rests on 1/2 from day 5 to the next answer on day 9: R's
    # quantile.survfit takes the midpoint, 7, where lifelines takes day 5.
    row = summarise(_tied_log([2, 5, 9, 12], [1, 1, 1, 0]), clocks=["first_response"]).iloc[0]
    assert row.median_wait == 7.0


def test_median_not_reached_when_most_are_still_waiting() -> None:
    row = summarise(_tied_log([1, 5, 9, 9], [1, 0, 0, 0]), clocks=["first_response"]).iloc[0]
    assert not row.median_reached
    assert row.median_wait == 40.0  # the last day seen, printed as "> 40"
    assert "> 40" in format_summary(summarise(_tied_log([1, 5, 9, 9], [1, 0, 0, 0])))


def _log() -> pd.DataFrame:
    # a: rejection after 4 days; b: screen after 1 day, then interview, offer
    # 10 days after the interview; c: open (censored at as-of, 19 days).
    return pd.DataFrame(
        {
            "application_id": ["a", "a", "b", "b", "b", "b", "c"],
            "event": ["applied", "rejection", "applied", "screen", "interview", "offer", "applied"],
            "timestamp": [
                "2024-03-01",
                "2024-03-05",
                "2024-03-01",
                "2024-03-02",
                "2024-03-04",
                "2024-03-14",
                "2024-03-01",
            ],
            "size": ["small", "small", "large", "large", "large", "large", "small"],
        }
    )


def test_summarise_sets_naive_beside_censoring_aware() -> None:
    log = read_events(_log(), as_of="2024-03-20")
    table = summarise(log).set_index("clock")
    first = table.loc["first_response"]
    assert (first.episodes, first.answered, first.censored) == (3, 2, 1)
    assert first.naive_mean_wait == pytest.approx((4 + 1) / 2)
    # KM: S drops to 2/3 at day 1 and 1/3 at day 4, so the median is 4 days.
    assert first.median_wait == 4.0 and first.median_reached
    decision = table.loc["decision"]
    assert (decision.answered, decision.naive_mean_wait) == (2, pytest.approx((4 + 13) / 2))
    text = format_summary(summarise(log), as_of=pd.Timestamp("2024-03-20", tz="UTC"))
    assert "first_response" in text and "KM median" in text and "2024-03-20" in text


def test_summarise_by_attribute_and_unknown_attribute() -> None:
    log = read_events(_log(), as_of="2024-03-20")
    table = summarise(log, clocks=["first_response"], by="size")
    assert table.set_index("group")["episodes"].to_dict() == {"large": 1, "small": 2}
    with pytest.raises(HiringFunnelError, match="no attribute 'industry'"):
        summarise(log, clocks=["first_response"], by="industry")


def test_headline_says_the_chance_of_an_offer_after_silence() -> None:
    log = read_events(_log(), as_of="2024-03-20")
    lines = headline(log, waited=[2])
    # Decision clock: a rejected on day 4, b offered on day 13, c open (19 days).
    # After 2 silent days all three still wait; one of three gets an offer: 1/3. One offer
    # is too few for a comparison with the day of applying.
    assert len(lines) == 3
    assert lines[0].startswith(
        "On the day of applying, the chance of an offer within the 19 days this log covers "
        "is 33.3% (95% confidence interval "
    )
    assert lines[1].startswith(
        "After 2 days with no decision, the chance of an offer within the 19 days this log "
        "covers is 33.3% (95% confidence interval "
    )
    assert lines[1].endswith("; 3 applications were still waiting on day 2).")
    assert lines[2].startswith("Too few offers to tell whether silence changes the chance: 1 offer")
    assert headline(read_events(_log().iloc[:2], as_of="2024-03-20"))[0].startswith(
        "No offer in the log yet"
    )


# -- what the summary publishes (issue 10) --------------------------------------------------------


def _sim_log(n: int = 400, seed: int = 5, **industry: str) -> EventLog:
    import hiring_funnel as hf

    sim = hf.simulate(n, seed=seed)
    attrs = sim.attributes.copy()
    attrs["industry"] = attrs["industry"].replace(industry)
    return read_events(sim.events, attributes=attrs, as_of=sim.as_of)


def test_min_group_one_keeps_everything_and_five_suppresses_small_groups() -> None:
    log = _sim_log(300)
    ep_first = summarise(log, clocks=["first_response"], by="industry", min_group=1)
    assert len(ep_first) == 6 and not ep_first.attrs["hidden"]
    # Few candidates of some industries had interviews: those groups are hidden on every
    # clock, and counted, not named.
    table = summarise(log, by="industry", min_group=5)
    hidden = table.attrs["groups_hidden"]
    assert hidden["first_response"] == hidden["decision"] > 0
    shown = set(table.loc[table["clock"] == "first_response", "group"])
    assert shown == set(table.loc[table["clock"] == "decision", "group"])
    assert len(shown) == 6 - hidden["first_response"]
    text = format_summary(table)
    assert f"first_response: {hidden['first_response']} industry groups not shown" in text
    for label in set(ep_first["group"]) - shown:
        assert label not in text


def test_small_counts_are_hidden_with_their_complement() -> None:
    log = _sim_log()
    table = summarise(log, clocks=["interview_feedback"], by="industry", min_group=5)
    reasons = table.attrs["hidden"]
    assert "too_few" in reasons.values()
    for clock, group, column in reasons:
        row = table[(table["clock"] == clock) & (table["group"] == group)].iloc[0]
        assert pd.isna(row[column])
    text = format_summary(table)
    assert "<5" in text and "privacy (min group 5)" in text


def test_a_clock_of_too_few_candidates_is_not_shown() -> None:
    log = read_events(_log(), as_of="2024-03-20")  # three applications, three candidates
    table = summarise(log, min_group=5)
    assert table.attrs["unpublished"] == ["first_response", "interview_feedback", "decision"]
    assert table[["episodes", "answered", "censored"]].isna().all().all()
    text = format_summary(table)
    assert "first_response       not shown: fewer than 5 candidates" in text
    assert headline(log, min_group=5) == [
        "Not shown: the waits on this clock concern fewer than 5 candidates, so any figure "
        "would describe identifiable people."
    ]


def test_the_dashboard_waits_need_enough_answered_candidates() -> None:
    # Ten candidates, two answered: the naive waits would be those two people's.
    log = _tied_log([1, 3] + [40] * 8, [1, 1] + [0] * 8)
    row = summarise(log, clocks=["first_response"], min_group=5).iloc[0]
    assert pd.isna(row.naive_mean_wait) and pd.isna(row.answered) and pd.isna(row.censored)
    assert summarise(log, clocks=["first_response"]).iloc[0].naive_mean_wait == 2.0


def test_labels_are_cleaned_and_shortened_in_the_terminal() -> None:
    log = _sim_log(software="\x1b[31mred\x1b[0m " + "x" * 50)
    text = format_summary(summarise(log, clocks=["first_response"], by="industry"))
    assert "\x1b" not in text
    assert "[31mred[0m xxxxxx…" in text


def test_free_text_columns_are_refused() -> None:
    sim_log = _sim_log()
    attrs = sim_log.attributes.assign(
        note=[f"called {i}, left a message" for i in range(len(sim_log.attributes))]
    )
    log = read_events(sim_log.events.drop(columns="line"), attributes=attrs, as_of=sim_log.as_of)
    with pytest.raises(
        HiringFunnelError, match="cannot break down by 'note': its values look like free text"
    ):
        summarise(log, by="note")
