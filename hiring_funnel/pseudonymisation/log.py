"""Pseudonymise a log after it is read: canonical events and attributes, every wait kept.

``hiring-funnel pseudonymise RAW --log`` (or with ``--mapping``, for an ATS
export read through a preset such as ``greenhouse``) reads RAW as any command
does (:func:`hiring_funnel.read_events`: the mapping, attributes and export
date found beside it), then writes the log the analysis needs and nothing
else:

- ``events.csv``: the canonical events. ``application_id``, ``candidate_id``
  and ``company_id`` become keyed pseudonyms
  (:func:`~hiring_funnel.pseudonymisation.hashing.pseudonyms`, the same as for
  a raw export, so they join); each timestamp moves by its candidate's shift
  (:func:`~hiring_funnel.pseudonymisation.hashing.shift_days`: whole weeks,
  earlier; an application without a candidate is its own); ``event`` is kept
  (the canonical vocabulary); ``stage`` and ``channel`` are decided as a raw
  export's columns are (folded below k candidates, dropped as free text or
  contact details). The line numbers of the raw file are not written.
- ``attributes.csv``: one row per application, its attributes decided column
  by column as for a raw export (:func:`~hiring_funnel.pseudonymisation.pseudonymise`),
  and ``observed_until``: the export date moved by the application's shift
  (:mod:`hiring_funnel.observation`), so that an application still open at
  the export date keeps its wait. Every duration of the analysis is the same
  before and after. A log that begins late (``observed_from``, of the log or
  per application) gets ``observed_from`` per application, moved the same
  way, so every late entry is the same too.
- ``mapping.toml``: the export date of the pseudonymised log (the latest
  ``observed_until``), found beside ``events.csv`` by every command.
- ``manifest.json``: what was done (:mod:`~hiring_funnel.pseudonymisation.manifest`),
  with the rows quarantined while reading (counted, never shown).

Everything a mapping does not read (names, emails, notes, answers) never
reaches the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.clocks import resolve_as_of, utc_ns
from hiring_funnel.observation import OBSERVED_FROM, OBSERVED_UNTIL, observation_starts
from hiring_funnel.pseudonymisation.core import pseudonymise
from hiring_funnel.pseudonymisation.hashing import pseudonyms, shift_days
from hiring_funnel.pseudonymisation.keys import check_key
from hiring_funnel.pseudonymisation.manifest import ABOUT, KIND, tool_version
from hiring_funnel.report.suppression import DEFAULT_MIN_GROUP
from hiring_funnel.schema import EventLog, HiringFunnelError

__all__ = ["ID_COLUMNS", "PseudonymisedLog", "pseudonymise_log"]

#: The canonical columns that identify applications, people or employers.
ID_COLUMNS = ("application_id", "candidate_id", "company_id")
#: Canonical columns whose values are decided like a raw export's categories.
_LABEL_COLUMNS = ("stage", "channel")
#: The column that carries each row's person while columns are decided (never written).
_PERSON = "__person__"
_DAY_NS = 86_400 * 10**9
#: What the manifest says of the columns the pseudonymised attributes gain.
_ADDED = {
    OBSERVED_UNTIL: "each application's export date moved by its shift, so that open "
    "applications keep their wait",
    OBSERVED_FROM: "each application's start of observation (late entry) moved by its "
    "shift, so that late entries keep their day",
}


@dataclass(frozen=True)
class PseudonymisedLog:
    """A pseudonymised log: ``events``, ``attributes`` (text cells), ``as_of`` and ``manifest``."""

    events: pd.DataFrame
    attributes: pd.DataFrame
    as_of: str
    manifest: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "manifest", MappingProxyType(dict(self.manifest)))


def pseudonymise_log(log: EventLog, key: bytes, *, k: int = DEFAULT_MIN_GROUP) -> PseudonymisedLog:
    """The log with keyed pseudonyms, dates moved per candidate and each application's own end.

    Parameters
    ----------
    log : EventLog
        From :func:`hiring_funnel.read_events` (the pandas path).
    key : bytes
        The secret key, at least 32 random bytes.
    k : int
        Levels held by fewer than ``k`` candidates are folded into "Other".

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(200, seed=1)
    >>> log = hf.read_events(sim.events, attributes=sim.attributes, as_of=sim.as_of)
    >>> p = pseudonymise_log(log, bytes(range(32)))
    >>> moved = hf.read_events(p.events, attributes=p.attributes, as_of=p.as_of)
    >>> a = hf.episodes(log, "decision")["duration"].sort_values().to_numpy()
    >>> b = hf.episodes(moved, "decision")["duration"].sort_values().to_numpy()
    >>> bool((a == b).all()), p.manifest["kind"]
    (True, 'pseudonymised')
    """
    if not isinstance(log, EventLog):
        raise HiringFunnelError(
            "pseudonymise_log takes a log read in memory (read_events without engine=)"
        )
    key = check_key(key)
    events = log.events.reset_index(drop=True)
    if events.empty:
        raise HiringFunnelError("the log has no usable rows: nothing to pseudonymise")
    as_of = resolve_as_of(log.as_of, utc_ns(events["timestamp"]))
    person = _people(events)
    shift_ns = _shifts(key, person) * _DAY_NS

    out = pd.DataFrame(index=events.index)
    for c in ID_COLUMNS:
        if c in events.columns:
            out[c] = _hashed(events[c], key)
    out["event"] = events["event"].astype(str)
    out["timestamp"] = _iso(utc_ns(events["timestamp"]) + shift_ns)
    labels = [c for c in _LABEL_COLUMNS if c in events.columns]
    decided: dict[str, Any] = {}
    if labels:
        part = pseudonymise(
            events[labels].assign(**{_PERSON: person}),
            key,
            ids=[_PERSON],
            candidate=_PERSON,
            dates=[],
            k=k,
        )
        for c in labels:
            if c in part.frame.columns:
                out[c] = part.frame[c].to_numpy()
        decided["events"] = _columns_part(part.manifest)

    apps = events.drop_duplicates("application_id")
    app_person = pd.Series(person[apps.index].to_numpy(), index=apps["application_id"].to_numpy())
    attrs = _attributes(log.attributes, apps["application_id"])
    who = app_person.reindex(attrs["application_id"].to_numpy()).to_numpy()
    part = pseudonymise(
        attrs.assign(**{_PERSON: who}),
        key,
        ids=["application_id", _PERSON],
        candidate=_PERSON,
        dates=[],
        k=k,
    )
    attributes = part.frame.drop(columns=[_PERSON])
    own = as_of.value + _shifts(key, pd.Series(who)) * _DAY_NS
    attributes[OBSERVED_UNTIL] = _iso(own)
    shifted, added = ["timestamp", OBSERVED_UNTIL], {OBSERVED_UNTIL: _ADDED[OBSERVED_UNTIL]}
    from_ns = None if log.observed_from is None else log.observed_from.value
    starts = observation_starts(log.attributes, pd.Index(attrs["application_id"]), from_ns)
    if starts is not None:  # late entry: each application's start, moved as its events
        known = starts != np.iinfo(np.int64).min
        moved = np.where(known, starts + _shifts(key, pd.Series(who)) * _DAY_NS, 0)
        attributes[OBSERVED_FROM] = pd.Series(_iso(moved)).where(known, None).to_numpy()
        shifted.append(OBSERVED_FROM)
        added[OBSERVED_FROM] = _ADDED[OBSERVED_FROM]
    decided["attributes"] = _columns_part(part.manifest)
    moved_as_of = _iso(np.array([own.max()]))[0]
    manifest = {
        "kind": KIND,
        "about": ABOUT,
        "tool": tool_version(),
        "source": Path(log.source).name,
        "mode": "log",
        **{name: int(n) for name, n in log.counts().items()},
        "events": int(len(out)),
        "applications": int(len(attributes)),
        "k": k,
        "hashed": [c for c in ID_COLUMNS if c in events.columns],
        "shifted": shifted,
        "kept": ["event"],
        "added": added,
        "columns": decided,
    }
    return PseudonymisedLog(out, attributes, moved_as_of, manifest)


def _people(events: pd.DataFrame) -> pd.Series:
    """Each row's person: its candidate, else its application (one shift per person)."""
    app = events["application_id"].astype("string")
    if "candidate_id" not in events.columns:
        return ("application:" + app).astype(object)
    cand = events["candidate_id"].astype("string")
    # The first candidate of each application, so an application moves as one.
    first = cand.groupby(app, sort=False).transform("first")
    return ("candidate:" + first).fillna("application:" + app).astype(object)


def _shifts(key: bytes, people: pd.Series) -> np.ndarray:
    codes, uniques = pd.factorize(people)
    return np.asarray(shift_days(key, list(uniques)), dtype=np.int64)[codes]


def _hashed(values: pd.Series, key: bytes) -> np.ndarray:
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    mapped = np.array([*pseudonyms(key, [str(u) for u in uniques]), None], dtype=object)
    return mapped[codes]


def _iso(ns: np.ndarray) -> np.ndarray:
    """Instants in ns since 1970 as ISO 8601 UTC text, to the microsecond when needed."""
    stamps = pd.to_datetime(np.asarray(ns, dtype=np.int64), utc=True)
    fine = (np.asarray(ns, dtype=np.int64) % 10**9 != 0).any()
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if fine else "%Y-%m-%dT%H:%M:%SZ"
    return np.asarray(stamps.strftime(fmt), dtype=object)


def _attributes(attributes: pd.DataFrame | None, apps: pd.Series) -> pd.DataFrame:
    """One row per application of the events, with its attributes (none: the id alone)."""
    frame = pd.DataFrame({"application_id": apps.astype("string").to_numpy()})
    if attributes is None or attributes.shape[1] <= 1:
        return frame
    extra = attributes.drop(columns=[OBSERVED_UNTIL, OBSERVED_FROM], errors="ignore").copy()
    extra["application_id"] = extra["application_id"].astype("string")
    return frame.merge(extra, on="application_id", how="left")


def _columns_part(manifest: Any) -> dict[str, Any]:
    """What a raw-export manifest says about its columns, without the helper column."""
    keep = ("shifted", "kept", "folded", "dropped")
    part = {name: manifest[name] for name in keep if name in manifest}
    part["hashed"] = [c for c in manifest.get("hashed", []) if c != _PERSON]
    return part
