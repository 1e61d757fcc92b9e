"""Headlines claim only what the data carry (issue 12, items 5, 6 and 7).

One module (:mod:`hiring_funnel.analyses.headline`) writes the sentences of ``summary``,
the report, ``predict`` and notebook 06. These tests run each front door on the
same log and check that they say the same thing: one horizon, one comparison
rule, and the answers and stages a job seeker asks about next.

Reference values: the estimates are :func:`hiring_funnel.still_hope`'s (pinned
to R's cmprsk and survival in test_against_r.py); the counts of each fixture
are the fixture itself (how many rows were written); the horizon of the sample
is the sample's longest decision wait with at least 5 candidates still waiting,
worked out here with pandas.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.analyses.headline import (
    MIN_EVENTS,
    compare_silence,
    funnel_sentence,
    funnel_stages,
    horizon_of,
    silence_headline,
)
from hiring_funnel.cli import main
from hiring_funnel.estimators import still_hope
from hiring_funnel.report import render_report
from hiring_funnel.schema import HiringFunnelError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "events.csv"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


@pytest.fixture(scope="module")
def sample() -> hf.EventLog:
    return hf.read_events(SAMPLE)


def sample_horizon(log: hf.EventLog, k: int) -> float:
    # By hand: each candidate's longest decision wait; the k-th longest is the last day
    # on which k candidates are still waiting.
    ep = hf.episodes(log, "decision")
    return float(ep.groupby("candidate_id", observed=True)["duration"].max().sort_values().iloc[-k])


# -- item 6: one horizon, in words people use ----------------------------------------------------


def test_one_horizon_in_summary_report_and_predict(sample, capsys, tmp_path: Path) -> None:
    days = sample_horizon(sample, 5)
    words = f"within the {days:.0f} days this log covers"
    assert main(["summary", str(SAMPLE)]) == 0
    summary = capsys.readouterr().out
    assert words in summary and "by day 294" not in summary
    html, _ = render_report(sample, min_group=5, clocks=["first_response", "decision"])
    assert words in text_of(html)
    pending = tmp_path / "pending.csv"
    pending.write_text("waited\n7\n30\n")
    assert main(["predict", str(SAMPLE), "--pending", str(pending), "--resamples", "0"]) == 0
    predict = capsys.readouterr().out
    assert f"every chance counts answers {words}" in predict


def test_horizon_days_set_by_the_user_everywhere(sample, capsys, tmp_path: Path) -> None:
    assert main(["summary", str(SAMPLE), "--horizon", "60"]) == 0
    out = capsys.readouterr().out
    assert (
        "within 60 days of applying" in out and "this log covers" not in out.split("Is silence")[1]
    )
    html, _ = render_report(sample, min_group=5, horizon=60, clocks=["decision"])
    text = text_of(html)
    assert "chance of an offer within 60 days of applying is" in text
    assert "Censoring-aware chance of an offer within 60 days of applying" in text
    assert "this log covers" not in text.split("Contents")[0]
    pending = tmp_path / "pending.csv"
    pending.write_text("waited\n7\n")
    argv = [
        "predict",
        str(SAMPLE),
        "--pending",
        str(pending),
        "--resamples",
        "0",
        "--horizon",
        "60",
    ]
    assert main(argv) == 0
    assert "every chance counts answers within 60 days of applying" in capsys.readouterr().out
    # The estimate is still_hope's with tau = 60.
    hope = still_hope(hf.episodes(sample, "decision"), cause="offer", waited=[7], horizon=60).table
    assert f"{100 * hope['estimate'].iloc[0]:.1f}%" in out


def test_a_horizon_past_the_log_is_one_line(sample, capsys) -> None:
    days = sample_horizon(sample, 5)
    assert main(["summary", str(SAMPLE), "--horizon", "400"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"past the {days:.0f} days this log covers" in err[0]
    with pytest.raises(HiringFunnelError, match="positive number of days"):
        horizon_of(hf.episodes(sample, "decision"), days=-3)


# -- item 5: one rule for a comparison -------------------------------------------------------------


def tracker(tmp_path: Path, offers: list[int], rejections: list[int], still_open: int) -> Path:
    """A wide tracker: one row per application sent on 2024-01-01 + i days, answered after d days."""
    rows = ["Company,Applied,Offer on,Rejected on"]
    start = pd.Timestamp("2024-01-01")
    i = 0

    def sent(i: int) -> pd.Timestamp:
        return start + pd.Timedelta(days=i % 50)

    for d in offers:
        rows.append(f"C{i},{sent(i):%Y-%m-%d},{sent(i) + pd.Timedelta(days=d):%Y-%m-%d},")
        i += 1
    for d in rejections:
        rows.append(f"C{i},{sent(i):%Y-%m-%d},,{sent(i) + pd.Timedelta(days=d):%Y-%m-%d}")
        i += 1
    for _ in range(still_open):
        rows.append(f"C{i},{sent(i):%Y-%m-%d},,")
        i += 1
    path = tmp_path / "tracker.csv"
    path.write_text("\n".join(rows) + "\n")
    (tmp_path / "tracker.toml").write_text(
        'layout = "wide"\nas_of = "2024-12-31"\n[columns]\ncompany_id = "Company"\n'
        '[[events]]\nevent = "applied"\ndate = "Applied"\n'
        '[[events]]\nevent = "offer"\ndate = "Offer on"\n'
        '[[events]]\nevent = "rejection"\ndate = "Rejected on"\n'
    )
    return path


def test_one_offer_in_400_applications_is_too_few_to_tell(tmp_path: Path, capsys) -> None:
    # The case: one early offer among 400 applications. The report used to say
    # "about 0% of what it was"; every front door now says too few offers, with the counts.
    rejections = [int(d) for d in np.random.default_rng(1).integers(2, 120, 300)]
    path = tracker(tmp_path, offers=[5], rejections=rejections, still_open=99)
    mapping = str(tmp_path / "tracker.toml")
    said = "Too few offers to tell whether silence changes the chance: 0 offers came after day 30"
    assert main(["summary", str(path), "--mapping", mapping, "--min-group", "1"]) == 0
    out = capsys.readouterr().out
    assert said in out and "and 1 before" in out and "of what it was" not in out
    html, _ = render_report(hf.read_events(path, mapping=mapping), min_group=1)
    text = text_of(html)
    assert said in text and "of what it was" not in text and "silence is bad news" not in text
    # with k = 5 the one offer is a small count: "fewer than 5", never the number
    assert main(["summary", str(path), "--mapping", mapping]) == 0
    assert "0 offers came after day 30 of silence" in (out := capsys.readouterr().out)
    assert "and fewer than 5 before" in out


def test_enough_offers_but_no_change_excluded_says_so(tmp_path: Path) -> None:
    # 20 of 100 decided by day 30 were offers, and 20 of the 100 still waiting then: the
    # chance after 30 days equals the chance on the first day (ratio 1), so nothing is claimed.
    offers = [5] * 20 + [40] * 20
    rejections = [10] * 80 + [45] * 80
    log = hf.read_events(
        tracker(tmp_path, offers, rejections, 0), mapping=tmp_path / "tracker.toml"
    )
    ep = hf.episodes(log, "decision")
    c = compare_silence(ep, "offer", waited=30, horizon=horizon_of(ep), silence="no decision")
    assert (c.events_before, c.events_after) == (20, 20)
    assert c.ratio == pytest.approx(1.0, abs=1e-12)  # (20/100) / (40/200)
    assert not c.stated and c.ci_lower < 1 < c.ci_upper
    assert c.text.startswith("Too few offers to tell whether silence changes the chance:")
    assert "includes no change" in c.text


def test_a_clear_difference_is_stated_with_its_interval(sample) -> None:
    ep = hf.episodes(sample, "decision")
    h = silence_headline(ep, min_group=5)
    c = h.comparison
    assert c is not None and c.stated
    assert min(c.events_before, c.events_after) >= MIN_EVENTS and c.ci_upper < 1
    # The ratio is the still-hope estimate after 30 days over the one on day 0.
    hope = still_hope(ep, cause="offer", waited=[0, 30], horizon=h.horizon.days).table
    assert c.ratio == pytest.approx(hope["estimate"].iloc[1] / hope["estimate"].iloc[0], rel=1e-12)
    assert c.text.startswith("So silence is bad news here: after 30 days with no decision")
    assert f"about {100 * c.ratio:.0f}% of what it was" in c.text


def test_summary_and_report_say_the_same_sentences(sample, capsys) -> None:
    assert main(["summary", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    _, context = render_report(sample, min_group=5, clocks=["first_response", "decision"])
    head = context["headline"]
    for sentence in [head["baseline"], *head["sentences"], head["verdict"]]:
        assert sentence and sentence in out
    assert context["answers"] in out and context["funnel"] in out


def test_predict_without_covariates_gives_the_reports_number(sample, capsys, tmp_path) -> None:
    pending = tmp_path / "pending.csv"
    pending.write_text("waited,industry,company_size\n7,software,1-50\n30,software,1-50\n")
    assert main(["predict", str(SAMPLE), "--pending", str(pending), "--resamples", "0"]) == 0
    out = capsys.readouterr().out
    _, context = render_report(sample, min_group=5, clocks=["decision"])
    for s in (7, 30):
        sentence = next(x for x in context["headline"]["sentences"] if f"After {s} days" in x)
        share = re.search(r"is ([\d.]+%)", sentence).group(1)
        block = out.split(f"waited {s} days")[1]
        assert f"no decision yet, any application (as the report): {share}" in block
    assert "no answer yet, given industry, company_size:" in out


# -- item 7: what a job seeker asks next ---------------------------------------------------------


def test_answer_quantiles_in_words(sample) -> None:
    _, context = render_report(sample, min_group=5, clocks=["first_response", "decision"])
    text = context["answers"]
    assert re.fullmatch(
        r"Of the first answers that came within the \d+ days this log covers, half came within "
        r"\d+ days \(95% confidence interval \d+ to \d+ days\) and 90% within \d+ days \(95% "
        r"confidence interval \d+ to \d+ days\): after that, waiting longer rarely brings an "
        r"answer\.",
        text,
    ), text


def test_stage_counts_with_the_share_still_open(sample) -> None:
    counts = hf.stage_counts(sample).set_index(["step", "kind"])
    stages = {s.stage: s for s in funnel_stages(sample, min_group=5)}
    for step, word in [
        ("applied", "applied"),
        ("screen", "screened"),
        ("interview", "interviewed"),
    ]:
        row = counts.loc[(step, "reached")]
        assert stages[word].reached == f"{int(row['applications']):,}"
        assert stages[word].still_open == f"{100 * row['still_open'] / row['applications']:.0f}%"
    assert stages["offered"].still_open == "–"
    assert funnel_sentence(list(stages.values())).startswith(
        f"How far the applications got: {int(counts.loc[('applied', 'reached'), 'applications']):,} "
        "applied ("
    )


def test_small_stages_are_not_published(tmp_path: Path) -> None:
    # Three interviews among 40 applications: with k = 5 the count is "fewer than 5".
    rows = ["Company,Applied,Interview on,Rejected on"]
    for i in range(40):
        interview = f"2024-02-{10 + i % 3}" if i < 3 else ""
        rows.append(f"C{i},2024-02-01,{interview},2024-03-0{1 + i % 9}")
    path = tmp_path / "t.csv"
    path.write_text("\n".join(rows) + "\n")
    mapping = {
        "layout": "wide",
        "as_of": "2024-04-01",
        "columns": {"company_id": "Company"},
        "events": [
            {"event": "applied", "date": "Applied"},
            {"event": "interview", "date": "Interview on"},
            {"event": "rejection", "date": "Rejected on"},
        ],
    }
    log = hf.read_events(path, mapping=mapping)
    stages = {s.stage: s for s in funnel_stages(log, min_group=5)}
    assert stages["interviewed"].reached == "fewer than 5"
    assert stages["applied"].reached == "40" and stages["applied"].still_open == "0%"
    assert {s.stage: s.reached for s in funnel_stages(log, min_group=1)}["interviewed"] == "3"


def test_a_tracker_with_no_interviews_and_no_offers(tmp_path: Path, capsys) -> None:
    path = tracker(tmp_path, offers=[], rejections=[4, 8, 12] * 5, still_open=3)
    argv = ["summary", str(path), "--mapping", str(tmp_path / "tracker.toml"), "--min-group", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "18 applied (17% of them still open), 0 screened, 0 interviewed, 0 offered." in out
    # 15 rejected and 3 open: the binomial-type upper limit, in words (item 7).
    assert "No offer in the log yet: at most about" in out
    assert "Too few" not in out and "?" not in out.split("offer or a rejection)")[1]


def test_silence_with_nobody_followed_says_why(tmp_path: Path) -> None:
    # After day 14 only open applications are left: nothing was followed to a decision,
    # so there is no limit to give, and the sentence says so instead of "at most 100%".
    path = tracker(tmp_path, offers=[3, 9], rejections=[4, 8, 12] * 5, still_open=3)
    ep = hf.episodes(hf.read_events(path, mapping=tmp_path / "tracker.toml"), "decision")
    lines = silence_headline(ep, waited=[14]).sentences
    assert lines == (
        "After 14 days with no decision, none of the 3 applications still waiting on day 14 "
        "has had a decision yet, so the chance of an offer cannot be estimated from this log.",
    )


def test_stage_figures_on_an_engine_equal_pandas(tmp_path: Path) -> None:
    # A simulated log written to CSV and read both ways: one aggregate query on DuckDB
    # gives the pandas path's per-stage counts and candidates (hiring_funnel.analyses.stages).
    from hiring_funnel.analyses.stages import stage_figures
    from hiring_funnel.simulate.files import simulate_to_files

    simulate_to_files(600, tmp_path, seed=11)
    events = tmp_path / "events.csv"
    plain = hf.read_events(events)
    engine = hf.read_events(events, engine="duckdb")
    assert stage_figures(engine) == stage_figures(plain)
    assert stage_figures(plain)["applied"]["reached"] == 600
