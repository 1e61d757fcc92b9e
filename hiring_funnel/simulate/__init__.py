"""Simulated hiring-funnel logs whose true answer is known.

:func:`simulate` draws candidates, companies and applications, walks each
application through first response, screen, interview rounds and decision,
and records what an applicant-tracking export would show at the as-of date.
:func:`write_simulated` writes it as ``events.csv``, ``attributes.csv``,
``truth.json`` and ``mapping.toml``, byte for byte the same for the same seed;
the shipped ``data/sample/`` is
``write_simulated(simulate(5000, seed=20261126), "data/sample", force=True)``.
Large logs (1e7 applications) go straight into CSV or Parquet files, block by
block, with :func:`hiring_funnel.simulate.files.simulate_to_files`.

The generative model and the true curves it implies live in
:mod:`hiring_funnel.simulate.model`; the calibration follows DESIGN.md,
"Calibration figures for the simulator" (loosened where a realistic 3 percent
applicant-to-interview rate would leave too few interviews to analyse).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.outputs import Writer, csv_writer, write_files
from hiring_funnel.schema import EVENTS, as_canonical_events
from hiring_funnel.simulate.draws import EV, SECONDS_PER_DAY, STAGES, population, sorted_events
from hiring_funnel.simulate.model import (
    SimulationParams,
    check_count,
    export_date,
    ghost_probability_by_level,
    make_params,
    true_first_response_cif,
    true_outcome_probabilities,
)
from hiring_funnel.simulate.truth import build_truth

__all__ = [
    "SimulatedLog",
    "SimulationParams",
    "ghost_probability_by_level",
    "simulate",
    "true_first_response_cif",
    "true_outcome_probabilities",
    "write_simulated",
]

#: The files :func:`write_simulated` writes, in its order.
SIMULATED_FILES = ("events.csv", "attributes.csv", "truth.json", "mapping.toml")

#: Columns of the written events.csv, in order.
FILE_COLUMNS = (
    "application_id",
    "candidate_id",
    "company_id",
    "event",
    "timestamp",
    "stage",
    "channel",
)
#: Columns of the written attributes.csv, in order.
ATTRIBUTE_COLUMNS = (
    "application_id",
    "company_size",
    "industry",
    "role_level",
    "source",
    "remote",
)


@dataclass(frozen=True)
class SimulatedLog:
    """What :func:`simulate` returns.

    Attributes
    ----------
    events : DataFrame
        Canonical events (:mod:`hiring_funnel.schema`), sorted by timestamp,
        application and event order; ``line`` is the row's line in events.csv.
    attributes : DataFrame
        One row per application: ``application_id``, ``company_size``,
        ``industry``, ``role_level``, ``source``, ``remote`` (bool).
    truth : dict
        JSON-ready: ``params`` (every number used), ``level_shares``,
        ``expected`` outcome probabilities for this sample, ``sample`` (seed,
        counts, as-of date) and ``model`` (a summary of the generative model).
    as_of : Timestamp
        The export date (UTC); nothing later is recorded.

    Examples
    --------
    >>> sim = simulate(50, seed=2)
    >>> sim.attributes["application_id"].nunique(), bool((sim.events["timestamp"] <= sim.as_of).all())
    (50, True)
    """

    events: pd.DataFrame
    attributes: pd.DataFrame
    truth: dict[str, Any]
    as_of: pd.Timestamp


def _ids(prefix: str, n: int, width: int, rng: np.random.Generator | None = None) -> np.ndarray:
    numbers = np.arange(1, n + 1) if rng is None else rng.permutation(n) + 1
    width = max(width, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in numbers.tolist()], dtype=object)


def simulate(n_applications: int, *, seed: int, **params: Any) -> SimulatedLog:
    """Simulate a hiring-funnel log with known truth.

    Parameters
    ----------
    n_applications : int
        Number of applications (rows of ``attributes``).
    seed : int
        Seed of the one ``numpy.random.Generator`` behind every random choice;
        the same seed and parameters give identical output.
    **params
        Overrides of :class:`~hiring_funnel.simulate.model.SimulationParams`,
        e.g. ``office_hours=False, withdraw_probability=0.0``.

    Returns
    -------
    SimulatedLog

    Examples
    --------
    >>> log = simulate(500, seed=7)
    >>> int((log.events["event"] == "applied").sum())
    500
    >>> bool(log.events["timestamp"].max() <= log.as_of)
    True
    """
    n = check_count(n_applications, "n_applications")
    p = make_params(params)
    as_of = export_date(p)
    rng = np.random.default_rng(seed)
    end_seconds = as_of.value // 1_000_000_000
    pop = population(n, p, rng, end_seconds / SECONDS_PER_DAY)
    app, code, seconds, stage = sorted_events(pop, p, rng, end_seconds)

    app_ids = _ids("A", n, 6)
    cand_ids = _ids("C", pop["n_cand"], 6, rng)[pop["cand"]]
    comp_ids = _ids("E", pop["n_comp"], 4, rng)[pop["company"]]
    levels = {f: np.array(list(getattr(p, f)), dtype=object) for f in pop["codes"]}
    channel = levels["source"][pop["codes"]["source"]]
    is_applied = code == EV["applied"]
    events = as_canonical_events(
        pd.DataFrame(
            {
                "application_id": app_ids[app],
                "event": np.array(EVENTS, dtype=object)[code],
                "timestamp": pd.to_datetime(seconds, unit="s", utc=True),
                "candidate_id": cand_ids[app],
                "company_id": comp_ids[app],
                "stage": np.where(stage >= 0, STAGES[np.maximum(stage, 0)], None),
                # The channel is how the application was sent: known on its row only.
                "channel": np.where(is_applied, channel[app], None),
            }
        )
    )
    attributes = pd.DataFrame({"application_id": pd.array(app_ids, dtype="string")})
    for f, c in pop["codes"].items():
        values = levels[f][c]
        attributes[f] = values == "True" if f == "remote" else pd.array(values, dtype="string")
    sample = {
        "seed": int(seed),
        "n_applications": n,
        "n_candidates": pop["n_cand"],
        "n_companies": pop["n_comp"],
        "n_events": len(events),
        "as_of": as_of.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    truth = build_truth(p, attributes, sample)
    return SimulatedLog(events=events, attributes=attributes, truth=truth, as_of=as_of)


def write_simulated(log: SimulatedLog, out_dir: str | Path, *, force: bool = False) -> list[Path]:
    """Write ``events.csv``, ``attributes.csv``, ``truth.json`` and ``mapping.toml`` into ``out_dir``.

    ``mapping.toml`` records the export (as-of) date, which the events alone
    cannot tell: the last event is earlier than the moment the log was taken,
    and every open application is censored at that moment.

    The bytes depend only on ``log``: UTC timestamps as ``YYYY-MM-DDTHH:MM:SSZ``,
    ``\\n`` line endings, JSON with sorted keys. ``events.csv`` has no ``line``
    column (a row's line number is its position).

    The four files are written atomically and together
    (:func:`hiring_funnel.outputs.write_files`): after a failure or Ctrl-C the
    folder holds the previous four files, never a mix.

    Parameters
    ----------
    log : SimulatedLog
    out_dir : str or Path
        Created if missing.
    force : bool
        Replace the four files if any of them exists; without it that is an
        error and nothing is written.

    Returns
    -------
    list of Path
        The files written, in the order above.

    Raises
    ------
    HiringFunnelError
        If one of the files exists and ``force`` is false, or a write fails.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_simulated(simulate(50, seed=3), tempfile.mkdtemp())
    >>> [path.name for path in paths]
    ['events.csv', 'attributes.csv', 'truth.json', 'mapping.toml']
    """
    out = Path(out_dir)
    events = log.events.loc[:, list(FILE_COLUMNS)].copy()
    stamps = events["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[s]")
    events["timestamp"] = np.char.add(np.datetime_as_string(stamps, unit="s"), "Z")
    text = json.dumps(log.truth, sort_keys=True, indent=2, ensure_ascii=True) + "\n"
    as_of = pd.Timestamp(log.as_of).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    mapping = (
        "# Written by `hiring-funnel simulate`: how to read events.csv in this folder.\n"
        f'description = "simulated log of {len(log.attributes)} applications"\n'
        'layout = "long"\n'
        "# The moment the log was exported: applications still waiting then are censored there.\n"
        f'as_of = "{as_of}"\n'
    )
    contents: list[bytes | Writer] = [
        csv_writer(events),
        csv_writer(log.attributes.loc[:, list(ATTRIBUTE_COLUMNS)]),
        text.encode("utf-8"),
        mapping.encode("utf-8"),
    ]
    files = {out / name: data for name, data in zip(SIMULATED_FILES, contents, strict=True)}
    return write_files(files, force=force)
