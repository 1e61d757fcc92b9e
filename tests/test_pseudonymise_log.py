"""Pseudonymising a log read through its mapping (--log, --mapping): every wait kept, nothing personal out.

The figures are checked against the log before pseudonymisation (the same
episodes, the same summary), the pseudonyms against a raw export's (they join).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.cli import main
from hiring_funnel.pseudonymisation import write_key

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "events.csv"
GREENHOUSE = ROOT / "tests" / "fixtures" / "ats" / "greenhouse" / "applications.json"
PLANTED = ("Ada Planted", "ada.planted@example.com", "Planted")


@pytest.fixture
def key(tmp_path: Path) -> Path:
    (tmp_path / "secret").mkdir()
    return write_key(tmp_path / "secret" / "k.key")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _episodes(log: hf.EventLog, clock: str) -> pd.DataFrame:
    ep = hf.episodes(log, clock)
    cols = ["duration", "cause"]
    return ep[cols].astype({"cause": str}).sort_values(cols).reset_index(drop=True)


def test_the_sample_gives_the_same_episodes_and_summary(
    key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, printed, _ = _run(
        ["pseudonymise", str(SAMPLE), "--key-file", str(key), "--out", str(out), "--log"], capsys
    )
    assert code == 0 and "pseudonymised (not anonymous) 11,158 events" in printed
    before = hf.read_events(SAMPLE, **_beside(SAMPLE))
    after = hf.read_events(out / "events.csv", **_beside(out / "events.csv"))
    for clock in ("first_response", "interview_feedback", "decision"):
        pd.testing.assert_frame_equal(_episodes(before, clock), _episodes(after, clock))
    # The command line finds attributes.csv and mapping.toml beside events.csv: the
    # summary's figures are the sample's, only the (moved) export date differs.
    assert main(["summary", str(SAMPLE)]) == 0
    plain = capsys.readouterr().out.splitlines()
    assert main(["summary", str(out / "events.csv")]) == 0
    moved = capsys.readouterr().out.splitlines()
    differ = [(a, b) for a, b in zip(plain, moved, strict=True) if a != b]
    assert [a.split()[0] for a, _ in differ] == ["as"]  # "as of 2026-11-20 ..."


def _beside(path: Path) -> dict[str, Path | None]:
    attrs, mapping = path.parent / "attributes.csv", path.parent / "mapping.toml"
    return {
        "attributes": attrs if attrs.exists() else None,
        "mapping": mapping if mapping.exists() else None,
    }


def test_an_ats_export_through_its_preset_leaves_every_personal_field_behind(
    key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert any(p in GREENHOUSE.read_text(encoding="utf-8") for p in PLANTED)
    out = tmp_path / "out"
    argv = ["pseudonymise", str(GREENHOUSE), "--key-file", str(key), "--out", str(out)]
    code, printed, err = _run([*argv, "--mapping", "greenhouse", "--k", "1"], capsys)
    assert code == 0, err
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    assert sorted(texts) == ["attributes.csv", "events.csv", "manifest.json", "mapping.toml"]
    for name, text in {**texts, "printed": printed + err}.items():
        for planted in PLANTED:
            assert planted.casefold() not in text.casefold(), (name, planted)
        assert "anonymous" not in text.replace("not anonymous", ""), name
    log = hf.read_events(GREENHOUSE, mapping="greenhouse")
    moved = hf.read_events(out / "events.csv", **_beside(out / "events.csv"))
    assert len(moved.events) == len(log.events)
    pd.testing.assert_frame_equal(_episodes(log, "decision"), _episodes(moved, "decision"))


def test_pseudonyms_join_a_raw_export_pseudonymised_with_the_same_key(
    key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--key-file", str(key)]
    assert main(["pseudonymise", str(SAMPLE), *args, "--out", str(tmp_path / "log"), "--log"]) == 0
    assert main(["pseudonymise", str(SAMPLE), *args, "--out", str(tmp_path / "raw")]) == 0
    capsys.readouterr()
    log = pd.read_csv(tmp_path / "log" / "events.csv")
    raw = pd.read_csv(tmp_path / "raw" / "pseudonymised.csv")
    assert set(log["application_id"]) == set(raw["application_id"])
    assert set(log["candidate_id"]) == set(raw["candidate_id"])


def test_raw_export_options_with_a_log_are_one_line(
    key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["pseudonymise", str(SAMPLE), "--key-file", str(key), "--out", str(tmp_path / "o")]
    code, _, err = _run([*argv, "--log", "--keep", "stage"], capsys)
    assert code == 1 and err.count("\n") == 1
    assert "--keep is for a raw export" in err and "Traceback" not in err


def test_the_engine_refuses_the_per_application_export_date_in_one_line(
    key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["pseudonymise", str(SAMPLE), "--key-file", str(key), "--out", str(out), "--log"]
    assert main(argv) == 0
    capsys.readouterr()
    code, _, err = _run(["summary", str(out / "events.csv"), "--engine", "duckdb"], capsys)
    assert code == 1 and "observed_until" in err and "Traceback" not in err


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_a_raw_export_with_its_export_date_keeps_every_wait(
    engine: str, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--as-of on a raw export: each row gets observed_until, moved with its candidate, and
    the file read back (the column becomes an attribute) gives the same episodes."""
    out = tmp_path / "out"
    argv = ["pseudonymise", str(SAMPLE), "--key-file", str(key), "--out", str(out)]
    as_of = "2026-11-20T17:00:00Z"  # the sample's export date (data/sample/mapping.toml)
    assert main([*argv, "--as-of", as_of, "--engine", engine]) == 0
    capsys.readouterr()
    before = hf.read_events(SAMPLE, as_of=as_of)
    after = hf.read_events(out / "pseudonymised.csv")
    assert "observed_until" in after.attributes.columns
    for clock in ("first_response", "interview_feedback", "decision"):
        pd.testing.assert_frame_equal(_episodes(before, clock), _episodes(after, clock))
    # Without it, open applications would wait their candidate's shift longer.
    plain = tmp_path / "plain"
    assert main(["pseudonymise", str(SAMPLE), "--key-file", str(key), "--out", str(plain)]) == 0
    wrong = hf.read_events(plain / "pseudonymised.csv", as_of=as_of)
    assert not _episodes(before, "decision").equals(_episodes(wrong, "decision"))
