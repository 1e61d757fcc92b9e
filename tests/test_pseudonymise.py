"""Pseudonymisation of raw exports (issue 14, items 2 and 3).

The export below plants names, emails, phone numbers and a column of plain
SHA-256 hashes of the emails; every check reads the files the command wrote
(and what it printed), through the real command line, both engines.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hiring_funnel as hf
from hiring_funnel.cli import main
from hiring_funnel.day_boundary import SHARE_COLUMN, last_day_shares
from hiring_funnel.pseudonymisation import read_key, write_key
from hiring_funnel.pseudonymisation.hashing import normalise, pseudonyms, shift_days

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "events.csv"
FIRST = ["Aurelia", "Bartholomew", "Cosima", "Desmond", "Eulalie", "Fitzgerald", "Griselda"]
LAST = ["Vandersloot", "Quackenbush", "Oyelaran", "Przybylski", "Thistlewood", "Zamfirescu"]
DOMAINS = ["example.com", "mail.example.org", "corp.example.net"]


def email_dictionary(n: int = 10_000, seed: int = 14) -> list[str]:
    """Emails an attacker would try: seeded, the planted ones among them."""
    rng = np.random.default_rng(seed)
    out = [
        f"{f.lower()}.{last.lower()}{i}@{d}"
        for i, (f, last, d) in enumerate(itertools.product(FIRST, LAST, DOMAINS))
    ]
    while len(out) < n:
        a, b = rng.choice(FIRST), rng.choice(LAST)
        out.append(f"{a.lower()}{rng.integers(1, 10_000)}.{b.lower()}@{rng.choice(DOMAINS)}")
    return out[:n]


def planted_export(n_candidates: int = 60, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A raw export (one row per application) and its planted people."""
    rng = np.random.default_rng(seed)
    emails = email_dictionary()
    people = pd.DataFrame(
        {
            "name": [f"{FIRST[i % 7]} {LAST[i % 6]}" for i in range(n_candidates)],
            "email": [emails[i] for i in range(n_candidates)],
            "phone": [f"+44 7700 9{i:05d}" for i in range(n_candidates)],
        }
    )
    rows = []
    for i, person in people.iterrows():
        start = pd.Timestamp("2026-01-05") + pd.Timedelta(days=int(rng.integers(0, 200)))
        for j in range(int(rng.integers(1, 5))):
            applied = start + pd.Timedelta(days=int(rng.integers(0, 60)), hours=9 + j)
            answered = applied + pd.Timedelta(days=int(rng.integers(0, 40)), minutes=37)
            rows.append(
                {
                    "application_id": f"APP-{i:03d}-{j}",
                    # spelled differently on different rows: one person all the same
                    "email": person["email"].upper() if j % 2 else f" {person['email']}",
                    "phone": person["phone"],
                    "full_name": person["name"],
                    "applied": applied.strftime("%Y-%m-%d"),
                    "answered": None if j == 3 else answered.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "interview": (answered + pd.Timedelta(days=3)).strftime(
                        "%Y-%m-%dT%H:%M:%S+02:00"
                    ),
                    "industry": "mining" if i == 0 else ["retail", "software"][i % 2],
                    "notes": f"Spoke to {person['name']}, call {person['phone']} again",
                    "contact_sha256": hashlib.sha256(person["email"].encode()).hexdigest(),
                }
            )
    return pd.DataFrame(rows), people


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    (tmp_path / "secret").mkdir()
    return write_key(tmp_path / "secret" / "k.key")


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "export.csv"
    path.parent.mkdir()
    planted_export()[0].to_csv(path, index=False)
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def pseudonymise_cli(raw: Path, key: Path, out: Path, capsys, *extra: str) -> tuple[str, str]:
    code, stdout, stderr = run(
        ["pseudonymise", str(raw), "--key-file", str(key), "--out", str(out), *extra], capsys
    )
    assert code == 0, stderr
    return stdout, stderr


def output_texts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_no_plain_hash_of_any_dictionary_email_appears_in_any_output(
    raw: Path, key_file: Path, tmp_path: Path, capsys, engine: str
) -> None:
    out = tmp_path / "out"
    printed = "".join(pseudonymise_cli(raw, key_file, out, capsys, "--engine", engine))
    texts = output_texts(out)
    assert set(texts) == {"pseudonymised.csv", "manifest.json"}
    haystack = (printed + "".join(texts.values())).lower()
    digests = set()
    for email in email_dictionary():
        for form in {email, normalise(email), email.upper()}:
            digests.add(hashlib.sha256(form.encode()).hexdigest())
            digests.add(hashlib.md5(form.encode()).hexdigest())
    # the export planted sha256 hashes of its emails: the check would see them
    assert hashlib.sha256(email_dictionary()[0].encode()).hexdigest() in raw.read_text()
    found = [d for d in digests if d in haystack]
    assert found == []
    manifest = json.loads(texts["manifest.json"])
    assert "plain hashes" in manifest["dropped"]["contact_sha256"]


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_planted_names_emails_and_phones_appear_in_no_output(
    raw: Path, key_file: Path, tmp_path: Path, capsys, engine: str
) -> None:
    out = tmp_path / "out"
    printed = "".join(pseudonymise_cli(raw, key_file, out, capsys, "--engine", engine))
    haystack = (printed + "".join(output_texts(out).values())).casefold()
    digits = "".join(ch for ch in haystack if ch.isdigit() or ch == "\n")
    _, people = planted_export()
    for person in people.itertuples():
        assert person.email.casefold() not in haystack
        assert person.name.casefold() not in haystack
        for part in person.name.split():
            assert part.casefold() not in haystack
        assert person.phone.casefold() not in haystack
        assert "".join(ch for ch in person.phone if ch.isdigit()) not in digits
    manifest = json.loads(output_texts(out)["manifest.json"])
    assert set(manifest["hashed"]) == {"application_id", "email", "phone", "full_name"}
    assert set(manifest["dropped"]) == {"notes", "contact_sha256"}


def test_every_duration_weekday_and_time_of_day_is_unchanged(
    raw: Path, key_file: Path, tmp_path: Path, capsys
) -> None:
    pseudonymise_cli(raw, key_file, tmp_path / "out", capsys)
    before = pd.read_csv(raw, dtype=str)
    after = pd.read_csv(tmp_path / "out" / "pseudonymised.csv", dtype=str)
    assert len(before) == len(after)
    dates = ["applied", "answered", "interview"]
    stamps = {
        which: pd.DataFrame(
            {c: pd.to_datetime(frame[c], format="ISO8601", utc=True) for c in dates}
        )
        for which, frame in (("before", before), ("after", after))
    }
    person = before["email"].map(normalise)
    assert after.groupby(person)["email"].nunique().eq(1).all()  # one pseudonym per person
    checked = 0
    for _, rows in before.groupby(person).groups.items():
        b = stamps["before"].loc[rows].stack()
        a = stamps["after"].loc[rows].stack()
        assert a.index.equals(b.index)
        for x, y in itertools.combinations(range(len(b)), 2):
            assert a.iloc[y] - a.iloc[x] == b.iloc[y] - b.iloc[x]  # every duration
            checked += 1
        shift = a - b
        assert shift.nunique() == 1  # one shift per candidate
        days = shift.iloc[0] / pd.Timedelta(days=1)
        assert days % 7 == 0 and -182 <= days <= -7
        assert (a.dt.weekday == b.dt.weekday).all()
        assert (a.dt.time == b.dt.time).all()
    assert checked > 100
    # the offset and the time are kept as written
    assert after["interview"].str.endswith("+02:00").all()


def test_the_key_appears_in_no_output_and_nothing_printed(
    raw: Path, key_file: Path, tmp_path: Path, capsys
) -> None:
    printed = "".join(pseudonymise_cli(raw, key_file, tmp_path / "out", capsys))
    key = read_key(key_file)
    forms = [key.hex(), key.hex().upper(), base64.b64encode(key).decode(), str(key_file)]
    forms += [key_file.read_text().strip(), base64.urlsafe_b64encode(key).decode()]
    for path in (tmp_path / "out").iterdir():
        data = path.read_bytes()
        assert key not in data
        for form in forms:
            assert form.encode() not in data, path.name
    for form in forms[:-1]:
        assert form not in printed
    assert "k.key" not in (tmp_path / "out" / "manifest.json").read_text()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hiring_funnel", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


@pytest.mark.parametrize("problem", ["missing", "short", "world_readable", "group_readable"])
def test_a_bad_key_file_is_one_line_on_stderr(raw: Path, tmp_path: Path, problem: str) -> None:
    key = tmp_path / "k.key"
    if problem == "short":
        key.write_text(os.urandom(16).hex())
        key.chmod(0o600)
    elif problem.endswith("readable"):
        key.write_text(os.urandom(32).hex())
        key.chmod(0o644 if problem == "world_readable" else 0o640)
    result = _cli("pseudonymise", str(raw), "--key-file", str(key), "--out", "o", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    expected = {
        "missing": "key file not found",
        "short": "16 bytes long; a key of at least 32",
        "world_readable": "mode 0644",
        "group_readable": "mode 0640",
    }[problem]
    assert expected in lines[0]
    if key.exists():
        assert key.read_text() not in result.stderr
    assert not (tmp_path / "o").exists()


def test_keygen_writes_a_private_key_and_never_replaces_one(tmp_path: Path) -> None:
    first = _cli("keygen", "k.key", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    key = tmp_path / "k.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(read_key(key)) == 32 and key.read_text().strip() not in first.stdout
    before = key.read_bytes()
    again = _cli("keygen", "k.key", cwd=tmp_path)
    assert again.returncode == 1 and len(again.stderr.splitlines()) == 1
    assert "never replaced" in again.stderr and key.read_bytes() == before


def test_the_same_key_joins_two_exports_and_another_key_shares_nothing(
    raw: Path, key_file: Path, tmp_path: Path, capsys
) -> None:
    frame = pd.read_csv(raw, dtype=str)
    halves = [frame.iloc[::2], frame.iloc[1::2]]
    for i, half in enumerate(halves):
        half.to_csv(tmp_path / "in" / f"part{i}.csv", index=False)
    other = write_key(tmp_path / "secret" / "other.key")
    outs = {}
    for name, key, part in [("a", key_file, 0), ("b", key_file, 1), ("c", other, 1)]:
        pseudonymise_cli(tmp_path / "in" / f"part{part}.csv", key, tmp_path / name, capsys)
        outs[name] = pd.read_csv(tmp_path / name / "pseudonymised.csv", dtype=str)
    # the same person (by email) has the same pseudonym in both exports of one key
    a = dict(zip(halves[0]["email"].map(normalise), outs["a"]["email"], strict=True))
    b = dict(zip(halves[1]["email"].map(normalise), outs["b"]["email"], strict=True))
    common = set(a) & set(b)
    assert len(common) > 10 and all(a[e] == b[e] for e in common)
    for column in ("email", "phone", "full_name"):
        assert set(outs["a"][column]) & set(outs["b"][column])
    every = lambda df: set(df[["application_id", "email", "phone", "full_name"]].stack())  # noqa: E731
    assert every(outs["b"]) & every(outs["a"])
    assert not every(outs["c"]) & every(outs["a"])
    assert not every(outs["c"]) & every(outs["b"])


@pytest.mark.parametrize("digest", ["sha256", "md5"])
def test_an_identifier_column_of_plain_hashes_is_refused(
    tmp_path: Path, key_file: Path, capsys, digest: str
) -> None:
    frame, _ = planted_export()
    frame["email_hash"] = [hashlib.new(digest, e.encode()).hexdigest() for e in frame["email"]]
    path = tmp_path / "in" / "hashed.csv"
    path.parent.mkdir(exist_ok=True)
    frame.to_csv(path, index=False)
    code, out, err = run(
        [
            "pseudonymise",
            str(path),
            "--key-file",
            str(key_file),
            "--out",
            str(tmp_path / "o"),
            "--id",
            "email_hash",
        ],
        capsys,
    )
    assert code == 1 and len(err.splitlines()) == 1
    assert "column 'email_hash': its values look like plain hashes" in err
    assert "reversed by hashing a list" in err
    assert not (tmp_path / "o").exists()


def test_a_kept_column_with_emails_is_refused(raw: Path, key_file: Path, tmp_path, capsys) -> None:
    code, _, err = run(
        [
            "pseudonymise",
            str(raw),
            "--key-file",
            str(key_file),
            "--out",
            str(tmp_path / "o"),
            "--keep",
            "notes",
        ],
        capsys,
    )
    assert code == 1 and "phone numbers" in err and len(err.splitlines()) == 1


def test_no_input_is_overwritten(raw: Path, key_file: Path, tmp_path: Path, capsys) -> None:
    before = raw.read_bytes()
    for out, extra, message in [
        (raw.parent, [], "the output folder is not empty"),
        (raw, [], "is the input"),
        (raw, ["--force"], "is the input"),
        (key_file.parent, ["--force"], "the key file is in the output folder"),
    ]:
        code, _, err = run(
            ["pseudonymise", str(raw), "--key-file", str(key_file), "--out", str(out), *extra],
            capsys,
        )
        assert code == 1 and message in err and len(err.splitlines()) == 1, err
    # an input named like the output, in the output folder, with --force
    named = raw.parent / "pseudonymised.csv"
    named.write_bytes(before)
    code, _, err = run(
        [
            "pseudonymise",
            str(named),
            "--key-file",
            str(key_file),
            "--out",
            str(raw.parent),
            "--force",
        ],
        capsys,
    )
    assert code == 1 and "an input is never written over" in err
    assert raw.read_bytes() == before and named.read_bytes() == before
    assert sorted(p.name for p in raw.parent.iterdir()) == ["export.csv", "pseudonymised.csv"]


def test_small_levels_are_folded_and_not_named(raw: Path, key_file, tmp_path, capsys) -> None:
    pseudonymise_cli(raw, key_file, tmp_path / "out", capsys)
    after = pd.read_csv(tmp_path / "out" / "pseudonymised.csv", dtype=str)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    # "mining" is one candidate's: folded with the next smallest so that Other holds k
    assert "mining" not in set(after["industry"]) and "Other" in set(after["industry"])
    assert manifest["folded"] == {"industry": 2}
    assert "mining" not in json.dumps(manifest)
    assert manifest["kind"] == "pseudonymised" and manifest["k"] == 5
    assert not any("anonym" in p.name for p in (tmp_path / "out").iterdir())


def test_the_pandas_and_duckdb_paths_write_the_same_bytes(
    raw: Path, key_file: Path, tmp_path: Path, capsys
) -> None:
    for source in (raw, SAMPLE):
        for engine in ("pandas", "duckdb"):
            pseudonymise_cli(
                source, key_file, tmp_path / source.stem / engine, capsys, "--engine", engine
            )
        for name in ("pseudonymised.csv", "manifest.json"):
            a = (tmp_path / source.stem / "pandas" / name).read_bytes()
            assert a == (tmp_path / source.stem / "duckdb" / name).read_bytes(), name


def test_a_pseudonymised_log_reads_back_with_the_same_analysis(
    key_file: Path, tmp_path: Path, capsys
) -> None:
    pseudonymise_cli(SAMPLE, key_file, tmp_path / "out", capsys)
    out = tmp_path / "out" / "pseudonymised.csv"
    code, printed, err = run(["validate", str(out)], capsys)
    assert code == 0, err
    before, after = hf.read_events(SAMPLE), hf.read_events(out)
    assert after.rows_quarantined == 0 and len(after.events) == len(before.events)
    key = read_key(key_file)
    as_of = pd.Timestamp("2026-11-20T17:00:00Z")  # data/sample/mapping.toml
    ids = before.events["candidate_id"].astype(str)
    shift_of = dict(zip(pseudonyms(key, ids.unique()), shift_days(key, ids.unique()), strict=True))
    for clock in ("first_response", "decision"):
        ref = hf.episodes(before.events, clock, as_of=as_of)
        # the log has one export date; each candidate's is shifted with its dates
        shifted = after.events["candidate_id"].astype(str).map(shift_of)
        parts = [
            hf.episodes(group, clock, as_of=as_of + pd.Timedelta(days=int(days)))
            for days, group in after.events.groupby(shifted)
        ]
        got = pd.concat(parts)
        # The last-day shares pool every episode of the frame: those of the parts are
        # taken again over the whole (durations, causes and times of day are kept).
        got[SHARE_COLUMN] = last_day_shares(
            got["entry"].to_numpy(),
            got["duration"].to_numpy(),
            got["cause"].cat.codes.to_numpy(),
            got["origin"].array.asi8,
            got["end"].array.asi8,
        )
        ref_keys = pd.Series(pseudonyms(key, ref["application_id"].astype(str)), index=ref.index)
        ref = ref.assign(application_id=ref_keys).set_index("application_id").sort_index()
        got = got.set_index("application_id").sort_index()
        assert ref.index.astype(str).tolist() == got.index.astype(str).tolist()
        np.testing.assert_array_equal(got["duration"], ref["duration"])
        assert got["cause"].astype(str).tolist() == ref["cause"].astype(str).tolist()
        km_ref = hf.kaplan_meier(ref.reset_index()).table
        km_got = hf.kaplan_meier(got.reset_index()).table
        pd.testing.assert_frame_equal(km_ref, km_got)
        # answered waits are the same even read with the one export date
        plain = hf.episodes(after.events, clock, as_of=as_of).set_index("application_id")
        answered = ref["cause"].notna()
        np.testing.assert_array_equal(
            plain.loc[ref.index[answered], "duration"], ref.loc[answered, "duration"]
        )


CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["2026-01-27", "2026-02-30", "x@y.io", "+1 555 867 5309", "", '"', "Other"]),
    st.from_regex(r"[0-9a-f]{32}", fullmatch=True),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=4),
    rows=st.lists(st.lists(CELL, min_size=0, max_size=5), max_size=8),
    engine=st.sampled_from(["pandas", "duckdb"]),
)
def test_odd_input_gives_one_line_never_a_traceback(
    tmp_path_factory, header: list[str], rows: list[list[str]], engine: str
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    secret = folder / "secret"
    secret.mkdir()
    key = write_key(secret / "k.key")
    path = folder / "raw.csv"
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    result = subprocess_free_main(
        [
            "pseudonymise",
            str(path),
            "--key-file",
            str(key),
            "--out",
            str(folder / "o"),
            "--engine",
            engine,
        ]
    )
    code, err = result
    assert code in (0, 1)
    if code == 1:
        assert len(err.strip().splitlines()) == 1 and err.startswith("hiring-funnel: error:")
    else:
        assert json.loads((folder / "o" / "manifest.json").read_text())["kind"] == "pseudonymised"


def subprocess_free_main(args: list[str]) -> tuple[int, str]:
    """Run the command in this process, capturing stderr (a traceback would raise here)."""
    import contextlib
    import io

    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(args)
    return code, err.getvalue()
