"""Names a package imports from its modules on first use, and names that moved.

A package's ``__init__`` lists which module holds each public name; importing
the package then costs nothing until a name is used (``import hiring_funnel``
does not import matplotlib, lifelines or Ibis). One function makes the
module-level ``__getattr__`` and ``__dir__`` (PEP 562) for every package
that does this, so the rule is written once.

Examples
--------
>>> import sys, types
>>> sys.modules["demo"] = types.ModuleType("demo")  # a package whose __init__ would do this
>>> getattr_, dir_ = lazy_names("demo", {"sqrt": "math"})
>>> getattr_("sqrt")(9.0), "sqrt" in dir_()
(3.0, True)
>>> del sys.modules["demo"]
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable, Mapping

__all__ = ["lazy_names"]


def lazy_names(
    package: str,
    names: Mapping[str, str],
    *,
    moved: Mapping[str, str] | None = None,
    fallback: Callable[[str], object] | None = None,
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``.

    ``names`` maps a public name to the module that defines it: the first use
    imports that module and keeps the value in the package. ``moved`` maps
    old names to the module they moved to: each use warns (a
    :class:`DeprecationWarning` naming the new path). ``fallback`` is asked
    for any other name (``None`` if it has none) before ``AttributeError``.
    """
    moved = dict(moved or {})

    def __getattr__(name: str) -> object:
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
            setattr(sys.modules[package], name, value)
            return value
        if name in moved:
            warnings.warn(
                f"hiring_funnel: {package}.{name} is now {moved[name]}.{name}; "
                "the old path stops working in the next release",
                DeprecationWarning,
                stacklevel=2,
            )
            return getattr(importlib.import_module(moved[name]), name)
        value = fallback(name) if fallback is not None else None
        if value is not None:
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *names})

    return __getattr__, __dir__
