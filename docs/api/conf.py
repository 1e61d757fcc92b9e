"""Sphinx configuration of the reference documentation (built by scripts/docs.sh).

The API pages are written at each build from the package's ``__all__`` lists
(``_ext/apiref.py``, into ``reference/``, which is not committed); the
notebooks are ``notebooks/`` (a link to the repository's folder), executed
during the build; ``docs/*.md`` are included by the pages of the same name.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import apiref  # noqa: E402

import hiring_funnel  # noqa: E402

project = "hiring_funnel"
author = "hiring_funnel contributors"
copyright = "hiring_funnel contributors"
release = version = hiring_funnel.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "myst_nb",  # Markdown (MyST) pages and Jupyter notebooks
]
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "notebooks/README.md",  # the folder's own note; notebooks.md introduces them here
    "**/.ipynb_checkpoints",
]
root_doc = "index"

# -- API reference: autodoc, autosummary and napoleon (numpydoc-style docstrings)
autosummary_generate = True
autosummary_ignore_module_all = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_preserve_defaults = False
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True

# -- Every reference must resolve (sphinx-build -n), but only inside this package:
# the builds run without network, so there is no intersphinx inventory of Python,
# pandas, numpy or matplotlib to link their names to.
nitpick_ignore_regex = [
    (r"py:.*", r"(?!hiring_funnel\b).*"),
]

# -- Notebooks: executed at every build, top to bottom in their own folder (so
# their ../data paths hold), as tests/test_notebooks.py runs them; an error in
# a cell fails the build.
nb_execution_mode = "force"
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3
# Notebook 06 puts a "###" heading right under its "#" title; its looks are the
# notebook's business, not a broken page.
suppress_warnings = ["myst.header"]

html_theme = "furo"
html_title = f"hiring_funnel {release}"
html_static_path: list[str] = []

#: object key (apiref._key) -> the one full name it is documented under
DOCUMENTED: dict[tuple[Any, ...], str] = {}


def _write_reference(app: Any, config: Any) -> None:
    DOCUMENTED.clear()
    DOCUMENTED.update(apiref.write(Path(app.srcdir) / "reference"))


def _lookup(dotted: str) -> tuple[str, Any] | None:
    """The object a dotted name of this package names, and its last name."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return parts[-1], obj
    return None


def _documented_name(target: str, module: str | None) -> str | None:
    """Where ``target`` is documented: an alias (``hiring_funnel.regression.cox.CoxResult``)
    is followed to the object's one entry; a bare name (``EstimateResult`` in a
    numpydoc type) to the one documented object of that name."""
    candidates = [target] if target.startswith("hiring_funnel.") else []
    if module and not target.startswith("hiring_funnel."):
        candidates.append(f"{module}.{target}")
    for dotted in candidates:
        found = _lookup(dotted)
        if found is not None:
            name, obj = found
            full = DOCUMENTED.get(apiref._key(name, obj))
            if full is not None:
                return full
    head, _, rest = target.partition(".")
    matches = [full for full in DOCUMENTED.values() if full.rsplit(".", 1)[1] == head]
    if len(matches) == 1:
        return matches[0] + (f".{rest}" if rest else "")
    return None


def _resolve_alias(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    full = _documented_name(target, node.get("py:module"))
    if full is None and target.startswith("hiring_funnel.") and _lookup(target) is not None:
        # A name that exists but is not public API (a module such as
        # hiring_funnel.schema, a helper of one): shown as code, unlinked. A
        # name that does not exist (a typo, a name that moved) stays an error.
        return contnode
    if full is None or full == target:
        return None
    return env.get_domain("py").resolve_xref(
        env, node["refdoc"], app.builder, "obj", full, node, contnode
    )


def _constant_doc(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """A constant's docstring is the ``#:`` comment where it is assigned, not its type's.

    autodoc looks for the comment in the module the constant is documented
    under (``hiring_funnel``), which only re-exports it; without this the page
    of ``hf.CLOCKS`` would read "Built-in immutable sequence."."""
    if what != "data":
        return
    from sphinx.pycode import ModuleAnalyzer

    last = name.rsplit(".", 1)[-1]
    for module_name, module in sorted(sys.modules.items()):
        if not module_name.startswith("hiring_funnel") or getattr(module, last, None) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        except Exception:  # a module without source (none today)
            continue
        if ("", last) in docs:
            lines[:] = list(docs[("", last)])
            return
    if lines and lines[0] == (type(obj).__doc__ or "").splitlines()[0]:
        lines.clear()


_SEVERAL = re.compile(r"^(\s*)(\w+(?:, \w+)+)( : .*)$")


def _several_attributes(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """``a, b : int`` in a numpydoc Attributes section names one entry.

    napoleon renders an attribute as an ``:ivar:`` field, whose name must be
    one word; with the spaces the names became the "type" ("rows_skipped
    (rows_read, rows_loaded,)"). Runs before napoleon."""
    section = ""
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
            section = line.strip()
        match = _SEVERAL.match(line)
        if section == "Attributes" and match:
            indent, names, rest = match.groups()
            lines[i] = indent + names.replace(", ", ",") + rest


_OPAQUE_DEFAULT = re.compile(r"(=\s*)<(?:[^<>]|<[^<>]*>)*>")  # "<function <lambda>>" too


def _factory_defaults(
    app: Any, what: str, name: str, obj: Any, options: Any, signature: str | None, ret: str | None
) -> tuple[str | None, str | None]:
    # A default whose repr is not Python ("= <factory>" for a dataclass field's
    # default_factory, "= <function ...>") makes Sphinx print the whole signature
    # raw, "~typing.Any" and all: show such a default as "...".
    if signature:
        signature = _OPAQUE_DEFAULT.sub(r"\1...", signature)
    return signature, ret


def setup(app: Any) -> None:
    # Before Sphinx lists the source files and autosummary reads the pages it
    # generates stubs for.
    app.connect("config-inited", _write_reference)
    app.connect("missing-reference", _resolve_alias)
    app.connect("autodoc-process-docstring", _constant_doc)
    app.connect("autodoc-process-docstring", _several_attributes, priority=400)
    app.connect("autodoc-process-signature", _factory_defaults)
