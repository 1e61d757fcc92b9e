"""One shape for every result: a tidy table, read-only meta data, structured notes.

Every object an estimator or a model returns is a :class:`Result`: ``table``
(a DataFrame whose columns its kind fixes), ``meta`` (a read-only mapping of
facts about the fit: sizes, levels, methods), ``notes`` (caveats a reader
should see, as :class:`Note` records with a stable ``code``), one HTML view
for notebooks, :meth:`Result.summary` as text and :meth:`Result.plot` where a
picture exists.

Two shapes cover the estimators and models:

- :class:`EstimateResult`: curves and their summaries (Kaplan-Meier,
  cumulative incidence, still hope, outcome mix, quantiles), columns
  :data:`ESTIMATE_COLUMNS` whatever the kind;
- :class:`CoefficientResult`: one row per model term, columns
  :data:`COEFFICIENT_COLUMNS`, with ``meta["effect"]`` naming what
  ``estimate`` is (hazard ratio, subdistribution hazard ratio, time ratio,
  odds ratio).

A kind of estimate is described once, by the module that makes it, with
:func:`register_kind` (its title, the plot that draws it, and the value a
bootstrap replicate takes when it drew no event for a curve), so that a new
estimator touches one module.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

import pandas as pd

from hiring_funnel.schema import HiringFunnelError

__all__ = [
    "COEFFICIENT_COLUMNS",
    "ESTIMATE_COLUMNS",
    "CoefficientResult",
    "EstimateResult",
    "Kind",
    "Meta",
    "Note",
    "Result",
    "kind_of",
    "register_kind",
]

#: The fixed columns of every estimate table (CONVENTIONS.md, item 3); the
#: confidence level lives in ``meta``, never in a column name.
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "group",
    "time",
    "cause",
    "estimate",
    "ci_lower",
    "ci_upper",
    "at_risk",
    "events",
)

#: The fixed columns of every coefficient table: ``estimate`` is exp(coef), the
#: effect ``meta["effect"]`` names, with its interval; ``level`` is missing for
#: a numeric term.
COEFFICIENT_COLUMNS: tuple[str, ...] = (
    "term",
    "level",
    "estimate",
    "ci_lower",
    "ci_upper",
    "coef",
    "std_error",
    "p_value",
)

_SHOWN_ROWS = 20


@dataclass(frozen=True)
class Note:
    """A caveat about a result: a stable ``code``, the ``text`` a reader sees, the numbers behind it.

    ``str(note)`` is its text. Code that acts on a note reads ``code`` and
    ``data``, never the text.

    Examples
    --------
    >>> n = Note("few_events", "8 events for 2 parameters", {"events": 8})
    >>> str(n), n.code, n.data["events"]
    ('8 events for 2 parameters', 'few_events', 8)
    """

    code: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text


def as_notes(items: Iterable[Note | str] | None, code: str = "note") -> tuple[Note, ...]:
    """Notes from records or plain strings (a string becomes a Note with ``code``)."""
    return tuple(n if isinstance(n, Note) else Note(code, str(n)) for n in (items or ()))


class Meta(dict[str, Any]):
    """A read-only dict: a result's facts cannot change after it is made.

    It is a ``dict`` for everything that reads one (``json.dumps``, ``dict(m)``,
    pickling); every method that would change it raises ``TypeError``.

    Examples
    --------
    >>> m = Meta({"n": 3})
    >>> m["n"]
    3
    >>> m["n"] = 4
    Traceback (most recent call last):
    ...
    TypeError: a result's meta is read-only; copy it with dict(result.meta)
    """

    def _read_only(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("a result's meta is read-only; copy it with dict(result.meta)")

    __setitem__ = __delitem__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only
    __ior__ = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        return (Meta, (dict(self),))

    def __deepcopy__(self, memo: dict[int, Any]) -> Meta:
        import copy

        return Meta(copy.deepcopy(dict(self), memo))


def freeze(value: Any) -> Any:
    """Nested dicts as :class:`Meta`, so that no fact inside can be changed through ``meta`` either."""
    if isinstance(value, Mapping) and not isinstance(value, Meta):
        return Meta({k: freeze(v) for k, v in value.items()})
    return value


@dataclass(frozen=True)
class Kind:
    """What a kind of estimate is: its title, the plot that draws it, its empty value.

    ``plot`` is ``"module:function"``, imported when a result of the kind is
    drawn (so that making one does not load matplotlib); ``empty`` the value
    of a curve in a bootstrap replicate that drew no event for it (no
    incidence, no drop in survival), or None.
    """

    name: str
    title: str
    plot: str | None = None
    empty: float | None = None

    @property
    def plot_name(self) -> str | None:
        """The plot function's name, e.g. ``"plot_survival"``."""
        return self.plot.rsplit(":", 1)[1] if self.plot else None

    def plot_function(self) -> Callable[..., Any]:
        """The plot function itself."""
        if self.plot is None:
            raise HiringFunnelError(f"there is no plot of a {self.name} result")
        module, name = self.plot.split(":")
        return getattr(importlib.import_module(module), name)


_KINDS: dict[str, Kind] = {}


def register_kind(
    name: str, title: str, *, plot: str | None = None, empty: float | None = None
) -> Kind:
    """Describe a kind of estimate once, in the module that makes it; returns the :class:`Kind`.

    Examples
    --------
    >>> register_kind("kaplan_meier", "Kaplan-Meier: chance of still waiting for any answer",
    ...               plot="hiring_funnel.plots.curves:plot_survival", empty=1.0).plot_name
    'plot_survival'
    """
    kind = Kind(name, title, plot, empty)
    _KINDS[name] = kind
    return kind


def kind_of(name: str) -> Kind | None:
    """The registered :class:`Kind` called ``name``, or None."""
    return _KINDS.get(name)


def _ensure_estimators() -> None:
    # The estimator modules register their kinds when imported.
    importlib.import_module("hiring_funnel.estimators")


class Result:
    """The base of every result: ``table``, read-only ``meta``, ``notes``, one HTML view.

    Subclasses are frozen dataclasses with at least the fields ``table``,
    ``meta`` and ``notes`` (the dataclass ``__init__`` calls the
    ``__post_init__`` below, which freezes them) and describe themselves
    through :meth:`title`, :meth:`facts` and :meth:`extra_tables`.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> ep = hf.episodes(hf.simulate(100, seed=1).events, "decision")
    >>> result = hf.kaplan_meier(ep)
    >>> isinstance(result, hf.Result), result.summary().splitlines()[0]
    (True, 'Kaplan-Meier: chance of still waiting for any answer')
    """

    table: pd.DataFrame
    meta: dict[str, Any]
    notes: tuple[Note, ...]

    def __post_init__(self) -> None:
        self._settle()

    def _settle(self) -> None:
        """Freeze ``meta`` and make ``notes`` records; old string notes in ``meta["notes"]`` move over."""
        meta = dict(self.meta or {})
        notes = as_notes(self.notes) or as_notes(meta.get("notes"))
        meta["notes"] = [n.text for n in notes]  # the texts, for code that reads meta
        object.__setattr__(self, "meta", freeze(meta))
        object.__setattr__(self, "notes", notes)

    # -- description, overridden by the kinds ---------------------------------------
    def title(self) -> str:
        """One line naming what the result is."""
        return type(self).__name__

    def facts(self) -> list[str]:
        """Short facts shown under the title (sizes, levels, methods)."""
        level = self.meta.get("conf_level")
        return [f"{int(round(100 * level))}% intervals"] if level else []

    def extra_tables(self) -> list[tuple[str, pd.DataFrame]]:
        """Tables shown after the main one, with their captions."""
        return []

    def shown_table(self) -> pd.DataFrame:
        """The main table as the views show it (``table`` itself, unless a kind reads better otherwise)."""
        return self.table

    # -- one view ------------------------------------------------------------------
    def _repr_html_(self) -> str:
        facts = "; ".join(html.escape(f) for f in self.facts() if f)
        notes = "".join(f"<li>{html.escape(n.text)}</li>" for n in self.notes)
        parts = [f"<div><strong>{html.escape(self.title())}</strong>"]
        if facts:
            parts.append(f"<p>{facts}</p>")
        if notes:
            parts.append(f"<p>Notes:</p><ul>{notes}</ul>")
        for caption, frame in [("", self.shown_table()), *self.extra_tables()]:
            if caption:
                parts.append(f"<p>{html.escape(caption)}</p>")
            shown = frame
            if len(frame) > _SHOWN_ROWS:
                shown = pd.concat([frame.head(_SHOWN_ROWS // 2), frame.tail(_SHOWN_ROWS // 2)])
            parts.append(shown.to_html(index=False, float_format=lambda x: f"{x:.4g}", na_rep=""))
            if len(frame) > _SHOWN_ROWS:
                half = _SHOWN_ROWS // 2
                parts.append(f"<p>{len(frame):,} rows; first and last {half} shown.</p>")
        return "".join(parts) + "</div>"

    def summary(self) -> str:
        """The result as plain text: title, facts, notes and the table."""
        lines = [self.title()]
        facts = "; ".join(f for f in self.facts() if f)
        if facts:
            lines.append(facts)
        lines += [f"note: {n.text}" for n in self.notes]
        for caption, frame in [("", self.shown_table()), *self.extra_tables()]:
            if caption:
                lines.append(caption)
            with pd.option_context("display.max_rows", _SHOWN_ROWS, "display.width", 120):
                lines.append(frame.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        return "\n".join(lines)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw the result on ``ax`` (matplotlib Axes) and return the Axes."""
        raise HiringFunnelError(f"there is no plot of a {type(self).__name__}")


@dataclass(frozen=True)
class EstimateResult(Result):
    """One estimator's output: a tidy ``table``, its ``meta`` data and ``notes``.

    Attributes
    ----------
    kind : str
        Which estimator made it (``"kaplan_meier"``, ``"cumulative_incidence"``, ...).
    table : DataFrame
        Whatever the kind: the columns :data:`ESTIMATE_COLUMNS` plus
        ``std_error`` (on the estimate's own scale), then the kind's own
        (``waiting_quantiles``: ``prob, reached``). Curves (Kaplan-Meier,
        cumulative incidence, still hope, outcome mix) have one row per group,
        time and cause; a summary of a curve leaves a column that means
        nothing for it missing (the views hide such a column).
    meta : Meta
        ``n`` (episodes per group), ``events`` (per group and cause),
        ``conf_level``, ``variance`` (the variance method), ``interval`` (the
        scale of the interval), ``by``, ``groups`` (the ``by`` values of each
        group label), ``as_of``, ``not_estimable`` (group or curve -> reason)
        for curves left out of the table; read-only.
    notes : tuple of Note
        Caveats a reader should see (e.g. a curve carried past its last day).

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> ep = hf.episodes(hf.simulate(100, seed=1).events, "decision")
    >>> km = hf.kaplan_meier(ep)
    >>> km.kind, list(km.table.columns[:4])
    ('kaplan_meier', ['group', 'time', 'cause', 'estimate'])
    """

    kind: str
    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()

    @property
    def not_estimable(self) -> dict[str, str]:
        """Curves left out of the table, with the reason (e.g. no events in the group)."""
        return dict(self.meta.get("not_estimable", {}))

    def shown_table(self) -> pd.DataFrame:
        """The table as the views show it: without a column of every estimate that means
        nothing for this kind (all missing, e.g. ``time`` of the quantiles)."""
        empty = [
            c
            for c in ("time", "at_risk", "events", "std_error")
            if c in self.table.columns and self.table[c].isna().all()
        ]
        return self.table.drop(columns=empty)

    def title(self) -> str:
        _ensure_estimators()
        kind = kind_of(self.kind)
        return kind.title if kind else self.kind

    def facts(self) -> list[str]:
        facts = super().facts()
        for key in ("variance", "interval"):
            if self.meta.get(key):
                facts.append(f"{key}: {self.meta[key]}")
        if self.meta.get("as_of") is not None:
            facts.append(f"as of {self.meta['as_of']}")
        facts += [f"not estimable: {k}: {v}" for k, v in self.not_estimable.items()]
        return facts

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw with the kind's plot (:func:`hiring_funnel.plots.plot_survival`, ...)."""
        _ensure_estimators()
        kind = kind_of(self.kind)
        if kind is None or kind.plot is None:
            raise HiringFunnelError(f"there is no plot of a {self.kind} result")
        return kind.plot_function()(self, ax=ax, **kwargs)


@dataclass(frozen=True)
class CoefficientResult(Result):
    """A fitted model: one row per term, columns :data:`COEFFICIENT_COLUMNS`.

    ``meta["effect"]`` names what ``estimate`` is ("hazard ratio",
    "subdistribution hazard ratio", "time ratio", "odds ratio"); ``meta``
    also holds the model's facts (``n``, ``events``, ``conf_level``,
    ``reference`` levels, ...). ``covariance`` is the covariance of ``coef``
    (indexed by ``term=level``). :meth:`plot` draws a forest plot.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(400, seed=1)
    >>> ep = hf.episodes(sim.events, "decision", attributes=sim.attributes)
    >>> fit = hf.cause_specific_cox(ep, cause="offer", covariates="remote")
    >>> isinstance(fit, hf.CoefficientResult), fit.effect, list(fit.table.columns[:3])
    (True, 'hazard ratio', ['term', 'level', 'estimate'])
    """

    table: pd.DataFrame
    covariance: pd.DataFrame = field(default_factory=pd.DataFrame)
    meta: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()

    def facts(self) -> list[str]:
        refs = ", ".join(f"{k} = {v}" for k, v in self.meta.get("reference", {}).items())
        coding = f"treatment coding against the most frequent level ({refs})" if refs else ""
        return [*super().facts(), coding]

    @property
    def effect(self) -> str:
        """What ``estimate`` is: "hazard ratio", "time ratio", ..."""
        return str(self.meta.get("effect", "estimate"))

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """A forest plot of the estimates (:func:`hiring_funnel.plot_forest`)."""
        from hiring_funnel.regression.forest import plot_forest

        return plot_forest(self, ax=ax, **kwargs)
