"""Write the API reference's pages from the package's ``__all__`` lists.

Nothing about the API is listed by hand: the sections are ``hiring_funnel``
itself (its ``__all__``) and every public subpackage that declares
``__all__`` (plus the modules in :data:`MODULES`), except a subpackage that has
the name of a top-level function (``hiring_funnel.simulate``), so a name added to or
moved between ``__all__`` lists shows up in the reference at the next build.

An object exported in several places (``hf.cause_specific_cox`` is
``hf.regression.cause_specific_cox``) is documented once, at the first place
in :func:`sections` order (the top level first); the other sections list it in
a table that links there (``conf.py`` resolves the link by identity).

Importable without Sphinx: ``tests/test_docs_reference.py`` checks that every
name of ``hiring_funnel.__all__`` gets an entry.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGE = "hiring_funnel"
#: Plain modules (not packages) that are sections of their own when they exist.
MODULES = ("results",)
#: Names of ``__all__`` that get no entry (the version is on every page).
SKIP = frozenset({"__version__"})
KINDS = (("class", "Classes"), ("function", "Functions"), ("data", "Constants"))


@dataclass
class Section:
    module: str
    names: list[str]
    #: kind -> names documented in this section
    own: dict[str, list[str]] = field(default_factory=dict)
    #: names documented in another section: name -> documented full name
    elsewhere: dict[str, str] = field(default_factory=dict)


def kind_of(obj: Any) -> str:
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def sections() -> list[Section]:
    """The top level, then the public subpackages (and :data:`MODULES`) with ``__all__``."""
    top = importlib.import_module(PACKAGE)
    found = [Section(PACKAGE, list(top.__all__))]
    for info in sorted(pkgutil.iter_modules(top.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or not (info.ispkg or info.name in MODULES):
            continue
        if info.name in top.__all__:
            # hf.simulate is the function, documented as hiring_funnel.simulate; the
            # package of that name would be a second object of the same name.
            continue
        module = importlib.import_module(f"{PACKAGE}.{info.name}")
        if isinstance(getattr(module, "__all__", None), list | tuple):
            found.append(Section(module.__name__, list(module.__all__)))
    return found


def _key(name: str, obj: Any) -> tuple[Any, ...]:
    # Classes and functions are the same object wherever they are exported;
    # constants are compared by name too, as two equal small strings can be
    # one object.
    return (id(obj),) if kind_of(obj) != "data" else (id(obj), name)


def plan() -> tuple[list[Section], dict[tuple[Any, ...], str]]:
    """Sections with their names split into documented here / elsewhere, and the
    map from an object's key to the one full name it is documented under."""
    documented: dict[tuple[Any, ...], str] = {}
    result = sections()
    for section in result:
        module = importlib.import_module(section.module)
        section.own = {kind: [] for kind, _ in KINDS}
        for name in sorted(section.names, key=lambda n: (n.lower(), n)):
            if name in SKIP:
                continue
            obj = getattr(module, name)
            key = _key(name, obj)
            if key in documented:
                section.elsewhere[name] = documented[key]
                continue
            documented[key] = f"{section.module}.{name}"
            section.own[kind_of(obj)].append(name)
    return result, documented


def _title(text: str, underline: str) -> str:
    return f"{text}\n{underline * len(text)}\n"


def render(section: Section) -> str:
    lines = [
        _title(f"``{section.module}``", "="),
        f".. automodule:: {section.module}\n   :no-members:\n",
        f".. currentmodule:: {section.module}\n",
    ]
    for kind, heading in KINDS:
        names = section.own.get(kind, [])
        if not names:
            continue
        lines.append(_title(heading, "-"))
        lines.append(".. autosummary::\n   :toctree: generated\n   :nosignatures:\n")
        lines.extend(f"   {name}" for name in names)
        lines.append("")
    if section.elsewhere:
        lines.append(_title("Also exported here", "-"))
        lines.append("Documented where they are first exported:\n")
        lines.extend(
            f"- :py:obj:`{section.module}.{name} <{target}>`"
            for name, target in sorted(section.elsewhere.items())
        )
        lines.append("")
    return "\n".join(lines)


def index(found: list[Section]) -> str:
    lines = [
        _title("API reference", "="),
        "Generated from the docstrings. The pages follow the ``__all__`` lists: the package's",
        "top level first, then each public subpackage. A name exported in several places is",
        "documented at the first of them, and listed with a link in the others.\n",
        ".. toctree::\n   :maxdepth: 1\n",
    ]
    lines.extend(f"   {section.module}" for section in found)
    lines.append("")
    return "\n".join(lines)


def _write(path: Path, text: str) -> None:
    # Unchanged pages keep their time stamp, so Sphinx does not reread them.
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write(out: Path) -> dict[tuple[Any, ...], str]:
    """Write ``index.rst`` and one page per section into ``out``; return the plan's map."""
    found, documented = plan()
    out.mkdir(parents=True, exist_ok=True)
    pages = {f"{section.module}.rst": render(section) for section in found}
    pages["index.rst"] = index(found)
    for stale in out.glob("*.rst"):
        if stale.name not in pages:
            stale.unlink()
    # autosummary writes generated/<full name>.rst; a name that left __all__
    # would leave a page outside every toctree (a warning) behind.
    stubs = {
        f"{section.module}.{name}.rst"
        for section in found
        for names in section.own.values()
        for name in names
    }
    for stale in (out / "generated").glob("*.rst"):
        if stale.name not in stubs:
            stale.unlink()
    for name, text in pages.items():
        _write(out / name, text)
    return documented
