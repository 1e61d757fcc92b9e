"""HTML and PDF reports for people who do not open notebooks: :func:`report`.

One call (or ``hiring-funnel report PATH``) reads a log, works out every figure
with the censoring-aware estimators, suppresses what could identify a
candidate (:mod:`hiring_funnel.report.privacy`), and writes
``reports/hiring_funnel_report.html`` and ``.pdf`` from one Jinja2 template.
Both carry one run id and are replaced together, or neither is
(:mod:`hiring_funnel.outputs`).
"""

from __future__ import annotations

import re
import shlex
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from hiring_funnel.clocks import CLOCKS
from hiring_funnel.observation import attribute_names
from hiring_funnel.report.privacy import (
    DEFAULT_MAX_LEVELS,
    DEFAULT_MIN_GROUP,
    check_breakdown_column,
    check_max_levels,
    check_min_group,
)
from hiring_funnel.report.published import file_name
from hiring_funnel.schema import EventLog, HiringFunnelError
from hiring_funnel.text import clean_label, short_label

__all__ = ["DEFAULT_NAME", "FORMATS", "ReportWarning", "render_report", "report"]

#: Output formats, in the order they are written.
FORMATS: tuple[str, ...] = ("html", "pdf")
#: File name of the report without its suffix.
DEFAULT_NAME = "hiring_funnel_report"


class ReportWarning(UserWarning):
    """Something the reader of a finished report should know (e.g. every figure was suppressed)."""


def report(
    source: str | Path | pd.DataFrame | EventLog,
    *,
    mapping: Any = None,
    attributes: str | Path | pd.DataFrame | None = None,
    encoding: str | None = None,
    as_of: str | pd.Timestamp | None = None,
    observed_from: str | pd.Timestamp | None = None,
    by: str | Sequence[str] = (),
    clocks: str | Sequence[str] | None = None,
    out: str | Path = "reports",
    formats: str | Sequence[str] = FORMATS,
    min_group: int = DEFAULT_MIN_GROUP,
    horizon: float | None = None,
    max_levels: int = DEFAULT_MAX_LEVELS,
    command: str | None = None,
    progress: bool | None = None,
    engine: Any = None,
    table: str | None = None,
) -> dict[str, Path]:
    """Write the HTML and PDF report of a log; return the paths written, by format.

    Parameters
    ----------
    source : path, DataFrame or EventLog
        The log, as for :func:`hiring_funnel.read_events`, or a log already read.
        For a file named ``events.csv`` with ``attributes.csv`` and
        ``mapping.toml`` beside it (the simulator's layout, ``data/sample``),
        those are used unless ``attributes`` or ``mapping`` are given.
    mapping, attributes, encoding, as_of, observed_from
        As in :func:`hiring_funnel.read_events` (not with an EventLog).
    by : str or sequence of str
        Attribute columns to break the figures down by, one section each.
    clocks : str or sequence of str, optional
        Clocks to report on; all three by default.
    out : path
        The folder to write to (made if missing). Its
        ``hiring_funnel_report.html`` and ``.pdf`` are replaced without asking,
        atomically and together (:mod:`hiring_funnel.outputs`), but never if
        one of them is an input of the report (a symlink or hard link to it).
    formats : str or sequence of str
        ``"html"``, ``"pdf"`` or both; a comma-separated string is accepted.
    min_group : int
        Segments with fewer distinct candidates than this are suppressed
        (with complementary suppression), and curves stop where fewer are
        still waiting. 1 publishes everything: only for a report on your own
        applications that stays with you.
    horizon : float, optional
        Days after applying within which the headline counts every chance
        (``--horizon``); default the days the log covers
        (:func:`hiring_funnel.analyses.headline.horizon_of`).
    max_levels : int
        A ``by`` column with more distinct values than this is refused (so is
        one whose values look like emails, phone numbers, free text or
        identifiers: :mod:`hiring_funnel.report.breakdown_columns`).
    command : str, optional
        The command shown in the report; by default the Python call. Paths in
        it are shown by their file names, without folders.
    progress : bool, optional
        Show a progress bar on stderr; by default only when stderr is a terminal.
    engine, table : optional
        As in :func:`hiring_funnel.read_events`: read and check the log on an
        engine. The report's estimators then take the checked events as pandas
        frames (for logs past memory, the engine's life tables:
        :func:`hiring_funnel.engine.clock_life_tables`).

    Returns
    -------
    dict
        ``{"html": Path, "pdf": Path}`` for the formats written.

    Raises
    ------
    HiringFunnelError
        For a log, option or system library the user can fix, or a write
        that failed (disk full, read-only); the message says what to do.
        After a failed write the previous report is unchanged.

    Examples
    --------
    >>> import tempfile, hiring_funnel as hf
    >>> from hiring_funnel.report import report
    >>> sim = hf.simulate(300, seed=2)
    >>> log = hf.read_events(sim.events, attributes=sim.attributes, as_of=sim.as_of)
    >>> paths = report(log, out=tempfile.mkdtemp(), formats="html")
    >>> paths["html"].name
    'hiring_funnel_report.html'
    """
    chosen_formats = _formats(formats)
    chosen_clocks = _clocks(clocks)
    by_columns = [by] if isinstance(by, str) else list(by)
    k = check_min_group(min_group)
    if command is None:
        command = _python_call(source, mapping, attributes, by_columns, clocks, out, formats, k)
    from hiring_funnel.outputs import check_output, write_files

    folder = Path(out)
    targets = {fmt: folder / f"{DEFAULT_NAME}.{fmt}" for fmt in chosen_formats}
    inputs = _inputs(source, mapping, attributes)
    for path in targets.values():  # before the work: never over an input
        check_output(path, inputs=inputs, force=True)
    # reading, episodes, headline, clocks, outcome mix, breakdowns, regression, HTML, PDF
    total = 5 + len(chosen_clocks) + len(by_columns) + int(bool(by_columns))
    total += int("pdf" in chosen_formats)
    with _progress(total, progress) as step:
        step("reading the log")
        log, found = _read(
            source, mapping, attributes, encoding, as_of, engine, table, observed_from
        )
        html, _context = render_report(
            log,
            clocks=chosen_clocks,
            by=by_columns,
            min_group=k,
            horizon=horizon,
            max_levels=max_levels,
            command=command,
            found=found,
            step=step,
        )
        contents = {"html": html.encode("utf-8")}
        if "pdf" in chosen_formats:
            from hiring_funnel.report.render import render_pdf

            step("writing the PDF")
            contents["pdf"] = render_pdf(html)  # in memory: nothing is written until both are made
        # Both files at once, under the folder's lock: the HTML and the PDF in
        # the folder always come from one run (hiring_funnel.outputs).
        write_files(
            {targets[fmt]: contents[fmt] for fmt in chosen_formats},
            inputs=inputs,
            force=True,  # the report's own files are replaced without asking
            clean=[f"{DEFAULT_NAME}.{fmt}" for fmt in FORMATS],
        )
    return dict(targets)


def render_report(
    log: EventLog,
    *,
    clocks: Sequence[str] = CLOCKS,
    by: Sequence[str] = (),
    min_group: int = DEFAULT_MIN_GROUP,
    horizon: float | None = None,
    max_levels: int = DEFAULT_MAX_LEVELS,
    command: str = "",
    found: Sequence[str] = (),
    step: Callable[[str], None] = lambda _name: None,
) -> tuple[str, dict[str, Any]]:
    """The report of a log as HTML, and the context the template was filled with; writes nothing.

    :func:`report` is this plus reading the log and writing the files.
    ``step(name)`` is called before each slow step. ``command`` is shown with
    every path in it replaced by its file name (:func:`public_command`).
    """
    from hiring_funnel import __version__  # here: the top-level package imports this one
    from hiring_funnel.report.build import build_context
    from hiring_funnel.report.quality import source_name
    from hiring_funnel.report.render import render_html

    k = check_min_group(min_group)
    limit = check_max_levels(max_levels)
    available = attribute_names(log.attributes)
    for column in by:
        values = log.attributes[column] if column in available else None
        check_breakdown_column(column, available, values, max_levels=limit)
    if log.events.empty:
        raise HiringFunnelError(
            "no usable rows: nothing to report", source=log.source, hint="run validate"
        )
    context = build_context(
        log, clocks=_clocks(list(clocks)), by=list(by), min_group=k, horizon=horizon, step=step
    )
    if context["privacy"]["nothing_published"]:
        warnings.warn(
            f"the log holds the applications of fewer than {k} candidates, so every figure "
            "is suppressed; for a report on your own applications that stays with you, "
            "use --min-group 1",
            ReportWarning,
            stacklevel=3,
        )
    context.update(
        source=source_name(log.source),
        found_beside=[file_name(x) for x in found],
        version=__version__,
        command=public_command(command),
        min_group=k,
        k_candidates_noun="candidate" if k == 1 else "candidates",
        by=[short_label(c) for c in by],
    )
    step("writing the HTML")
    return render_html(context), context


def _formats(formats: str | Sequence[str]) -> list[str]:
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen = [str(x).strip().lower() for x in items if str(x).strip()]
    bad = [x for x in chosen if x not in FORMATS]
    if bad or not chosen:
        raise HiringFunnelError(
            f"unknown report format {bad[0]!r}" if bad else "no report format given",
            hint="use html, pdf or html,pdf",
        )
    return [x for x in FORMATS if x in chosen]


def _clocks(clocks: str | Sequence[str] | None) -> list[str]:
    chosen = (
        list(CLOCKS) if clocks is None else [clocks] if isinstance(clocks, str) else list(clocks)
    )
    bad = [c for c in chosen if c not in CLOCKS]
    if bad or not chosen:
        raise HiringFunnelError(
            f"unknown clock {bad[0]!r}" if bad else "no clock given",
            hint=f"use {', '.join(CLOCKS)}",
        )
    return list(dict.fromkeys(chosen))


def _inputs(source: Any, mapping: Any, attributes: Any) -> list[Path]:
    """The files the report reads, which it must never write over."""
    from hiring_funnel.outputs import run_inputs

    if not isinstance(source, EventLog):
        return run_inputs(source, mapping=mapping, attributes=attributes)
    # A log read before: the files it came from, where it knows them.
    named = [source.source, (source.meta.get("attributes") or {}).get("source")]
    return [Path(x) for x in named if isinstance(x, str) and Path(x).is_file()]


def _read(
    source: Any,
    mapping: Any,
    attributes: Any,
    encoding: str | None,
    as_of: Any,
    engine: Any = None,
    table: str | None = None,
    observed_from: Any = None,
) -> tuple[EventLog, list[str]]:
    if isinstance(source, EventLog):
        if mapping is not None or attributes is not None or encoding is not None:
            raise HiringFunnelError(
                "mapping, attributes and encoding apply when reading a file, not to an EventLog"
            )
        if as_of is not None or observed_from is not None:
            raise HiringFunnelError(
                "as_of and observed_from apply when reading a file",
                hint="pass them to read_events",
            )
        return source, []
    from hiring_funnel.io.beside import files_beside
    from hiring_funnel.io.load import read_events

    # The simulator's layout (data/sample), as the command line reads it.
    beside = files_beside(source, mapping=mapping, attributes=attributes)
    found = [p.name for p in beside.found]
    log = read_events(
        source,
        mapping=beside.mapping,
        attributes=beside.attributes,
        encoding=encoding,
        as_of=as_of,
        engine=engine,
        table=table,
        observed_from=observed_from,
    )
    return (log if isinstance(log, EventLog) else log.to_event_log()), found


def public_command(command: str) -> str:
    """The command as the report shows it: every path by its file name, one clean line.

    Folders often hold a user name (``/home/jane.doe/...``), so any word with
    a path separator, alone or after ``--option=``, keeps only its last part.

    Examples
    --------
    >>> public_command("hiring-funnel report /home/jane.doe/x/events.csv --out=/home/jane.doe/r")
    'hiring-funnel report events.csv --out=r'
    >>> public_command("hiring_funnel.report.report('/home/jane doe/events.csv', by=['industry'])")
    "hiring_funnel.report.report('events.csv', by=['industry'])"
    """
    if re.match(r"^[\w.]+\(", command):  # a Python call: paths are its quoted strings

        def name(m: re.Match[str]) -> str:
            text = m.group(2)
            return (
                m.group(1) + (file_name(text) if re.search(r"[/\\]", text) else text) + m.group(1)
            )

        return clean_label(re.sub(r"(['\"])(.*?)\1", name, command))
    try:
        words = shlex.split(command)
    except ValueError:  # unbalanced quotes: words as typed
        words = command.split()
    out = []
    for word in words:
        option, eq, value = word.partition("=") if word.startswith("-") else ("", "", word)
        if eq or not option:
            value = file_name(value) if re.search(r"[/\\]", value) else value
            word = f"{option}{eq}{value}"
        out.append(clean_label(word))
    return shlex.join(out)


def _python_call(
    source: Any,
    mapping: Any,
    attributes: Any,
    by: list[str],
    clocks: Any,
    out: Any,
    formats: Any,
    min_group: int,
) -> str:
    # Paths by their file names: folders often hold a user name.
    first = (
        repr(file_name(source)) if isinstance(source, str | Path) else f"<{type(source).__name__}>"
    )
    args = [first]
    for name, value, default in (
        ("mapping", mapping, None),
        ("attributes", attributes, None),
        ("by", by, []),
        ("clocks", clocks, None),
        ("out", out, "reports"),
        ("formats", formats, FORMATS),
        ("min_group", min_group, DEFAULT_MIN_GROUP),
    ):
        if isinstance(value, Path) or (
            name in ("mapping", "attributes", "out") and isinstance(value, str)
        ):
            value = file_name(value)
        if isinstance(value, pd.DataFrame):
            value = "<DataFrame>"
        if value != default:
            args.append(f"{name}={value!r}")
    return f"hiring_funnel.report.report({', '.join(args)})"


@contextmanager
def _progress(total: int, enabled: bool | None) -> Iterator[Any]:
    """A tqdm bar on stderr, advanced by ``step(description)``; quiet unless stderr is a terminal."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield lambda _name: None
        return
    from tqdm import tqdm

    bar = tqdm(
        total=total,
        file=sys.stderr,
        unit="step",
        bar_format="{desc:<32.32}|{bar:24}| {n_fmt}/{total_fmt} [{elapsed}]",
    )
    started = [False]

    def step(name: str) -> None:
        if started[0]:
            bar.update(1)
        started[0] = True
        bar.set_description_str(name)

    try:
        yield step
        bar.update(bar.total - bar.n)
        bar.set_description_str("done")
    finally:
        bar.close()
