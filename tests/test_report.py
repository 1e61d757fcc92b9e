"""The HTML and PDF report: content, privacy, safety of data text, errors, progress.

The PDF's text is read back with ``pdftotext`` (Debian's poppler-utils,
installed by scripts/system-deps.sh); a missing tool fails
test_pdftotext_is_installed rather than skipping anything.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.cli.report import main as report_main
from hiring_funnel.report import ReportWarning, render_report, report
from hiring_funnel.schema import EventLog, HiringFunnelError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "events.csv"
TRACKER = ROOT / "data" / "real-logs" / "timhanneman" / "Merged.csv"
HOSTILE = ("<img src=x onerror=alert(1)>", "Ba$$in", '=HYPERLINK("http://x")')
SECTIONS = (
    "In plain words",
    "How long until an answer",
    "How applications end: offer or rejection",
    "Do late answers still bring offers?",
    "What a dashboard would tell you",
    "Breakdowns",
    "Regression models",
    "Data quality",
    "Privacy",
    "Methods and references",
)
#: Sections that start a new page in the PDF.
NEW_PAGE = SECTIONS[1:5] + ("Breakdowns", "Regression models", "Methods and references")


def needs_pdftotext(test: Any) -> Any:
    """Marks tests that read the PDF back; the tool is checked once, below, not skipped."""
    return test


def test_pdftotext_is_installed() -> None:
    assert shutil.which("pdftotext"), (
        "pdftotext is missing: run scripts/system-deps.sh (Debian poppler-utils)"
    )


# -- helpers -------------------------------------------------------------------------------------


class _Page(HTMLParser):
    """Text, tags and URL attributes of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []
        self.urls: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._skip += tag in ("style", "script")
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "srcset", "action")]

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def page_text(html: str) -> str:
    return " ".join(" ".join(parse(html).text).split())


def svgs(html: str) -> list[str]:
    urls = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    return [base64.b64decode(u).decode("utf-8") for u in urls]


def svg_texts(html: str) -> list[str]:
    """The text drawn in the figures (matplotlib writes each label as one <text> element)."""
    out = []
    for svg in svgs(html):
        out += [
            parse(t).text[0] if parse(t).text else ""
            for t in re.findall(r"<text[^>]*>.*?</text>", svg, re.S)
        ]
    return out


def pdf_pages(path: Path) -> list[str]:
    raw = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [" ".join(p.split()) for p in raw.split("\f")[:-1]]


def identifiers(log: EventLog) -> set[str]:
    ids: set[str] = set()
    for col in ("application_id", "candidate_id", "company_id"):
        ids |= set(log.events[col].dropna().astype(str))
    return ids


def leaked(ids: set[str], text: str) -> list[str]:
    """Identifiers found in text as whole words (so "Amax" is not found in "Amaxing")."""
    words = set(re.findall(r"[\w-]+", text))
    simple = {i for i in ids if re.fullmatch(r"[\w-]+", i)}
    found = sorted(simple & words)
    for i in sorted(ids - simple):  # names with spaces or punctuation: "Monterey County"
        if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text):
            found.append(i)
    return found


def simulated(n: int = 600, seed: int = 5, **labels: str) -> EventLog:
    sim = hf.simulate(n, seed=seed)
    attrs = sim.attributes.copy()
    attrs["industry"] = attrs["industry"].replace(labels)
    return hf.read_events(sim.events, attributes=attrs, as_of=sim.as_of)


# -- the sample, through the command --------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample's report made by the command with the default output folder."""
    cwd = tmp_path_factory.mktemp("sample")
    argv = [str(SAMPLE), "--by", "industry", "company_size"]
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        assert report_main(argv) == 0
    html_path = cwd / "reports" / "hiring_funnel_report.html"
    log = hf.read_events(
        SAMPLE,
        attributes=SAMPLE.parent / "attributes.csv",
        mapping=SAMPLE.parent / "mapping.toml",
    )
    return {
        "html": html_path.read_text(encoding="utf-8"),
        "pdf": cwd / "reports" / "hiring_funnel_report.pdf",
        "log": log,
    }


def test_default_output_is_reports_html_and_pdf(sample: dict[str, Any]) -> None:
    assert sample["pdf"].read_bytes().startswith(b"%PDF-")
    assert sample["html"].startswith("<!DOCTYPE html>")


def test_every_section_and_the_facts_of_the_run(sample: dict[str, Any]) -> None:
    text = page_text(sample["html"])
    for title in SECTIONS:
        assert title in text
    assert "data as of 2026-11-20 17:00 UTC" in text  # the sample's mapping.toml
    assert f"hiring_funnel {hf.__version__}" in text
    # The command as typed (the module's prototype names itself "report"), the log by its
    # file name: its folders may hold a user name.
    assert "hiring-funnel report events.csv --by industry company_size" in text
    assert str(SAMPLE.parent) not in sample["html"]
    assert "Not yet available in this version" not in text  # the old regression placeholder


def test_headline_in_plain_words_with_intervals(sample: dict[str, Any]) -> None:
    text = page_text(sample["html"])
    found = re.findall(
        r"After (7|14|30) days with no decision, the chance of an offer within the \d+ days "
        r"this log covers is [\d.]+% \(95% confidence interval [\d.]+% to [\d.]+%; [\d,]+ applications "
        r"were still waiting on day \1\)\.",
        text,
    )
    assert found == ["7", "14", "30"]


def test_naive_figures_beside_censoring_aware_ones_with_the_bias(sample: dict[str, Any]) -> None:
    text = page_text(sample["html"])
    # First answer in the sample: dashboard median 5 days, Kaplan-Meier median 12 (12 to 14)
    # (the same numbers as `hiring-funnel summary data/sample/events.csv`; 13 before the
    # day boundary of issue 15, item 3, counted the waits open at 17:00 on all of that day).
    summary = hf.summarise(sample["log"], clocks=["first_response"]).iloc[0]
    assert (summary.naive_median_wait, summary.median_wait) == (5.0, 12.0)
    assert "5 days (9.6 days) 12 days 12 to 14 days 7 days too short (58% below" in text
    assert "Offers ÷ all applications" in text and "Offers ÷ decided applications" in text


def test_data_quality_counts(sample: dict[str, Any]) -> None:
    text = page_text(sample["html"])
    assert "events.csv: 11,158 rows read = 11,158 rows loaded + 0 quarantined" in text
    assert "attributes.csv: 5,000 rows read = 5,000 rows loaded + 0 quarantined" in text


def test_html_is_self_contained(sample: dict[str, Any]) -> None:
    page = parse(sample["html"])
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    assert page.urls and all(u.startswith("data:image/svg+xml;base64,") for u in page.urls)
    assert "@import" not in sample["html"] and "url(" not in sample["html"]
    assert "default-src 'none'" in sample["html"]  # the browser may fetch nothing at all


def test_no_identifier_in_html_figures_or_pdf(sample: dict[str, Any]) -> None:
    ids = identifiers(sample["log"])
    assert len(ids) > 5000
    assert leaked(ids, page_text(sample["html"])) == []
    assert leaked(ids, " ".join(svgs(sample["html"]))) == []
    if shutil.which("pdftotext"):
        assert leaked(ids, " ".join(pdf_pages(sample["pdf"]))) == []


@needs_pdftotext
def test_pdf_pages_headline_and_section_titles(sample: dict[str, Any]) -> None:
    pages = pdf_pages(sample["pdf"])
    assert 10 <= len(pages) <= 20
    first = pages[0]
    assert first.startswith("When do employers answer?")
    assert "In plain words" in first
    assert re.search(r"After 14 days with no decision, the chance of an offer within", first)
    for title in NEW_PAGE:
        starts = [i for i, p in enumerate(pages) if p.startswith(title)]
        assert starts, f"no page starts with {title!r}"
    everything = " ".join(pages)
    for title in SECTIONS:
        assert title in everything
    assert f"page 1 of {len(pages)}" in first


# -- the real tracker ----------------------------------------------------------------------------


def test_tracker_of_one_person_is_suppressed_by_default(tmp_path: Path) -> None:
    with pytest.warns(ReportWarning, match="fewer than 5 candidates"):
        paths = report(TRACKER, mapping="timhanneman", by=["job_level"], out=tmp_path)
    text = page_text(paths["html"].read_text(encoding="utf-8"))
    assert "No figures in this report" in text and "--min-group 1" in text
    # One person's log: not even the counts of rows or events are published.
    assert "counts are not shown" in text
    assert not re.search(r"\b(176|177)\b", text)
    assert svgs(paths["html"].read_text(encoding="utf-8")) == []


def test_tracker_report_for_its_owner(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportWarning)
        paths = report(
            TRACKER,
            mapping="timhanneman",
            by=["job_level", "company_type"],
            min_group=1,
            out=tmp_path,
        )
    html = paths["html"].read_text(encoding="utf-8")
    text = page_text(html)
    assert "data as of 2023-03-13 18:51 UTC" in text
    assert re.search(r"After 14 days with no decision", text)
    log = hf.read_events(TRACKER, mapping="timhanneman")
    ids = identifiers(log)  # company names such as "Monterey County"
    assert "Monterey County" in ids
    assert leaked(ids, text) == []
    assert leaked(ids, " ".join(svg_texts(html))) == []
    if shutil.which("pdftotext"):
        assert leaked(ids, " ".join(pdf_pages(paths["pdf"]))) == []


# -- hostile labels and small segments -----------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    log = simulated(
        300,
        restaurants=HOSTILE[0],
        finance=HOSTILE[1],
        healthcare=HOSTILE[2],
        retail="Café ünïcode",
    )
    paths = report(log, by=["industry"], out=tmp_path_factory.mktemp("hostile"))
    return {"html": paths["html"].read_text(encoding="utf-8"), "pdf": paths["pdf"]}


def test_hostile_labels_are_text_in_the_html(hostile: dict[str, Any]) -> None:
    html = hostile["html"]
    assert "<img src=x" not in html and "onerror=alert(1)>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    parsed = parse(html)
    assert parsed.tags.count("img") == len(svgs(html))  # no image but the figures
    text = " ".join(parsed.text)
    for label in HOSTILE:
        assert label in text
    assert "Café ünïcode" in text


def test_hostile_labels_are_plain_text_in_the_figures(hostile: dict[str, Any]) -> None:
    drawn = svg_texts(hostile["html"])
    for label in HOSTILE:
        assert label in drawn  # a legend entry or an at-risk label, drawn literally
    assert not any(label.startswith("\\") or "\\$" in label for label in drawn)
    for svg in svgs(hostile["html"]):
        assert "<img" not in svg and "<script" not in svg


@needs_pdftotext
def test_hostile_labels_are_text_in_the_pdf(hostile: dict[str, Any]) -> None:
    text = " ".join(pdf_pages(hostile["pdf"]))
    for label in HOSTILE:
        assert label in text
    assert "Café ünïcode" in text


@pytest.fixture(scope="module")
def small_segment() -> dict[str, Any]:
    """The sample's simulator, with every application of three candidates in industry "tiny"."""
    sim = hf.simulate(1500, seed=11)
    attrs = sim.attributes.copy()
    owners = sim.events.drop_duplicates("application_id").set_index("application_id")[
        "candidate_id"
    ]
    three = sorted(owners.unique())[:3]
    tiny = owners[owners.isin(three)].index
    attrs.loc[attrs["application_id"].isin(tiny), "industry"] = "tiny"
    log = hf.read_events(sim.events, attributes=attrs, as_of=sim.as_of)
    html, context = render_report(log, by=["industry"])
    return {"log": log, "context": context, "html": html, "tiny": set(tiny)}


def test_a_segment_of_three_candidates_is_suppressed(small_segment: dict[str, Any]) -> None:
    section = small_segment["context"]["breakdowns"][0]
    assert section["hidden"]["tiny"] == "too_few"
    for table in section["tables"]:
        assert "tiny" not in [row["segment"] for row in table["rows"]]
    privacy = small_segment["context"]["privacy"]["segments"]
    # Counted, not named.
    assert privacy == [
        {
            "column": "industry",
            "count": len(section["hidden"]),
            "text": f"industry: {len(section['hidden'])} segments not shown",
        }
    ]


def test_published_numbers_do_not_reveal_the_small_segment(
    small_segment: dict[str, Any],
) -> None:
    context = small_segment["context"]
    section = context["breakdowns"][0]
    clocks = {c["title"]: c for c in context["clocks"]}
    ep = hf.episodes(small_segment["log"], "first_response")
    tiny = ep[ep["application_id"].isin(small_segment["tiny"])]
    table = section["tables"][0]
    assert table["clock"] == "From applying to the first answer"
    total = int(clocks[table["clock"]]["episodes"].replace(",", ""))
    published = sum(int(r["applications"].replace(",", "")) for r in table["rows"])
    # Total minus the published segments is what subtraction recovers: the tiny segment
    # together with its complement, never the tiny segment alone.
    hidden = section["hidden"]
    assert set(hidden.values()) == {"too_few", "complementary"}
    assert len(hidden) >= 2
    assert total - published > len(tiny)
    others = ep[~ep["application_id"].isin(small_segment["tiny"])]
    complement = [label for label in hidden if label != "tiny"]
    assert total - published == len(tiny) + int(others["industry"].isin(complement).sum())
    assert others.loc[others["industry"].isin(complement), "candidate_id"].nunique() >= 5


def test_the_small_segment_is_in_no_figure_or_table(small_segment: dict[str, Any]) -> None:
    html = small_segment["html"]
    assert all("tiny" not in t for t in svg_texts(html))
    # Not even the privacy section names it.
    assert "tiny" not in html


# -- options, errors, progress -------------------------------------------------------------------


def test_one_clock_only(tmp_path: Path) -> None:
    log = simulated(300, seed=3)
    paths = report(log, clocks=["first_response"], formats="html", out=tmp_path)
    text = page_text(paths["html"].read_text(encoding="utf-8"))
    assert "the chance of a positive answer within" in text
    assert "From applying to an offer or a rejection" not in text.split("Data quality")[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"formats": "html,docx"}, "unknown report format 'docx'"),
        ({"clocks": ["decisions"]}, "unknown clock 'decisions'"),
        ({"by": ["candidate_id"]}, "never shows identifiers"),
        ({"by": ["sector"]}, "no attribute 'sector'"),
        ({"min_group": 0}, "min_group must be a whole number"),
        ({"mapping": "timhanneman"}, "not to an EventLog"),
    ],
)
def test_errors_a_user_can_fix(kwargs: dict[str, Any], message: str, tmp_path: Path) -> None:
    with pytest.raises(HiringFunnelError, match=re.escape(message)):
        report(simulated(100, seed=1), out=tmp_path, **kwargs)


def test_command_prints_one_line_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = report_main([str(tmp_path / "nope.csv"), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "nope.csv: file not found" in err


def test_missing_system_libraries_name_the_debian_packages(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class NoPango:
        def find_spec(self, name: str, *args: Any) -> None:
            if name == "weasyprint":
                raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open")

    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [NoPango(), *sys.meta_path])
    with pytest.raises(HiringFunnelError) as info:
        report(simulated(100, seed=1), out=tmp_path, formats="pdf")
    message = str(info.value)
    assert "\n" not in message
    assert "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core" in message
    assert "cannot load library 'libpango-1.0-0'" in message


def test_progress_bar_only_when_asked_or_on_a_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = simulated(150, seed=2)
    one = {"out": tmp_path, "formats": "html", "clocks": "first_response"}
    report(log, **one)  # stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""
    report(log, **one, progress=True)
    err = capsys.readouterr().err
    assert "/6" in err and "done" in err


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """Run the command with stderr on a pseudo-terminal of 100 columns, as in a shell."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    sim = hf.simulate(200, seed=4)
    hf.write_simulated(sim, tmp_path)
    argv = [sys.executable, "-m", "hiring_funnel.report", str(tmp_path / "events.csv")]
    argv += ["--clock", "first_response", "--format", "html", "--out", str(tmp_path / "out")]
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal with a width, as tqdm needs to draw its bar
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        os.execv(sys.executable, argv)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "writing the HTML" in text and "█" in text and "6/6" in text


def test_the_report_writes_no_csv(sample: dict[str, Any]) -> None:
    # Any CSV the tool writes goes through io.write_guarded_csv; the report writes none.
    assert sorted(p.suffix for p in sample["pdf"].parent.iterdir()) == [".html", ".pdf"]


def test_python_call_is_recorded_as_the_command(tmp_path: Path) -> None:
    log = simulated(150, seed=2)
    paths = report(log, out=tmp_path, formats="html", by="industry", clocks="first_response")
    text = page_text(paths["html"].read_text(encoding="utf-8"))
    assert (
        "hiring_funnel.report.report(<EventLog>, by=['industry'], clocks='first_response'" in text
    )
    # Paths by their file names.
    assert f"out='{tmp_path.name}'" in text and str(tmp_path.parent) not in text


def test_pandas_frame_source(tmp_path: Path) -> None:
    frame = pd.read_csv(SAMPLE, dtype=str).head(400)
    paths = report(
        frame, formats="html", out=tmp_path, as_of="2026-11-20T17:00:00Z", clocks="first_response"
    )
    assert "hiring_funnel_report.html" == paths["html"].name
