"""What the undated-outcome rule does to the estimates (issue 12, item 1), by simulation.

Each replicate simulates a log (``hf.simulate(n, seed=r)``) and writes it as a
wide tracker, one row per application: the date sent, how it ended (offer,
rejected, or open) and the date of that decision. The *full* tracker has every
decision date; then a share ``p`` of the decided rows, drawn at random with
seed ``r``, lose their decision date, and the tracker is read:

- *median*: the default ``undated`` rule (hiring_funnel/io/undated.py);
- *as_of*: ``undated = "as_of"``;
- *dropped*: the application left out, as a row with an undated outcome was
  before issue 12 (quarantined whole);
- *open*: the outcome forgotten: the application counted as still waiting.

For each, the decision clock's cumulative incidence of an offer and of a
rejection at a few days is compared with the full tracker's estimate in the
same replicate. Reported: the mean difference (bias against the complete
data) and that bias in units of the full-data estimate's standard deviation
across replicates.

    python benchmarks/undated_outcomes.py --reps 40 --n 2000 --p 0.2 --write
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import hiring_funnel as hf
from hiring_funnel.estimators.incidence import cumulative_incidence

sys.path.insert(0, str(Path(__file__).parent))
from _results import write_section

DAYS = (7, 14, 30, 60, 120)
CAUSES = ("offer", "rejection")
VARIANTS = ("median", "as_of", "dropped", "open")


def tracker(sim: hf.SimulatedLog) -> pd.DataFrame:
    """One row per application: Sent, Status (Offer, Rejected, Open), Decided."""
    ev = sim.events
    sent = ev[ev["event"] == "applied"].set_index("application_id")["timestamp"]
    decided = ev[ev["event"].isin(["offer", "rejection"])].sort_values("timestamp")
    decided = decided.drop_duplicates("application_id").set_index("application_id")
    status = decided["event"].map({"offer": "Offer", "rejection": "Rejected"})
    out = pd.DataFrame({"Sent": sent})
    out["Status"] = status.reindex(out.index).fillna("Open")
    out["Decided"] = decided["timestamp"].reindex(out.index)
    fmt = "%Y-%m-%d %H:%M:%S"
    out["Sent"] = out["Sent"].dt.strftime(fmt)
    out["Decided"] = out["Decided"].dt.strftime(fmt).fillna("")
    return out.reset_index(drop=True)


def mapping(as_of: pd.Timestamp, undated: str = "median") -> dict[str, Any]:
    return {
        "layout": "wide",
        "as_of": as_of.isoformat(),
        "undated": undated,
        "events": [
            {"event": "applied", "date": "Sent", "required": True},
            {"event": "offer", "date": "Decided", "when": {"column": "Status", "in": ["Offer"]}},
            {
                "event": "rejection",
                "date": "Decided",
                "when": {"column": "Status", "in": ["Rejected"]},
            },
        ],
    }


def estimates(frame: pd.DataFrame, m: dict[str, Any], folder: Path) -> dict[tuple[str, int], float]:
    path = folder / "tracker.csv"
    frame.to_csv(path, index=False)
    log = hf.read_events(path, mapping=m)
    table = cumulative_incidence(hf.episodes(log, "decision")).table
    out = {}
    for cause in CAUSES:
        curve = table[table["cause"] == cause].sort_values("time")
        for day in DAYS:
            upto = curve.loc[curve["time"] <= day, "estimate"]
            out[(cause, day)] = float(upto.iloc[-1]) if len(upto) else 0.0
    return out


def replicate(r: int, n: int, p: float, folder: Path) -> dict[str, dict[tuple[str, int], float]]:
    sim = hf.simulate(n, seed=r)
    full = tracker(sim)
    rng = np.random.default_rng(r)
    decided = np.flatnonzero((full["Status"] != "Open").to_numpy())
    lost = rng.choice(decided, size=round(p * len(decided)), replace=False)
    blank = full.copy()
    blank.loc[lost, "Decided"] = ""
    forgotten = full.copy()
    forgotten.loc[lost, ["Status", "Decided"]] = ["Open", ""]
    return {
        "full": estimates(full, mapping(sim.as_of), folder),
        "median": estimates(blank, mapping(sim.as_of, "median"), folder),
        "as_of": estimates(blank, mapping(sim.as_of, "as_of"), folder),
        "dropped": estimates(full.drop(index=lost), mapping(sim.as_of), folder),
        "open": estimates(forgotten, mapping(sim.as_of), folder),
    }


def report(
    runs: list[dict[str, dict[tuple[str, int], float]]], args: argparse.Namespace, secs: float
) -> str:
    lines = [
        "## undated_outcomes: what the undated-outcome rule does to the estimates (issue 12)",
        "",
        f"`python benchmarks/undated_outcomes.py --reps {args.reps} --n {args.n} --p {args.p}"
        f"{' --write' if args.write else ''}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{secs:.0f} s.",
        f"{args.reps} replicates (seeds 0..{args.reps - 1}) of `simulate({args.n}, seed=r)` written as a "
        f"wide tracker (date sent, outcome, decision date); in each, {args.p:.0%} of the decided rows "
        "(drawn with seed r) lose their decision date. Decision clock, Aalen-Johansen cumulative "
        "incidence at day t, compared with the complete tracker's estimate in the same replicate. "
        "*median*, *as_of*: the `undated` rules; *dropped*: the application left out (what a row "
        "with an undated outcome met before issue 12); *open*: the outcome forgotten (counted as "
        "still waiting). bias / sd: the mean difference over the standard deviation of the "
        "complete-data estimate across replicates.",
        "",
        "| cause | day | complete data | "
        + " | ".join(f"{v}: bias (bias / sd)" for v in VARIANTS)
        + " |",
        "|---|---:|---:|" + "---:|" * len(VARIANTS),
    ]
    for cause in CAUSES:
        for day in DAYS:
            full = np.array([r["full"][(cause, day)] for r in runs])
            sd = full.std(ddof=1) if len(full) > 1 else float("nan")
            cells = []
            for v in VARIANTS:
                diff = np.array([r[v][(cause, day)] for r in runs]) - full
                cells.append(f"{diff.mean():+.4f} ({diff.mean() / sd:+.1f})")
            lines.append(f"| {cause} | {day} | {full.mean():.4f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--p", type=float, default=0.2)
    parser.add_argument("--write", action="store_true", help="write benchmarks/results.md")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.reps):
            runs.append(replicate(r, args.n, args.p, Path(tmp)))
            print(f"replicate {r + 1}/{args.reps}", file=sys.stderr, end="\r")
    text = report(runs, args, time.perf_counter() - start)
    print(text)
    if args.write:
        write_section(Path(__file__).with_name("results.md"), "undated_outcomes", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
