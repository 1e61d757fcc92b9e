"""The README's "From your ATS to a report", run as written, leaks nothing personal.

The commands of the README's block run in a temporary folder (the key and the
shared folder there) on the bundled Greenhouse sample, whose free-text fields
hold fake names, emails and phone numbers planted on purpose
(data/ats/greenhouse/README.md). Every file written, the PDF's text and
everything printed is searched for each of them, for SHA-256 and MD5 of each
email (a plain hash is reversed by hashing a list of emails), and for the key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from hiring_funnel.cli import main
from hiring_funnel.simulate.greenhouse import planted_personal_data

ROOT = Path(__file__).resolve().parents[1]
EXPORT = ROOT / "data" / "ats" / "greenhouse" / "applications.json"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## From your ATS to a report", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the section has no sh block"
    joined = block.group(1).replace("\\\n", " ")
    return [line.split("#", 1)[0].strip() for line in joined.splitlines() if line.strip()]


def test_the_readme_shows_pseudonymise_validate_and_report() -> None:
    verbs = [shlex.split(c)[1] for c in readme_commands()]
    assert verbs == ["keygen", "pseudonymise", "validate", "report"]


def test_from_the_export_to_a_report_nothing_personal_reaches_any_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    printed = []
    for command in readme_commands():
        argv = shlex.split(command.replace("~/.hiring-funnel/", "secret/"))[1:]
        argv = [str(ROOT / a) if a.startswith("data/") else a for a in argv]
        if argv[0] == "keygen":
            (tmp_path / "secret").mkdir()
        assert main(argv) == 0, command
        captured = capsys.readouterr()
        printed.append(captured.out + captured.err)
    shared = tmp_path / "shared" / "greenhouse"
    outputs = {
        str(p.relative_to(tmp_path)): p.read_text(encoding="utf-8")
        for p in shared.rglob("*")
        if p.is_file() and p.suffix != ".pdf"
    }
    pdf = shared / "report" / "hiring_funnel_report.pdf"
    outputs["pdf text"] = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    outputs["printed"] = "\n".join(printed)
    assert "events.csv" in " ".join(outputs) and len(outputs["pdf text"]) > 1000

    planted = planted_personal_data(json.loads(EXPORT.read_text(encoding="utf-8")))
    export = EXPORT.read_text(encoding="utf-8")
    assert len(planted) > 100 and all(s in export for s in planted)
    emails = [s.lower() for s in planted if "@" in s]
    hashes = [h(e.encode()).hexdigest() for e in emails for h in (hashlib.sha256, hashlib.md5)]
    key = (tmp_path / "secret" / "hiring.key").read_text(encoding="ascii").strip()
    raw_key = bytes.fromhex(key)
    secrets = [key, raw_key.hex().upper(), base64.b64encode(raw_key).decode()]
    for name, text in outputs.items():
        folded = text.casefold()
        assert not [s for s in planted if s.casefold() in folded], name
        assert not [h for h in hashes if h in text], name
        assert not [s for s in secrets if s in text], name
        assert "anonymous" not in folded.replace("not anonymous", ""), name
