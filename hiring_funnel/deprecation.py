"""Old spellings of the public API keep working for one release, with a warning.

The rule of the API (issue 13): a function takes its data positionally and
everything else by keyword (``cause=``, ``covariates=``, ``horizon=``,
``by=``, ``n_resamples=``, ``conf_level=``, ``seed=``). Calls written before
that rule (``cause_specific_cox(ep, "offer", "size")``, ``n_boot=200``) still
work through :func:`keywords_from`, and say how to write them now in a
:class:`DeprecationWarning` whose message starts with ``hiring_funnel:``.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

__all__ = ["MOVED_MODULES", "keywords_from", "warn_moved", "warn_renamed"]

F = TypeVar("F", bound=Callable[..., Any])

#: Modules that moved (issue 13, item 5): old path -> new path. The old path is a
#: thin module that re-exports the new one's public names and warns when it is
#: imported (:func:`warn_moved`); no module of the package imports an old path
#: (tests/test_structure.py), and pytest does not collect them (conftest.py).
MOVED_MODULES: dict[str, str] = {
    "hiring_funnel.anonymize": "hiring_funnel.report.privacy",
    "hiring_funnel.candidates": "hiring_funnel.analyses.repeat_applicants",
    "hiring_funnel.funnel": "hiring_funnel.analyses.stages",
    "hiring_funnel.io.cells": "hiring_funnel.io.cell_values",
    "hiring_funnel.load": "hiring_funnel.io.load",
    "hiring_funnel.mapping": "hiring_funnel.io.mapping",
    "hiring_funnel.regression.cure": "hiring_funnel.regression.ghosting",
    "hiring_funnel.simulate_files": "hiring_funnel.simulate.files",
    "hiring_funnel.summary": "hiring_funnel.analyses.summary",
    "hiring_funnel.validate": "hiring_funnel.io.validate",
}


def warn_moved(old: str) -> None:
    """Warn that the module ``old`` is now :data:`MOVED_MODULES` ``[old]`` (stack level: the import).

    Called from the body of the module at the old path, so the warning points at
    the line that imports it.
    """
    warnings.warn(
        f"hiring_funnel: {old} is now {MOVED_MODULES[old]}; the old path stops working in "
        "the next release",
        DeprecationWarning,
        stacklevel=3,
    )


def warn_renamed(owner: str, old: str, new: str) -> None:
    """Warn that ``old`` is now called ``new`` (stack level: the user's call)."""
    warnings.warn(
        f"hiring_funnel: {owner}: {old} is now called {new}; {old} stops working in the "
        "next release",
        DeprecationWarning,
        stacklevel=3,
    )


def keywords_from(*names: str, renamed: Mapping[str, str] | None = None) -> Callable[[F], F]:
    """Accept the keyword-only ``names`` positionally (in this order) and ``renamed`` old keywords.

    Each such call warns once per call with :class:`DeprecationWarning`, naming
    the keyword to write instead.

    Examples
    --------
    >>> @keywords_from("cause")
    ... def hope(episodes, *, cause="offer"):
    ...     return cause
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     hope([], "rejection")
    'rejection'
    >>> str(caught[0].message)
    "hiring_funnel: hope: pass cause by keyword (cause='rejection'); positional use stops working in the next release"
    """
    old_names = dict(renamed or {})

    def wrap(fn: F) -> F:
        params = inspect.signature(fn).parameters.values()
        n_positional = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)

        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if len(args) > n_positional:
                extra = args[n_positional:]
                if len(extra) > len(names):
                    raise TypeError(
                        f"{fn.__name__}() takes {n_positional + len(names)} positional "
                        f"arguments at most, not {len(args)}"
                    )
                given = []
                for name, value in zip(names, extra, strict=False):
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}() got multiple values for {name!r}")
                    kwargs[name] = value
                    given.append(f"{name}={value!r}")
                warnings.warn(
                    f"hiring_funnel: {fn.__name__}: pass {', '.join(names[: len(extra)])} by "
                    f"keyword ({', '.join(given)}); positional use stops working in the next "
                    "release",
                    DeprecationWarning,
                    stacklevel=2,
                )
                args = args[:n_positional]
            for old, new in old_names.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{fn.__name__}() got both {old!r} and {new!r}")
                    warn_renamed(f"{fn.__name__}()", old, new)
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap
