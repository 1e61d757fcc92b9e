"""read_events_engine (DuckDB) against read_events (pandas): the same answers on every input.

Every comparison is to the pandas path run in the same test on the same file:
events, attributes, quarantined rows (with their lines), counts, problems,
meta, and the one-line error of a file that cannot be read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_malformed import CASES, CORPUS, Case

from hiring_funnel.engine.ingest import EngineLog, read_events_engine
from hiring_funnel.load import read_events
from hiring_funnel.outputs import write_guarded_csv
from hiring_funnel.schema import EventLog, HiringFunnelError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


def assert_same(engine: EngineLog, log: EventLog) -> None:
    """The engine's log equals the pandas one in everything read_events returns."""
    got = engine.to_event_log()
    pd.testing.assert_frame_equal(got.events, log.events)
    pd.testing.assert_frame_equal(got.attributes, log.attributes)
    pd.testing.assert_frame_equal(got.quarantine, log.quarantine)
    assert got.counts() == log.counts()
    assert engine.rows_read == engine.rows_loaded + engine.rows_skipped + engine.rows_quarantined
    assert got.problems == log.problems
    assert got.meta == log.meta
    assert (got.as_of, got.source) == (log.as_of, log.source)


def test_sample_reads_natively_and_equals_read_events(tmp_path: Path) -> None:
    args = {"mapping": SAMPLE / "mapping.toml", "attributes": str(SAMPLE / "attributes.csv")}
    engine = read_events_engine(str(SAMPLE / "events.csv"), **args)
    assert engine.meta["native"] and "fallback" not in engine.meta
    assert_same(engine, read_events(str(SAMPLE / "events.csv"), **args))
    # The events stay in the engine, as an Ibis table.
    assert engine.events.count().execute() == engine.rows_loaded


#: Corpus files the engine reads natively (the rest fall back to read_events).
NATIVE = {
    "after_as_of.csv",
    "all_ragged.csv",
    "attributes_file.csv",
    "bad_dates.csv",
    "conflicting_outcomes.csv",
    "crlf_blank_lines.csv",
    "dmy.csv",
    "dst_gap.csv",
    "event_values.csv",
    "exact_duplicate.csv",
    "formula.csv",
    "future_events.csv",
    "missing_id.csv",
    "missing_tokens.csv",
    "mixed_iso_mdy.csv",
    "quoted_newline.csv",
    "ragged.csv",
    "response_before_application.csv",
    "semicolon.csv",
    "tabs.tsv",
    "thousands.csv",
    "timezone.csv",
    "unknown_event.csv",
    "utf8_bom.csv",
}


def _kwargs(case: Case) -> dict[str, str | None]:
    args = dict(zip(case.args[::2], case.args[1::2], strict=True))
    return {
        "mapping": args.get("--mapping"),
        "attributes": args.get("--attributes"),
        "encoding": args.get("--encoding"),
        "as_of": args.get("--as-of"),
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_corpus_equals_read_events(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS)  # relative names, as the messages show them
    kwargs = _kwargs(case)
    try:
        expected = read_events(case.file, **kwargs)  # type: ignore[arg-type]
    except HiringFunnelError as exc:
        with pytest.raises(HiringFunnelError) as got:
            read_events_engine(case.file, **kwargs)  # type: ignore[arg-type]
        assert str(got.value) == str(exc)
        return
    engine = read_events_engine(case.file, **kwargs)  # type: ignore[arg-type]
    assert engine.meta["native"] == (case.file in NATIVE), engine.meta.get("fallback")
    assert_same(engine, expected)
    # The quarantine file, written by DuckDB, is the pandas one byte for byte.
    ours, theirs = tmp_path / "engine.csv", tmp_path / "pandas.csv"
    engine.write_quarantine(ours)
    write_guarded_csv(expected.quarantine, theirs)
    assert ours.read_bytes() == theirs.read_bytes()
