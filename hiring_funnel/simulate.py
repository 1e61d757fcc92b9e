"""Simulated hiring-funnel logs whose true answer is known.

:func:`simulate` draws candidates, companies and applications, walks each
application through first response, screen, interview rounds and decision,
and records what an applicant-tracking export would show at the as-of date.
:func:`write_simulated` writes it as ``events.csv``, ``attributes.csv``,
``truth.json`` and ``mapping.toml``, byte for byte the same for the same seed;
the shipped ``data/sample/`` is
``write_simulated(simulate(5000, seed=20261126), "data/sample", force=True)``.
Large logs (1e7 applications) go straight into CSV or Parquet files, block by
block, with :func:`hiring_funnel.simulate_files.simulate_to_files`.

The generative model and the true curves it implies live in
:mod:`hiring_funnel.simulate_model`; the calibration follows DESIGN.md,
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
from scipy.special import expit

from hiring_funnel.outputs import Writer, csv_writer, write_files
from hiring_funnel.schema import EVENTS, as_canonical_events
from hiring_funnel.simulate_model import (
    SimulationParams,
    check_count,
    export_date,
    ghost_probability_by_level,
    make_params,
    true_first_response_cif,
    true_outcome_probabilities,
)
from hiring_funnel.simulate_truth import build_truth

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

_EV = {name: code for code, name in enumerate(EVENTS)}
_STAGES = np.array(
    ["application", "phone screen", "interview round 1", "interview round 2", "onsite"],
    dtype=object,
)
_NO_STAGE = -1
_SECONDS_PER_DAY = 86_400
_FILE_COLUMNS = (
    "application_id",
    "candidate_id",
    "company_id",
    "event",
    "timestamp",
    "stage",
    "channel",
)
_ATTRIBUTE_COLUMNS = (
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


def _codes(rng: np.random.Generator, dist: dict[str, float], size: int) -> np.ndarray:
    probs = np.fromiter(dist.values(), dtype=float, count=len(dist))
    return rng.choice(len(probs), size=size, p=probs / probs.sum())


def _lognormal(
    rng: np.random.Generator, median: np.ndarray | float, sigma: float, size: int
) -> np.ndarray:
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(size))


def _level_values(levels: list[str], mapping: dict[str, float], default: float) -> np.ndarray:
    return np.array([mapping.get(level, default) for level in levels], dtype=float)


class _Recorder:
    """Collects events as parallel arrays; concatenated once at the end."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(
        self, app: np.ndarray, event: str | np.ndarray, t: np.ndarray, stage: int | np.ndarray
    ) -> None:
        n = len(app)
        code = np.broadcast_to(np.asarray(_EV[event] if isinstance(event, str) else event), n)
        self.parts.append((app, code, t, np.broadcast_to(np.asarray(stage), n)))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(np.concatenate([part[i] for part in self.parts]) for i in range(4))


def _office(
    rng: np.random.Generator, p: SimulationParams, t: np.ndarray, prev: np.ndarray
) -> np.ndarray:
    """Move employer answers into working hours and mostly off weekends."""
    if not p.office_hours:
        return t
    day = np.floor(t)
    weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    move = (weekday >= 5) & (rng.random(len(t)) >= p.weekend_keep)
    day = np.where(move, day + 7 - weekday, day)
    hours = p.work_start_hour + (p.work_end_hour - p.work_start_hour) * rng.random(len(t))
    # A same-day answer drawn before the event it answers would reverse the
    # order; one minute after it keeps the sequence valid.
    return np.maximum(day + hours / 24.0, prev + 1.0 / 1440.0)


def _follow_ups(
    rng: np.random.Generator,
    p: SimulationParams,
    rec: _Recorder,
    app: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
) -> None:
    """Candidate nudges during a wait from ``start`` to ``end`` (exclusive)."""
    n = len(app)
    first = start + rng.uniform(p.follow_up_min_days, p.follow_up_max_days, n)
    ok1 = (rng.random(n) < p.follow_up_probability) & (first < end)
    second = first + rng.uniform(p.second_follow_up_min_days, p.second_follow_up_max_days, n)
    ok2 = ok1 & (rng.random(n) < p.second_follow_up_probability) & (second < end)
    rec.add(app[ok1], "follow_up", first[ok1], _NO_STAGE)
    rec.add(app[ok2], "follow_up", second[ok2], _NO_STAGE)


def _candidates(n: int, p: SimulationParams, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Applications per candidate and the number of candidates: the first draws of a log."""
    cap = p.max_applications_per_candidate
    sizes = np.minimum(rng.geometric(1.0 / p.mean_applications_per_candidate, size=n), cap)
    return sizes, int(np.searchsorted(np.cumsum(sizes), n) + 1)


def _population(
    n: int, p: SimulationParams, rng: np.random.Generator, end: float
) -> dict[str, Any]:
    """Candidates, companies and applications with their times and covariates."""
    sizes, n_cand = _candidates(n, p, rng)
    cand = np.repeat(np.arange(n_cand), sizes[:n_cand])[:n]
    quality = rng.standard_normal(n_cand)
    role = _codes(rng, p.role_level, n_cand)
    # Each candidate searches for a while; searches start over the horizon so
    # that the recent ones are still open at the as-of date.
    start = end - p.horizon_days * rng.random(n_cand)
    span = np.minimum(rng.uniform(p.search_days_min, p.search_days_max, n_cand), end - start)
    t_app = start[cand] + span[cand] * rng.random(n)

    n_comp = max(1, round(n / p.applications_per_company))
    comp_size = _codes(rng, p.company_size, n_comp)
    comp_industry = _codes(rng, p.industry, n_comp)
    pull = _level_values(list(p.company_size), p.company_size_pull, 1.0)[comp_size]
    company = rng.choice(n_comp, size=n, p=pull / pull.sum())
    source = _codes(rng, p.source, n)
    remote = _codes(rng, p.remote, n)

    # Application ids follow the application time, as an ATS numbers them.
    order = np.argsort(t_app, kind="stable")
    cand, company, source, remote = cand[order], company[order], source[order], remote[order]
    t_app = t_app[order]
    return {
        "n_cand": n_cand,
        "n_comp": n_comp,
        "cand": cand,
        "t_app": t_app,
        "company": company,
        "quality": quality[cand],
        "codes": {
            "company_size": comp_size[company],
            "industry": comp_industry[company],
            "role_level": role[cand],
            "source": source,
            "remote": remote,
        },
    }


def _histories(
    pop: dict[str, Any], p: SimulationParams, rng: np.random.Generator, end: float
) -> _Recorder:
    """Walk every application through the funnel, vectorised stage by stage."""
    t_app: np.ndarray = pop["t_app"]
    codes: dict[str, np.ndarray] = pop["codes"]
    n = len(t_app)
    levels = {f: list(getattr(p, f)) for f in codes}

    def linear(intercept: float, effects: dict[str, dict[str, float]], load: float) -> np.ndarray:
        lp = intercept + load * pop["quality"]
        for f, shifts in effects.items():
            lp = lp + _level_values(levels[f], shifts, 0.0)[codes[f]]
        return lp

    scale = np.ones(n)
    for f, scales in p.time_scale.items():
        scale *= _level_values(levels[f], scales, 1.0)[codes[f]]

    withdraw = t_app + np.where(
        rng.random(n) < p.withdraw_probability,
        _lognormal(rng, p.withdraw_median_days, p.withdraw_sigma, n),
        np.inf,
    )
    close = t_app + np.where(
        rng.random(n) < p.close_probability,
        _lognormal(rng, p.close_median_days, p.close_sigma, n),
        np.inf,
    )
    censor = np.minimum(withdraw, close)
    limit = np.minimum(censor, end)
    rounds = np.array([int(k) for k in p.interview_rounds])[_codes(rng, p.interview_rounds, n)]
    screened = (rng.random(n) < p.screen_probability).astype(np.int64)
    steps = screened + rounds  # positive stages before the decision

    rec = _Recorder()
    apps = np.arange(n)
    rec.add(apps, "applied", t_app, 0)

    # First response (the first_response clock of DESIGN.md).
    ghost = rng.random(n) < expit(
        linear(p.ghost_intercept, p.ghost_effects, p.ghost_candidate_effect)
    )
    positive = rng.random(n) < expit(
        linear(p.positive_intercept, p.positive_effects, p.positive_candidate_effect)
    )
    median = scale * np.where(positive, p.first_positive_median_days, p.first_rejection_median_days)
    sigma = np.where(positive, p.first_positive_sigma, p.first_rejection_sigma)
    t = _office(rng, p, t_app + median * np.exp(sigma * rng.standard_normal(n)), t_app)
    got = ~ghost & (t <= limit)
    _follow_ups(rng, p, rec, apps, t_app, np.where(got, t, limit))
    first_stage = np.where(screened == 1, 1, 2)
    pos = got & positive
    rec.add(
        apps[pos],
        np.where(screened[pos] == 1, _EV["screen"], _EV["interview"]),
        t[pos],
        first_stage[pos],
    )
    rej = got & ~positive
    rec.add(apps[rej], "rejection", t[rej], 0)
    decided = rej.copy()
    stage = np.where(pos, first_stage, 0)  # label code of the last positive stage reached

    alive, prev, step = np.flatnonzero(pos), t.copy(), 1
    while alive.size:
        k = alive.size
        final = steps[alive] == step
        on_screen = (screened[alive] == 1) & (step == 1)
        probs = {
            name: np.where(
                final,
                p.after_final_interview.get("offer" if name == "advance" else name, 0.0),
                np.where(
                    on_screen, p.after_screen.get(name, 0.0), p.after_interview.get(name, 0.0)
                ),
            )
            for name in ("advance", "rejection")
        }
        u = rng.random(k)
        advance = u < probs["advance"]
        reject = ~advance & (u < probs["advance"] + probs["rejection"])
        late = rng.random(k) < p.late_offer_probability
        med = np.select(
            [advance & final & late, advance & final, advance, reject],
            [
                p.late_offer_median_days,
                p.offer_median_days,
                p.advance_median_days,
                p.stage_rejection_median_days,
            ],
        )
        sig = np.select(
            [advance & final & late, advance & final, advance, reject],
            [p.late_offer_sigma, p.offer_sigma, p.advance_sigma, p.stage_rejection_sigma],
        )
        # A late offer waits on others' decisions, so it is not sped up or
        # slowed down by the industry's pace like the other answers.
        med = med * np.where(advance & final & late, 1.0, scale[alive])
        t = _office(rng, p, prev[alive] + med * np.exp(sig * rng.standard_normal(k)), prev[alive])
        got = (advance | reject) & (t <= limit[alive])
        _follow_ups(rng, p, rec, alive, prev[alive], np.where(got, t, limit[alive]))
        cur = stage[alive]
        # Codes index _STAGES: step j is round j-1 after a screen, round j without
        # one (round r is code r+1); the last of several rounds is the onsite.
        nxt = np.where(screened[alive] == 1, step + 1, step + 2)
        nxt = np.where((steps[alive] == step + 1) & (rounds[alive] >= 2), 4, nxt)
        is_offer, is_rej, is_next = got & advance & final, got & reject, got & advance & ~final
        rec.add(alive[is_offer], "offer", t[is_offer], cur[is_offer])
        rec.add(alive[is_rej], "rejection", t[is_rej], cur[is_rej])
        rec.add(alive[is_next], "interview", t[is_next], nxt[is_next])
        decided[alive[is_offer | is_rej]] = True
        stage[alive[is_next]] = nxt[is_next]
        prev[alive] = t
        alive, step = alive[is_next], step + 1

    # Withdrawal or closing ends an application still open at that time.
    ended = ~decided & (censor <= end)
    kind = np.where(withdraw <= close, _EV["withdrawn"], _EV["closed"])
    rec.add(apps[ended], kind[ended], censor[ended], stage[ended])
    return rec


def _sorted_events(
    pop: dict[str, Any], p: SimulationParams, rng: np.random.Generator, end_seconds: int
) -> tuple[np.ndarray, ...]:
    """Application index, event code, Unix seconds and stage code of each event, in file order."""
    app, code, t, stage = _histories(pop, p, rng, end_seconds / _SECONDS_PER_DAY).arrays()
    # Whole seconds, as exports show them; rounding is monotone so order and
    # the as-of bound survive it.
    seconds = np.minimum(np.rint(t * _SECONDS_PER_DAY).astype(np.int64), end_seconds)
    order = np.lexsort((code, app, seconds))
    return app[order], code[order], seconds[order], stage[order]


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
        Overrides of :class:`~hiring_funnel.simulate_model.SimulationParams`,
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
    pop = _population(n, p, rng, end_seconds / _SECONDS_PER_DAY)
    app, code, seconds, stage = _sorted_events(pop, p, rng, end_seconds)

    app_ids = _ids("A", n, 6)
    cand_ids = _ids("C", pop["n_cand"], 6, rng)[pop["cand"]]
    comp_ids = _ids("E", pop["n_comp"], 4, rng)[pop["company"]]
    levels = {f: np.array(list(getattr(p, f)), dtype=object) for f in pop["codes"]}
    channel = levels["source"][pop["codes"]["source"]]
    is_applied = code == _EV["applied"]
    events = as_canonical_events(
        pd.DataFrame(
            {
                "application_id": app_ids[app],
                "event": np.array(EVENTS, dtype=object)[code],
                "timestamp": pd.to_datetime(seconds, unit="s", utc=True),
                "candidate_id": cand_ids[app],
                "company_id": comp_ids[app],
                "stage": np.where(stage >= 0, _STAGES[np.maximum(stage, 0)], None),
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
    events = log.events.loc[:, list(_FILE_COLUMNS)].copy()
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
        csv_writer(log.attributes.loc[:, list(_ATTRIBUTE_COLUMNS)]),
        text.encode("utf-8"),
        mapping.encode("utf-8"),
    ]
    files = {out / name: data for name, data in zip(SIMULATED_FILES, contents, strict=True)}
    return write_files(files, force=force)
