"""Privacy audit (issue 10): nothing identifying in any output of report, summary and predict.

A simulated log gets distinctive identifiers planted in every column: ids holding
names, emails and both kinds of quote, free text with a phone number in the stage,
channel and event columns and in a ``note`` attribute, a ``recruiter_email``
attribute, and it lives in a folder whose path holds a user name
(``home/jane.doe``). Every command is run on it through the command line, and
every output is searched for the planted strings and fragments of them: the HTML
with its decoded figures, the PDF's text and metadata (``pdftotext``,
``pdfinfo``), the CSV written, stdout and stderr. The searches read what the
commands wrote, never the template.

Then the rules behind the numbers (hiring_funnel.report.privacy): the differencing
attack of the issue (two breakdowns and the regression's "left out" count gave
a cell of three candidates) as a test, small logs, outcome-mix bands, counts of
clocks that are not published, the at-risk rows under figures, and labels that
would break a terminal, an SVG or a PDF table.
"""

from __future__ import annotations

import base64
import html as htmllib
import re
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.cli import main
from hiring_funnel.report import render_report
from hiring_funnel.report.privacy import candidate_key, segment_labels

K = 5
#: Labels of the industry column that would break outputs: a terminal colour, control and
#: bidi characters, 10 KB of one word. They are categories (shared by many applications).
ESC_LABEL = "\x1b[31mSoftware\x1b[0m"
CONTROL_LABEL = "fin\x07ance\u202e"
LONG_LABEL = "Q" * 10_240
NOTE = "Spoke to Mary O'Neil, 555-867-5309"
#: Strings planted in the log and fragments of them: none may appear in any output.
PLANTED = (
    "kate.ohara",
    "O'Hara",
    "O&#39;Hara",
    "Kate",
    "example.com",
    "Quixote",
    "cand.example",
    "Xylophonic",
    "Widgets",
    "555 010",
    "Mary",
    "O'Neil",
    "O&#39;Neil",
    "867-5309",
    "8675309",
    "Spoke to",
    "bob.smith",
    "agency.example",
    "rita.recruiter",
    "hr.example",
    "jane.doe",
    "hiring data",
    "home/",
    "secret-note",
)


# -- the planted log -----------------------------------------------------------------------------


def _app_id(i: int) -> str:
    return f'O\'Hara "Kate" <kate.ohara.{i}@example.com>'


def planted_log(folder: Path, n: int = 500, seed: int = 5) -> Path:
    """A simulated log with identifiers in every column, written into ``folder``."""
    sim = hf.simulate(n, seed=seed)
    ev = sim.events.copy()
    attrs = sim.attributes.copy()
    apps = {a: _app_id(i) for i, a in enumerate(sorted(ev["application_id"].unique()))}
    people = {
        c: f"Zeb Quixote-{j} <zq{j}@cand.example>"
        for j, c in enumerate(sorted(ev["candidate_id"].unique()))
    }
    firms = {
        c: f"Xylophonic Widgets {j} Ltd, +1 555 010 {j:04d}"
        for j, c in enumerate(sorted(ev["company_id"].dropna().unique()))
    }
    ev["application_id"] = ev["application_id"].map(apps)
    ev["candidate_id"] = ev["candidate_id"].map(people)
    ev["company_id"] = ev["company_id"].map(firms)
    ev["stage"] = ev["stage"].where(ev["stage"].isna(), NOTE + " re stage")
    ev["channel"] = ev["channel"].where(ev["channel"].isna(), "via bob.smith@agency.example")
    # Free text typed into the event column, and dates that cannot be read, on planted ids:
    # these rows are quarantined, and their reasons quote the ids.
    bad = ev.iloc[:6].copy()
    bad["event"] = [NOTE, NOTE, "interview", "offer", NOTE, "screen"]
    ev = pd.concat([ev, bad], ignore_index=True)
    attrs["application_id"] = attrs["application_id"].map(apps)
    attrs["note"] = [f"{NOTE} about application {i}, secret-note" for i in range(len(attrs))]
    attrs["recruiter_email"] = [f"rita.recruiter{i % 3}@hr.example" for i in range(len(attrs))]
    attrs["industry"] = attrs["industry"].replace(
        {"software": ESC_LABEL, "healthcare": LONG_LABEL, "finance": CONTROL_LABEL}
    )
    folder.mkdir(parents=True)
    hf.write_simulated(sim, folder)
    # The simulator writes its own columns; the planted ones are written here.
    out = ev.drop(columns=["line"])
    out["timestamp"] = out["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.loc[len(out) - 2, "timestamp"] = "call Kate back"  # a date that cannot be read
    out.to_csv(folder / "events.csv", index=False, lineterminator="\n")
    attrs.to_csv(folder / "attributes.csv", index=False, lineterminator="\n")
    pending = pd.DataFrame(
        {
            "application_id": [_app_id(9001), _app_id(9002), _app_id(9003)],
            "note": [NOTE, "secret-note: ask Kate", "secret-note"],
            "waited": [3, 12, 30],
            "industry": ["retail", ESC_LABEL, "government"],
            "company_size": ["1-50", "5000+", "51-500"],
            "recruiter_email": ["rita.recruiter0@hr.example"] * 3,
        }
    )
    pending.to_csv(folder / "pending.csv", index=False)
    return folder / "events.csv"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    return " ".join(" ".join(parser.parts).split())


def svgs(page: str) -> list[str]:
    urls = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    return [base64.b64decode(u).decode("utf-8") for u in urls]


def pdf_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def pdf_info(path: Path) -> str:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every command on the planted log; every output kept as text, by where it came from."""
    root = tmp_path_factory.mktemp("audit")
    folder = root / "home" / "jane.doe" / "hiring data"
    events = planted_log(folder)
    pending = folder / "pending.csv"
    outputs: dict[str, str] = {}
    codes: dict[str, int] = {}
    capture = _Capture()
    runs = {
        "report": [
            "report",
            str(events),
            "--by",
            "industry",
            "company_size",
            "--out",
            str(folder / "reports"),
        ],
        "report-plain": ["report", str(events), "--format", "html", "--out", str(folder / "plain")],
        "summary": ["summary", str(events)],
        "summary-by": ["summary", str(events), "--by", "industry"],
        "summary-size": ["summary", str(events), "--by", "company_size", "--min-group", "5"],
        "predict": [
            "predict",
            str(events),
            "--pending",
            str(pending),
            "--resamples",
            "5",
            "--out",
            str(folder / "predictions.csv"),
        ],
        "predict-by": [
            "predict",
            str(events),
            "--pending",
            str(pending),
            "--resamples",
            "0",
            "--covariates",
            "industry",
        ],
    }
    for name in ("note", "recruiter_email"):
        runs[f"report-{name}"] = [
            "report",
            str(events),
            "--by",
            name,
            "--format",
            "html",
            "--out",
            str(folder / "x"),
        ]
        runs[f"summary-{name}"] = ["summary", str(events), "--by", name]
        runs[f"predict-{name}"] = [
            "predict",
            str(events),
            "--pending",
            str(pending),
            "--resamples",
            "0",
            "--covariates",
            name,
        ]
    for name, argv in runs.items():
        with capture:
            codes[name] = main(argv)
        outputs[f"{name} stdout"], outputs[f"{name} stderr"] = capture.out, capture.err
    page = (folder / "reports" / "hiring_funnel_report.html").read_text(encoding="utf-8")
    plain = (folder / "plain" / "hiring_funnel_report.html").read_text(encoding="utf-8")
    pdf = folder / "reports" / "hiring_funnel_report.pdf"
    outputs["report html"] = page
    outputs["report html text"] = htmllib.unescape(text_of(page))
    outputs["plain html"] = plain
    for i, svg in enumerate(svgs(page) + svgs(plain)):
        outputs[f"figure {i}"] = svg
        outputs[f"figure {i} text"] = htmllib.unescape(svg)
    outputs["pdf text"] = pdf_text(pdf)
    outputs["pdf info"] = pdf_info(pdf)
    outputs["predictions csv"] = (folder / "predictions.csv").read_text(encoding="utf-8")
    return {
        "outputs": outputs,
        "codes": codes,
        "folder": folder,
        "root": root,
        "page": page,
        "pdf": pdf,
    }


class _Capture:
    """stdout and stderr of one in-process command (capsys is function-scoped)."""

    def __enter__(self) -> None:
        import io
        import sys

        self._saved = sys.stdout, sys.stderr
        self._out, self._err = io.StringIO(), io.StringIO()
        sys.stdout, sys.stderr = self._out, self._err

    def __exit__(self, *exc: object) -> None:
        import sys

        sys.stdout, sys.stderr = self._saved
        self.out, self.err = self._out.getvalue(), self._err.getvalue()


# -- identifiers, free text and folders ----------------------------------------------------------


def test_every_command_ran(audit: dict[str, Any]) -> None:
    codes = audit["codes"]
    for name in (
        "report",
        "report-plain",
        "summary",
        "summary-by",
        "summary-size",
        "predict",
        "predict-by",
    ):
        assert codes[name] == 0, audit["outputs"][f"{name} stderr"]
    assert len([k for k in audit["outputs"] if k.startswith("figure") and k.endswith("text")]) >= 10


@pytest.mark.parametrize("column", ["note", "recruiter_email"])
@pytest.mark.parametrize("command", ["report", "summary", "predict"])
def test_free_text_and_email_columns_are_refused_with_the_rule(
    audit: dict[str, Any], command: str, column: str
) -> None:
    assert audit["codes"][f"{command}-{column}"] == 1
    err = audit["outputs"][f"{command}-{column} stderr"]
    assert err.count("\n") == 1 and f"cannot break down by '{column}'" in err
    rule = "email addresses" if column == "recruiter_email" else "phone numbers"
    assert rule in err


def test_no_planted_string_in_any_output(audit: dict[str, Any]) -> None:
    found = [
        (where, s)
        for where, text in audit["outputs"].items()
        for s in PLANTED
        if s.lower() in text.lower()
    ]
    assert found == []


def test_no_folder_of_the_log_in_any_output(audit: dict[str, Any]) -> None:
    folders = {str(audit["root"]), str(audit["folder"]), str(audit["folder"].parent)}
    found = [(where, f) for where, text in audit["outputs"].items() for f in folders if f in text]
    assert found == []
    text = audit["outputs"]["report html text"]
    # The footer gives the command with the files by their names.
    assert "hiring-funnel report events.csv --by industry company_size --out reports" in text


def test_predict_skips_free_text_columns_naming_only_the_column(audit: dict[str, Any]) -> None:
    out = audit["outputs"]["predict stdout"]
    assert "note: column 'note' is not used as a covariate: its values look like" in out
    assert "note: column 'recruiter_email' is not used as a covariate" in out
    assert "covariates: industry, company_size" in out
    # Columns by their names only, the file without its folders.
    assert "(columns of pending.csv not used: application_id, note, recruiter_email)" in out
    csv = audit["outputs"]["predictions csv"]
    assert list(pd.read_csv(pd.io.common.StringIO(csv)).columns[:4]) == [
        "line",
        "stage",  # the funnel stage of the pending row (issue 15, item 5), never a covariate
        "waited",
        "industry",
    ]


def test_quarantined_rows_are_published_by_kind(audit: dict[str, Any]) -> None:
    quality = quality_text(audit["page"])
    assert "why rows were left out" in quality
    assert "rows loaded" in quality
    # The kinds' fixed descriptions, never the reasons (which quote the ids and cells).
    assert "an event name the mapping does not know" in quality or "another problem" in quality


def test_privacy_section_counts_suppressed_segments(audit: dict[str, Any]) -> None:
    privacy = privacy_text(audit["page"])
    assert re.search(r"industry: \d+ segments? not shown", privacy) or "No segment had" in privacy


# -- labels that break outputs --------------------------------------------------------------------


def test_no_escape_or_control_character_in_any_output(audit: dict[str, Any]) -> None:
    bad = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
    found = [
        (where, m.group(0)) for where, text in audit["outputs"].items() for m in bad.finditer(text)
    ]
    assert found == []
    # A form feed only between the PDF's pages.
    assert not any("\x0c" in t for w, t in audit["outputs"].items() if w != "pdf text")
    # The labels are shown, cleaned: the colour codes' text without the escape.
    assert "[31mSoftware[0m" in audit["outputs"]["summary-by stdout"]
    assert "[31mSoftware[0m" in audit["outputs"]["report html text"]


def test_figures_are_valid_xml(audit: dict[str, Any]) -> None:
    figures = [
        t for k, t in audit["outputs"].items() if k.startswith("figure") and not k.endswith("text")
    ]
    for svg in figures:
        ET.fromstring(svg)  # raises on a control character in a label


def test_a_long_label_is_shortened_everywhere(audit: dict[str, Any]) -> None:
    for where, text in audit["outputs"].items():
        assert "Q" * 41 not in text, where


def test_the_pdf_table_keeps_its_numbers_on_the_page(audit: dict[str, Any]) -> None:
    """The row of the 10 KB label: its numbers are in the PDF's text right after the label."""
    rows = re.findall(
        r"<tr><td>(Q+…)</td><td class=\"num\">([\d,]+)</td><td class=\"num\">([^<]+)</td>",
        audit["page"],
    )
    assert rows, "the long label's segment is published"
    pdf = " ".join(audit["outputs"]["pdf text"].split())
    places = [m.start() for m in re.finditer(re.escape(rows[0][0]), pdf)]
    assert len(places) >= len(rows)
    for label, applications, still_open in rows:  # tables in the order of the page
        at = places.pop(0)
        assert pdf[at + len(label) :].split()[:2] == [applications, still_open.split()[0]]


# -- the differencing attack ----------------------------------------------------------------------


def owners(sim: hf.SimulatedLog) -> pd.Series:
    """Application -> candidate, in the simulator's log."""
    return sim.events.drop_duplicates("application_id").set_index("application_id")["candidate_id"]


@pytest.fixture(scope="module")
def two_breakdowns() -> dict[str, Any]:
    """Industry "tiny" and company size "micro" both hold the applications of the same three
    candidates X; "rare-a" (industry) and "rare-b" (company size) hold six other candidates
    each, Y and Z, disjoint. Each breakdown hides its small segment with its rare one, so the
    hidden applications of the two breakdowns overlap in X alone: a cell of three people.
    The issue's attack: hidden_A + hidden_B - left_out (the regression's count) = |X|."""
    sim = hf.simulate(1500, seed=11)
    attrs = sim.attributes.copy()
    owner = owners(sim)
    people = sorted(owner.unique())
    x, y, z = people[:3], people[3:9], people[9:15]
    mark = lambda who: attrs["application_id"].map(owner).isin(who)  # noqa: E731
    attrs.loc[mark(x), ["industry", "company_size"]] = ["tiny", "micro"]
    attrs.loc[mark(y), "industry"] = "rare-a"
    attrs.loc[mark(z), "company_size"] = "rare-b"
    log = hf.read_events(sim.events, attributes=attrs, as_of=sim.as_of)
    # One clock: on the others the rule "hidden on one clock, hidden on all" hides more.
    page, context = render_report(log, by=["industry", "company_size"], clocks=["first_response"])
    return {"log": log, "page": page, "context": context, "x": set(x)}


def _tables(page: str) -> list[tuple[str, list[list[str]]]]:
    """Each breakdown table: (its clock, its body rows as cell texts)."""
    out = []
    for clock, body in re.findall(
        r"<p><strong>([^<]+)</strong></p>\s*<table>.*?<tbody>(.*?)</tbody>", page, re.S
    ):
        rows = [
            [text_of(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        ]
        out.append((htmllib.unescape(clock), rows))
    return out


def _number(text: str) -> int | None:
    m = re.fullmatch(r"([\d,]+)(?: .*)?", text.strip())
    return int(m.group(1).replace(",", "")) if m else None


def test_the_differencing_attack_fails(two_breakdowns: dict[str, Any]) -> None:
    page, context, log = two_breakdowns["page"], two_breakdowns["context"], two_breakdowns["log"]
    ep = hf.episodes(log, "first_response")
    a, b = segment_labels(ep["industry"]), segment_labels(ep["company_size"])
    hidden_a = a.isin(context["breakdowns"][0]["hidden"]).to_numpy()
    hidden_b = b.isin(context["breakdowns"][1]["hidden"]).to_numpy()
    assert set(context["breakdowns"][0]["hidden"]) == {"tiny", "rare-a"}
    assert set(context["breakdowns"][1]["hidden"]) == {"micro", "rare-b"}
    cell = hidden_a & hidden_b
    assert set(candidate_key(ep[cell])) == two_breakdowns["x"]  # three people

    # What the page publishes about the first-answer waits, parsed from the HTML: the total,
    # and the applications and open waits of every published segment of each breakdown.
    text = htmllib.unescape(text_of(page))
    total = int(
        re.search(r"From applying to the first answer ([\d,]+) waits", text)[1].replace(",", "")
    )
    assert total == len(ep)
    answered = ep["cause"].notna().to_numpy()
    vectors, values = [np.ones(len(ep))], [total]
    tables = [rows for clock, rows in _tables(page) if clock == "From applying to the first answer"]
    assert len(tables) == 2
    for labels, rows in zip((a, b), tables, strict=True):
        for cells in rows:
            segment = (labels == cells[0]).to_numpy()
            assert segment.any()
            vectors.append(segment.astype(float))
            values.append(_number(cells[1]))
            if _number(cells[2]) is not None:
                vectors.append((segment & ~answered).astype(float))
                values.append(_number(cells[2]))
    matrix = np.column_stack(vectors)
    # Every number parsed is the size of the set it stands for.
    assert [int(v.sum()) for v in vectors] == values

    # The attack needed the regression's count of applications left out (the union of the
    # two hidden parts): with it, the cell is hidden_A + hidden_B - left_out.
    left_out = int((hidden_a | hidden_b).sum())
    hidden_total_a = total - sum(_number(r[1]) for r in tables[0])
    hidden_total_b = total - sum(_number(r[1]) for r in tables[1])
    assert hidden_total_a + hidden_total_b - left_out == int(cell.sum())
    regression = text[text.index("Regression models Segments") : text.index("Data quality")]
    numbers = {
        int(n.replace(",", "")) for n in re.findall(r"(?<![\d.])\d[\d,]*(?![\d.%])", regression)
    }
    assert left_out not in numbers and total - left_out not in numbers

    # No linear combination of the published counts gives the cell: it is not in their span.
    def residual(columns: np.ndarray) -> float:
        coef, *_ = np.linalg.lstsq(columns, cell.astype(float), rcond=None)
        return float(np.linalg.norm(columns @ coef - cell))

    assert residual(matrix) > 1.0
    # With the old "left out" count published, it is (the test can fail).
    assert residual(np.column_stack([matrix, (hidden_a | hidden_b).astype(float)])) < 1e-6


# -- small counts ---------------------------------------------------------------------------------


def small_log(candidates: int, n: int = 120, seed: int = 3) -> hf.EventLog:
    sim = hf.simulate(n, seed=seed)
    owner = owners(sim)
    keep = owner[owner.isin(sorted(owner.unique())[:candidates])].index
    ev = sim.events[sim.events["application_id"].isin(keep)]
    attrs = sim.attributes[sim.attributes["application_id"].isin(keep)]
    return hf.read_events(ev, attributes=attrs, as_of=sim.as_of)


def quality_text(page: str) -> str:
    """The data-quality section's text (the privacy section follows it in the same section)."""
    return htmllib.unescape(text_of(_between(page, '<section id="quality">', '<h2 id="privacy">')))


def privacy_text(page: str) -> str:
    return htmllib.unescape(text_of(_between(page, '<h2 id="privacy">', '<section id="methods"')))


def _between(text: str, start: str, end: str) -> str:
    at = text.index(start)
    return text[at : text.index(end, at + len(start))]


def test_a_log_of_three_candidates_publishes_no_count(tmp_path: Path) -> None:
    log = small_log(3)
    assert log.events["application_id"].nunique() >= 5 and log.rows_loaded >= 20
    with pytest.warns(UserWarning, match="fewer than 5 candidates"):
        page, _ = render_report(log, by=["industry"])
    quality = quality_text(page).replace("2026-11-20 17:00 UTC", "")
    assert "counts are not shown" in quality
    assert set(re.findall(r"\d+", quality)) == {"5"}
    assert set(re.findall(r"\d+", privacy_text(page))) <= {"5", "1"}
    # The summary says as much, and prints no count either.
    events = tmp_path / "events.csv"
    log.events.drop(columns="line").to_csv(events, index=False)
    capture = _Capture()
    with capture:
        assert main(["summary", str(events), "--as-of", "2026-11-20T17:00:00Z"]) == 0
    out = capture.out.replace("2026-11-20 17:00", "")
    assert "counts not shown (fewer than 5 candidates)" in out
    assert set(re.findall(r"\d+", out)) <= {"5", "95"}


def test_outcome_mix_bands_rest_on_k_candidates() -> None:
    sim = hf.simulate(300, seed=2)
    log = hf.read_events(sim.events, attributes=sim.attributes, as_of=sim.as_of)
    page, context = render_report(log, clocks=["decision"])
    mix = context["mix"]
    assert mix["merged"]  # the default bands had some of fewer than 5 candidates
    ep = hf.episodes(log, "decision")
    answered = ep[ep["cause"].notna()]
    rows = re.findall(
        r"<tr><td>([^<]+)</td><td class=\"num\">([\d,]+)</td><td class=\"num\">([^<]+)</td>",
        _between(page, '<section id="mix"', "</section>"),
    )
    assert len(rows) == len(mix["rows"]) >= 2
    for band, n, share in rows:
        lo, hi = (float(v) for v in re.findall(r"\d+", band)[:2]) if "-" in band else (0.0, 0.0)
        inside = answered[(answered["duration"] >= lo) & (answered["duration"] <= hi)]
        assert len(inside) == int(n.replace(",", ""))
        assert candidate_key(inside).nunique() >= K
        offers = candidate_key(inside[inside["cause"] == "offer"]).nunique()
        rest = candidate_key(inside[inside["cause"] != "offer"]).nunique()
        if 0 < offers < K or 0 < rest < K:
            assert share.startswith(("below", "above", "not shown")), (band, share)


def test_a_clock_that_is_not_published_shows_no_counts_anywhere() -> None:
    """Interviews of two candidates only: that clock is not shown, and its data-quality row
    gives no number of waits, answers or open waits."""
    sim = hf.simulate(300, seed=4)
    owner = sim.events["application_id"].map(owners(sim))
    two = sorted(owner.unique())[:2]
    ev = sim.events[(sim.events["event"] != "interview") | owner.isin(two)]
    log = hf.read_events(ev, attributes=sim.attributes, as_of=sim.as_of)
    page, context = render_report(log)
    ep = hf.episodes(log, "interview_feedback")
    assert 0 < ep["candidate_id"].nunique() < K and len(ep) >= 1
    text = htmllib.unescape(text_of(page))
    row = _between(
        quality_text(page), "From an interview to the next answer", "From applying to an"
    )
    assert (
        row
        == "From an interview to the next answer not shown: fewer than 5 candidates (see Privacy) "
    )
    waiting = _between(text, "How long until an answer Each", "How applications end")
    section = _between(waiting, "From an interview to the next answer", "From applying to an offer")
    assert not re.search(r"\d+ waits|\d+ answered", section)
    assert "From an interview" not in _between(
        text, "What a dashboard would tell you Dash", "How often"
    )


def test_at_risk_rows_under_figures_rest_on_k_candidates(audit: dict[str, Any]) -> None:
    """No number at risk under any figure is below k: curves cut at a segment's tail show the
    true number up to the cut (it used to print 0 past the last step of a segment's curve)."""
    sim = hf.simulate(600, seed=5)
    log = hf.read_events(sim.events, attributes=sim.attributes, as_of=sim.as_of)
    page, _ = render_report(log, by=["industry", "company_size", "role_level"])
    counted = 0
    for svg in svgs(page) + svgs(audit["page"]):
        cells = re.findall(r'<g id="at_risk">\s*<text[^>]*>([^<]*)</text>', svg)
        counted += len(cells)
        # Counts at risk are not whole where a wait was censored during its last day.
        assert all(float(c.replace(",", "")) >= K for c in cells), cells
    assert counted > 50
