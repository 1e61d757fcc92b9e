"""A model's notes and errors as the report publishes them: worded from their code and data.

The models say what went wrong for the analyst who fitted them, counts and
days included ("only 3.4 events of 'positive' per parameter", "last answer on
day 40 of 41"). The report's regression section fits a combination of
breakdowns, so it publishes no count of the applications fitted, and no day
past the last day its curves show (it would date one person's answer). This
module words each note and error afresh from its ``code`` and ``data``
(:class:`hiring_funnel.results.Note`, :class:`hiring_funnel.schema.HiringFunnelError`),
with only what may be published: the column, the level (both already shown
in the section's tables), the cause, and days up to the last day shown. The
model's own text is never read.

A code this module does not know is published as a general sentence naming
the column, never as the model's text.

Examples
--------
>>> from hiring_funnel.results import Note
>>> published(Note("few_events", "only 3.4 events per parameter", {"threshold": 10}), cutoff=30)
'few events per parameter (fewer than 10): estimates may be biased and intervals too narrow'
>>> print(published(Note("no_plateau", "...", {"last_answer": 40.0, "end": 41.0}), cutoff=30))
the share answered has not levelled off by the last answer (on a day after day 30): the share never answered leans on the model's tail
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hiring_funnel.report import words as f
from hiring_funnel.results import Note
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.text import short_label

__all__ = ["published"]


def published(item: Note | HiringFunnelError, *, cutoff: float) -> str:
    """The sentence the report shows for a model's note or error, from its code and data alone.

    ``cutoff`` is the last day the report's curves show: a later day is
    written "a day after day <cutoff>".
    """
    data: Mapping[str, Any] = item.data
    column = getattr(item, "column", None)
    word = _WORDING.get(item.code or "")
    if word is None:
        where = f"column {short_label(column)!r}: " if column else ""
        return f"{where}the data do not allow it ({(item.code or 'unnamed').replace('_', ' ')})"
    return word(data, lambda day: _day(day, cutoff))


def _day(day: float, cutoff: float) -> str:
    return f"day {day:g}" if day <= cutoff else f"a day after day {cutoff:g}"


def _level(data: Mapping[str, Any]) -> str:
    column = f"column {short_label(data.get('column'))!r}"
    if data.get("level") is None:
        return column
    return f"{column}: level {short_label(data['level'])!r}"


def _cause(data: Mapping[str, Any]) -> str:
    cause = str(data.get("cause"))
    return f.CAUSE_PLURAL.get(cause, cause + "s")


_Wording = Callable[[Mapping[str, Any], Callable[[float], str]], str]

_WORDING: dict[str, _Wording] = {
    "few_events": lambda d, day: (
        f"few events per parameter (fewer than {d.get('threshold', 10)}): estimates may be "
        "biased and intervals too narrow"
    ),
    "too_few_events": lambda d, day: "fewer events than parameters",
    "no_events": lambda d, day: f"no {_cause(d)}: there is nothing to model",
    "constant_covariate": lambda d, day: (
        f"{_level(d)} is the only published level: it cannot explain differences"
    ),
    "separation": lambda d, day: (
        f"{_level(d)} has no {_cause_quoted(d)}: its estimate would be infinite "
        "(perfect separation)"
    ),
    "duplicate_covariate": lambda d, day: (
        f"{_level(d)} duplicates column {short_label(d.get('other'))!r} (one determines the other)"
    ),
    "collinear_covariate": lambda d, day: (
        f"{_level(d)} is determined by the other columns (collinear)"
    ),
    "not_converged": lambda d, day: (
        f"the fit did not converge; {_level(d)} has the largest coefficient, which suggests "
        "(quasi-)separation"
    ),
    "not_identified": lambda d, day: (
        "no application still waiting is followed past the last answer "
        f"({day(float(d['last_answer']))}): the share never answered is not identified"
    ),
    "no_plateau": lambda d, day: (
        "the share answered has not levelled off by the last answer "
        f"(on {day(float(d['last_answer']))}): the share never answered leans on the "
        "model's tail"
    ),
}


def _cause_quoted(data: Mapping[str, Any]) -> str:
    """The events a level lacks: "'positive' events" for a cause, "answers" for the ghosting model."""
    cause = str(data.get("cause"))
    if cause in f.CAUSE_WORDS:
        return f"{cause!r} events"
    return {"answer": "answers", "no answer": "unanswered application"}.get(cause, cause)
