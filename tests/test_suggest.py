"""`hiring-funnel mapping suggest FILE` (issue 12, item 10): a starting mapping that reads.

The checks are what a user does next with it: the TOML parses, the mapping
loads, and the file reads with it into the applications the file holds.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

import hiring_funnel as hf
from hiring_funnel.cli import main
from hiring_funnel.io.suggest import suggest_mapping

ROOT = Path(__file__).resolve().parents[1]
MERGED = ROOT / "data/real-logs/timhanneman/Merged.csv"
SAMPLE = ROOT / "data/sample/events.csv"


def test_the_real_tracker_gets_a_wide_mapping_that_reads_it() -> None:
    text = suggest_mapping(MERGED)
    m = tomllib.loads(text)
    assert m["layout"] == "wide" and m["date_format"] == "M/D/YYYY"
    assert m["as_of"] == {"column": "Current Date"}
    assert [e["event"] for e in m["events"]] == ["applied", "interview", "screen", "rejection"]
    rejection = m["events"][-1]
    assert rejection["plus_days"] == "Time to Rejection"
    assert rejection["when"] == {"column": "Response?", "in": ["Rejected"]}
    log = hf.read_events(MERGED, mapping=m)
    # Every row an application; the hand count (tests/test_real_log.py) has 177.
    assert log.rows_read == log.rows_loaded == 177
    assert log.events.loc[log.events["event"] == "applied", "application_id"].nunique() == 177
    assert log.as_of == pd.Timestamp("2023-03-13 18:51:27", tz="UTC")


def test_a_long_log_reads_as_with_no_mapping() -> None:
    m = tomllib.loads(suggest_mapping(SAMPLE))
    assert m["layout"] == "long"
    assert m["columns"] == {
        "application_id": "application_id",
        "event": "event",
        "timestamp": "timestamp",
    }
    as_of = "2026-11-20T17:00:00Z"
    got = hf.read_events(SAMPLE, mapping=m, as_of=as_of)
    want = hf.read_events(SAMPLE, as_of=as_of)
    pd.testing.assert_frame_equal(
        got.events[["application_id", "event", "timestamp"]],
        want.events[["application_id", "event", "timestamp"]],
    )


def test_day_first_dates_and_awkward_names_still_give_valid_toml(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        'Firm,"Sent ""on""",Status\nA,25/03/2024,"Rejected\nlate"\nB,26/03/2024,Open\n'
        "C,27/03/2024,Open\n",
        encoding="utf-8",
    )
    m = tomllib.loads(suggest_mapping(path))
    assert m["date_format"] == "D/M/YYYY"
    assert m["events"][0] == {"event": "applied", "date": 'Sent "on"', "required": True}


def test_the_command_prints_it(capsys) -> None:
    assert main(["mapping", "suggest", str(SAMPLE)]) == 0
    assert 'layout = "long"' in capsys.readouterr().out
    assert main(["mapping", "suggest", "no-such-file.csv"]) == 1
    assert "no-such-file.csv: file not found" in capsys.readouterr().err
