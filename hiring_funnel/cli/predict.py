"""``hiring-funnel predict``: predictions for applications still waiting.

The pending file has one row per application still waiting: either
``waited`` (days since applying: days of silence so far for an application
with no answer yet) or ``applied`` (the date applied; the days are counted
to the log's as-of date), optionally ``stage`` (applied, the default and
what an empty cell means; screened; interviewed: where the application is),
and the attribute columns the model uses. Other columns (an id, a note) are
read but never printed.

What it prints and writes names files without their folders and never a value
of an id or free-text column: covariates must be categories in fact
(:mod:`hiring_funnel.report.breakdown_columns`; a ``--covariates`` column that is not is refused, a
column picked from the pending file is skipped with a note naming it), labels
are cleaned and shortened, and an error in a row of the pending file names the
line and the column, not the cell: the cells are checked here, where their lines
are known, before the model sees them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hiring_funnel.cli.options import (
    add_log_arguments,
    add_publishing_arguments,
    add_renamed_option,
    read_pandas,
)
from hiring_funnel.observation import attribute_names
from hiring_funnel.report.breakdown_columns import (
    check_breakdown_column,
    check_max_levels,
    why_not_categorical,
)
from hiring_funnel.report.privacy import DEFAULT_MAX_LEVELS
from hiring_funnel.report.published import file_name
from hiring_funnel.schema import EventLog, HiringFunnelError
from hiring_funnel.text import clean_label, short_label

if TYPE_CHECKING:
    from hiring_funnel.analyses.headline import Horizon

NAME = "predict"

#: Columns of the pending file that are never covariates.
_NOT_COVARIATES = {
    "waited",
    "applied",
    "stage",
    "application_id",
    "candidate_id",
    "company_id",
    "line",
}
#: How the output names each stage of the pending file's ``stage`` column.
_STAGE_WORDS = {"applied": "no answer yet", "screened": "screened", "interviewed": "interviewed"}


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """The ``predict`` subcommand and its options, on the subparsers ``sub``."""
    cmd: argparse.ArgumentParser = sub.add_parser(
        NAME,
        help="for applications still waiting: chance of an offer, of an answer soon, and when",
    )
    add_log_arguments(cmd)
    add_predict_arguments(cmd)
    return cmd


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    """Read the log the options name and predict for the pending file."""
    return run_predict(args, read_pandas(args))


def add_predict_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``predict`` beyond the log's (PATH, --mapping, --attributes, ...)."""
    cmd.add_argument(
        "--pending",
        required=True,
        metavar="FILE",
        help="applications still waiting: 'waited' (days) or 'applied' (date), optionally 'stage' "
        "(applied, screened, interviewed), and attributes",
    )
    cmd.add_argument(
        "--covariates",
        action="extend",
        nargs="+",
        metavar="COLUMN",
        help="attributes the predictions depend on (default: the pending file's attribute "
        "columns that the log also has)",
    )
    add_renamed_option(cmd, "--by", "--covariates", "covariates", action="extend", nargs="+")
    cmd.add_argument(
        "--within",
        type=float,
        default=7.0,
        metavar="DAYS",
        help="window of 'answer within' (default: 7)",
    )
    cmd.add_argument(
        "--resamples",
        type=int,
        default=200,
        metavar="B",
        help="bootstrap resamples of candidates for the intervals (default: 200; 0: none)",
    )
    add_renamed_option(cmd, "--boot", "--resamples", "resamples", type=int)
    cmd.add_argument("--seed", type=int, default=0, metavar="S", help="bootstrap seed (default 0)")
    add_publishing_arguments(
        cmd,
        min_group_help="the horizon stops where fewer than K candidates are still waiting, as in "
        "summary and the report (default: %(default)s)",
        max_levels_help="refuse a covariate with more than N values (default: %(default)s)",
    )
    cmd.add_argument("--out", metavar="CSV", help="also write the predictions (long table) here")
    cmd.add_argument("--force", action="store_true", help="replace the --out file if it exists")


def run_predict(args: argparse.Namespace, log: EventLog) -> int:
    """Fit the model on the log, predict for the pending file, print (and write) the results."""
    from hiring_funnel.analyses.headline import horizon_of
    from hiring_funnel.clocks import episodes
    from hiring_funnel.io.readers import read_raw
    from hiring_funnel.outputs import check_output, run_inputs, write_guarded_csv
    from hiring_funnel.regression import pending_model, predict_pending
    from hiring_funnel.report.privacy import check_min_group, distinct_candidates

    inputs = run_inputs(
        args.path, mapping=args.mapping, attributes=args.attributes, others=[args.pending]
    )
    if args.out:  # before the fit: a refused output should not wait for the bootstrap
        check_output(args.out, inputs=inputs, force=args.force)
    if log.events.empty:
        raise HiringFunnelError(
            "no usable rows: nothing to fit (run validate)", file=log.source, code="no_rows"
        )
    if not args.within > 0:
        raise HiringFunnelError(f"--within must be a positive number of days, not {args.within:g}")
    limit = check_max_levels(getattr(args, "max_levels", DEFAULT_MAX_LEVELS))
    raw = read_raw(args.pending)
    if raw.rejected:
        line, reason, _ = raw.rejected[0]
        raise HiringFunnelError(clean_label(reason), file=raw.source, line=line, code="bad_row")
    waiting = raw.frame.reset_index(drop=True)
    known = set(attribute_names(log.attributes))
    skipped: list[str] = []
    if args.covariates:
        covs = list(dict.fromkeys(args.covariates))  # --covariates a a is --covariates a
        for c in covs:
            if c not in known:
                raise HiringFunnelError(
                    f"{short_label(c)!r} is not an attribute of the log",
                    file=log.source,
                    column=short_label(c),
                    code="unknown_column",
                    hint=f"the attributes are {sorted(short_label(a) for a in known)}",
                )
            check_breakdown_column(c, sorted(known), log.attributes[c], max_levels=limit)
    else:
        covs = []
        for c in waiting.columns:
            if c in _NOT_COVARIATES or c not in known:
                continue
            why = why_not_categorical(log.attributes[c], max_levels=limit)
            if why is None:
                covs.append(c)
            else:  # the column only, and the rule: never a value
                skipped.append(f"column {short_label(c)!r} is not used as a covariate: {why[0]}")
    waiting = _days_waited(waiting, raw.source, raw.line, log)
    decision = episodes(log, "decision")
    k = check_min_group(getattr(args, "min_group", 1))
    if distinct_candidates(decision) < k:
        # One person's tracker: summary and the report publish nothing at this k, and
        # the predictions are that person's own; the horizon is the longest wait seen.
        print(
            f"note: the log holds fewer than {k} candidates: the horizon is the longest wait seen"
        )
        k = 1
    horizon = horizon_of(decision, min_group=k, days=args.horizon)

    def progress(done: int, total: int) -> None:
        if done == total or done % max(1, total // 10) == 0:
            print(f"  bootstrap {done}/{total}", file=sys.stderr, flush=True)

    names = ", ".join(short_label(c) for c in covs)
    print(f"fitting on {file_name(log.source)} with covariates: {names or 'none'}")
    for note in skipped:
        print(f"note: {note}")
    ignored = [c for c in waiting.columns if c not in {*covs, "waited", "applied", "stage"}]
    if ignored:
        listed = ", ".join(short_label(c) for c in ignored)
        print(f"(columns of {file_name(raw.source)} not used: {listed})")
    if args.resamples < 0:  # named as the user typed it, not as pending_model's keyword
        raise HiringFunnelError(
            f"--resamples must be 0 or more, not {args.resamples}", code="bad_argument"
        )
    model = pending_model(
        log, covariates=covs, n_resamples=args.resamples, seed=args.seed, progress=progress
    )
    try:
        pred = predict_pending(
            model,
            waiting,
            within=args.within,
            lines=raw.line,
            horizon=min(horizon.days, model.meta["horizon"]),
        )
    except HiringFunnelError as exc:
        raise _in_file(exc, raw.source) from None
    table = pred.table.assign(line=raw.line[pred.table["row"].to_numpy()]).drop(columns="row")
    table = table[["line", *[c for c in table.columns if c != "line"]]]
    for c in covs:  # labels from the data: no escape or control character in the CSV either
        table[c] = table[c].map(lambda v: v if pd.isna(v) else clean_label(v))
    report_line = _report_line(decision, pred.wide()["waited"].to_numpy(), horizon.days)
    stage_line = _stage_line(log, pred.wide(), horizon.days)
    print(
        _format(
            pred.wide(), raw.line, covs, args.within, model.meta, horizon, report_line, stage_line
        )
    )
    for note in [*model.meta["notes"], *pred.meta["notes"]]:
        print(f"note: {clean_label(note)}")
    if args.out:
        path = write_guarded_csv(table, Path(args.out), inputs=inputs, force=args.force)
        print(f"wrote {file_name(path)}")
    return 0


def _days_waited(
    waiting: pd.DataFrame, source: str, lines: np.ndarray, log: EventLog
) -> pd.DataFrame:
    if "waited" in waiting.columns:
        return waiting
    if "applied" not in waiting.columns:
        raise HiringFunnelError(
            "needs a column 'waited' (days of silence so far) or 'applied' (the date applied)",
            file=source,
            code="missing_column",
        )
    as_of = log.as_of if log.as_of is not None else log.events["timestamp"].max()
    applied = pd.to_datetime(waiting["applied"], errors="coerce", utc=True, format="ISO8601")
    bad = np.flatnonzero(applied.isna().to_numpy() | (applied > as_of).to_numpy())
    if bad.size:
        i = int(bad[0])
        raise HiringFunnelError(  # the line and column, never the cell (it may hold a note)
            f"not an ISO date on or before the log's as-of date {as_of:%Y-%m-%d}",
            file=source,
            line=int(lines[i]),
            column="applied",
            code="bad_date",
        )
    # Whole calendar days between the UTC dates, as the clocks count them.
    days = (as_of.normalize() - applied.dt.normalize()).dt.days
    return waiting.assign(waited=days.to_numpy(dtype=np.float64))


def _in_file(exc: HiringFunnelError, source: str) -> HiringFunnelError:
    """An error of the model's about the pending frame, as one about the pending file."""
    return HiringFunnelError(
        clean_label(exc.message),
        file=source,
        line=exc.line,
        column=exc.column,
        code=exc.code,
        hint=clean_label(exc.hint) if exc.hint else None,
        data=exc.data,
    )


def _report_line(decision: pd.DataFrame, waited: np.ndarray, horizon: float) -> pd.DataFrame:
    """The report's headline figure at each row's days waited: still hope on the decision clock."""
    import warnings

    from hiring_funnel.estimators import still_hope

    s = np.unique(waited[np.isfinite(waited) & (waited < horizon)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = still_hope(decision, cause="offer", waited=s, horizon=horizon).table
    return table.set_index("time")[["estimate", "ci_lower", "ci_upper"]]


def _stage_line(log: EventLog, wide: pd.DataFrame, horizon: float) -> pd.DataFrame:
    """The report's "every stage" figure at each row's stage and day: still_hope_from, no covariates."""
    from hiring_funnel.estimators.transitions import still_hope_from
    from hiring_funnel.states import state_paths

    paths = state_paths(log)
    parts = []
    for stage, rows in wide.groupby("stage"):
        s = np.unique(rows["waited"].to_numpy(dtype=float))
        s = s[np.isfinite(s) & (s < horizon)]
        if s.size:
            table = still_hope_from(paths, stage=str(stage), waited=s, horizon=horizon).table
            parts.append(table.assign(stage=stage))
    if not parts:
        return pd.DataFrame(columns=["estimate", "ci_lower", "ci_upper"])
    out = pd.concat(parts).set_index(["stage", "time"])
    return out[["estimate", "ci_lower", "ci_upper"]]


def _format(
    wide: pd.DataFrame,
    lines: np.ndarray,
    covs: list[str],
    within: float,
    meta: dict,
    horizon: Horizon,
    report_line: pd.DataFrame,
    stage_line: pd.DataFrame,
) -> str:
    def pct(row: pd.Series, q: str) -> str:
        est, lo, hi = row[q], row[f"{q}_ci_lower"], row[f"{q}_ci_upper"]
        if pd.isna(est):
            return "n/a"
        ci = f" ({100 * lo:.1f}-{100 * hi:.1f})" if pd.notna(lo) else ""
        return f"{100 * est:.1f}%{ci}"

    def days(row: pd.Series) -> str:
        q = "expected_wait_if_answered"
        est, lo, hi = row[q], row[f"{q}_ci_lower"], row[f"{q}_ci_upper"]
        if pd.isna(est):
            return "n/a"
        ci = f" ({lo:.0f}-{hi:.0f})" if pd.notna(lo) else ""
        return f"{est:.0f} more days on average{ci}"

    from hiring_funnel.estimators.bootstrap import MIN_USABLE_RESAMPLES

    level = int(round(100 * meta["conf_level"]))
    usable = meta["n_resamples"] - meta["boot_failed"]
    if meta["n_resamples"] == 0:
        intervals = "no intervals: --resamples 0"
    elif usable < MIN_USABLE_RESAMPLES:
        # Never a "95%" label on the spread of a handful of resamples (issue 10).
        intervals = (
            f"no intervals: {usable} usable bootstrap resample(s), at least "
            f"{MIN_USABLE_RESAMPLES} are needed; use --resamples 200"
        )
    else:
        intervals = f"{level}% bootstrap intervals over {usable} resamples of {meta['resampled']}"

    def reported(s: float | tuple[str, float], table: pd.DataFrame) -> str:
        if s not in table.index or pd.isna(table.loc[s, "estimate"]):
            return "n/a"
        r = table.loc[s]
        lo, hi = r["ci_lower"], r["ci_upper"]
        ci = f" ({100 * lo:.1f}-{100 * hi:.1f})" if pd.notna(lo) and pd.notna(hi) else ""
        return f"{100 * r['estimate']:.1f}%{ci}"

    given = f"given {', '.join(short_label(c) for c in covs)}" if covs else "any application"
    out = [f"\nPending applications ({intervals}); every chance counts answers {horizon.words}:"]
    for _, row in wide.iterrows():
        attrs = ", ".join(f"{short_label(c)}={short_label(row[c])}" for c in covs)
        stage = _STAGE_WORDS[row["stage"]]
        out.append(
            f"  line {int(lines[int(row['row'])])}: waited {row['waited']:g} days, {stage}"
            + (f" ({attrs})" if attrs else "")
        )
        out.append("    chance of an offer:")
        out.append(
            "      no decision yet, any application (as the report): "
            f"{reported(row['waited'], report_line)}"
        )
        out.append(
            f"      {stage}, any application, from the stages (as the report): "
            f"{reported((row['stage'], row['waited']), stage_line)}"
        )
        out.append(f"      {stage}, {given}: {pct(row, 'offer_eventually')}")
        out.append(f"    chance of any answer:             {pct(row, 'answer_eventually')}")
        out.append(f"    chance of an answer within {within:g} days: {pct(row, 'answer_within')}")
        out.append(f"    if an answer comes, it takes:     {days(row)}")
    return "\n".join(out)
