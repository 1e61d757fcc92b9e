"""The report's "every stage of the funnel" section (issue 15, item 1): numbers and suppression."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hiring_funnel as hf
from hiring_funnel.report.stages import stages_section

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def log() -> hf.EventLog:
    return hf.read_events(SAMPLE / "events.csv")


def test_the_chances_are_still_hope_from_each_stage_at_the_published_horizon(log) -> None:
    section = stages_section(log, min_group=5)
    assert section["notice"] is None
    assert [r["stage"] for r in section["rows"]] == ["No answer yet", "Screened", "Interviewed"]
    paths = hf.state_paths(log)
    horizon = float(section["horizon"])
    # The horizon is the last day 5 candidates are still followed in an open stage: past it
    # fewer than 5 candidates' paths go on.
    last = paths.groupby("candidate_id", observed=True)["stop"].max().to_numpy()
    assert (last >= horizon).sum() >= 5 and (last > horizon).sum() < 5
    hope = hf.still_hope_from(paths, stage="screened", waited=[7.0], horizon=horizon).table
    cell = section["rows"][1]["cells"][1]
    assert cell["share"] == f"{100 * hope['estimate'].iloc[0]:.1f}%"
    assert section["figure"].startswith("data:image/svg+xml")


def test_a_stage_of_few_candidates_on_a_day_is_not_shown(log) -> None:
    paths = hf.state_paths(log)
    there = (paths["from_state"] == "interviewed") & (paths["start"] <= 0) & (paths["stop"] > 0)
    k = int(paths.loc[there, "candidate_id"].nunique())  # 8 on the sample
    assert 1 < k < 50
    shown = stages_section(log, min_group=k)["rows"][2]["cells"][0]
    hidden = stages_section(log, min_group=k + 1)["rows"][2]["cells"][0]
    assert shown["share"].endswith("%") and shown["n"]
    assert hidden == {"share": "not shown", "ci": "", "n": ""}


def test_a_log_of_fewer_candidates_than_the_minimum_shows_a_notice(log) -> None:
    n = int(np.unique(hf.state_paths(log)["candidate_id"].astype(str)).size)
    section = stages_section(log, min_group=n + 1)
    assert section["notice"].startswith("Not shown")
    assert "figure" not in section
