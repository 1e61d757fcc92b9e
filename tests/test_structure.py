"""The package's layout: private names stay private, no circles, no long modules.

Read from the source with :mod:`ast`, so nothing is imported and the checks see
every module, including those no test imports.

The rule on private names:

- A name that starts with one underscore (a function, class or constant) is
  private to its module: no other module imports it (``from x import _name``)
  or reaches it as ``module._name``.
- A module whose file name starts with an underscore (``estimators/_kernels.py``,
  ``regression/_checks.py``) is private to its package: only modules of the
  same package (the same directory or its subpackages) import it, and they
  import its public (non-underscore) names.

Dunder names (``__version__``, ``__all__``) are not private. A name that
another module needs is public in the module that defines it; a helper that
only one other module uses lives in that module.

No module is over 500 lines (CONVENTIONS.md, 1), and the modules do not import
one another in a circle when they are imported: only imports that run at import
time count (not those inside functions or under ``if TYPE_CHECKING:``), and
``from package import module`` counts as importing the module alone (and, from
outside the package, its ``__init__``, which runs first).

Modules that moved keep a thin module at the old path for one release
(:data:`hiring_funnel.deprecation.MOVED_MODULES`): importing it warns and gives
the new module's objects, and no module of the package imports an old path.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hiring_funnel.deprecation import MOVED_MODULES

PACKAGE = Path(__file__).resolve().parents[1] / "hiring_funnel"
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


MODULES = _modules()


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _package_of(module: str) -> str:
    """The package a module belongs to (a package's ``__init__`` belongs to itself)."""
    is_package = MODULES[module].name == "__init__.py"
    return module if is_package else module.rpartition(".")[0]


def _resolve(importer: str, node: ast.ImportFrom) -> str | None:
    """The absolute name of the module ``node`` imports from, if it is one of ours."""
    if node.level == 0:
        target = node.module or ""
    else:
        base = _package_of(importer).split(".")
        base = base[: len(base) - (node.level - 1)]
        target = ".".join([*base, node.module] if node.module else base)
    return target if target.split(".")[0] == PACKAGE.name else None


def _private_module_problem(importer: str, target: str) -> str | None:
    """Why ``importer`` may not import module ``target``, if a private module is on its path."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if _is_private(part):
            owner = ".".join(parts[:i])  # the package the private module belongs to
            if not (importer == owner or importer.startswith(owner + ".")):
                return f"imports the private module {target} from outside {owner}"
    return None


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{MODULES[self.module].relative_to(PACKAGE.parent)}:{self.line}: {self.text}"


def _private_imports(module: str, tree: ast.Module) -> Iterator[Violation]:
    aliases: dict[str, str] = {}  # local name -> our module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != PACKAGE.name:
                    continue
                problem = _private_module_problem(module, alias.name)
                if problem:
                    yield Violation(module, node.lineno, problem)
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    aliases[PACKAGE.name] = PACKAGE.name
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if target is None:
                continue
            problem = _private_module_problem(module, target)
            if problem:
                yield Violation(module, node.lineno, problem)
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in MODULES:
                    problem = _private_module_problem(module, submodule)
                    if problem:
                        yield Violation(module, node.lineno, problem)
                    aliases[alias.asname or alias.name] = submodule
                elif _is_private(alias.name) and target != module:
                    yield Violation(
                        module, node.lineno, f"imports the private name {alias.name} from {target}"
                    )
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            owner = _dotted_module(node.value, aliases)
            if owner is not None and owner != module:
                yield Violation(module, node.lineno, f"uses the private name {owner}.{node.attr}")


def _dotted_module(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The module of ours an expression such as ``hf.plots._common`` names, if any."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        parent = _dotted_module(node.value, aliases)
        if parent is not None and f"{parent}.{node.attr}" in MODULES:
            return f"{parent}.{node.attr}"
    return None


def private_name_violations() -> list[Violation]:
    found: list[Violation] = []
    for module, path in MODULES.items():
        found.extend(_private_imports(module, ast.parse(path.read_text(), str(path))))
    return found


def _top_level_imports(module: str, body: list[ast.stmt]) -> Iterator[str]:
    """The modules of ours that ``body`` imports when it runs, outside functions."""
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if target is None:
                continue
            submodules = [
                f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES
            ]
            # ``from package import module`` runs the module, not more of the package
            # than ``import package.module`` would: no edge to the package then.
            if len(submodules) < len(node.names):
                yield target
            yield from submodules
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _top_level_imports(module, node.body)
            yield from _top_level_imports(module, node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse):
                yield from _top_level_imports(module, block)
            yield from _top_level_imports(module, node.finalbody)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _top_level_imports(module, node.body)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_graph() -> dict[str, set[str]]:
    """Each module of ours -> the modules of ours it imports at import time."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        targets = set(_top_level_imports(module, tree.body))
        graph[module] = (targets | _outside_packages(module, targets)) - {module}
    return graph


def _outside_packages(module: str, targets: set[str]) -> set[str]:
    """The packages whose ``__init__`` importing ``targets`` runs first, if ``module`` is
    outside them: ``import hiring_funnel.report.privacy`` from ``hiring_funnel.published``
    runs ``hiring_funnel/report/__init__.py``, and a circle through it fails when
    ``published`` is imported first. The top-level package is left out (it always runs
    first), as are the packages ``module`` is in."""
    found = set()
    for target in targets:
        parts = target.split(".")
        for n in range(2, len(parts)):
            package = ".".join(parts[:n])
            if package in MODULES and not module.startswith(package + "."):
                found.add(package)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph as a list that starts and ends with the same module, or None."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for child in sorted(graph.get(node, ())):
            if child in on_path:
                return [*path[path.index(child) :], child]
            if child not in done:
                cycle = visit(child)
                if cycle:
                    return cycle
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_no_module_imports_a_private_name_of_another() -> None:
    found = private_name_violations()
    assert not found, f"{len(found)} private imports:\n" + "\n".join(map(str, found))


def test_no_module_is_over_500_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE.parent)): n
        for path in MODULES.values()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_import_graph_has_no_cycles() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "modules import each other in a circle: " + " -> ".join(cycle or [])


def moved_module_uses(module: str, tree: ast.Module) -> Iterator[str]:
    """Where ``tree`` names a module of :data:`MOVED_MODULES` by its old path: in an
    import anywhere (also inside functions) or in a string (``"hiring_funnel.x"``)."""
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if target is not None:
                targets = [target, *(f"{target}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            targets = [node.value]
        for target in targets:
            if target in MOVED_MODULES:
                yield f"{module}:{node.lineno}: {target} (now {MOVED_MODULES[target]})"


def test_no_module_uses_an_old_path() -> None:
    found = [
        use
        for module, path in MODULES.items()
        # the old paths themselves, and the table of them
        if module not in MOVED_MODULES and module != "hiring_funnel.deprecation"
        for use in moved_module_uses(module, ast.parse(path.read_text(), str(path)))
    ]
    assert found == []


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_an_old_path_warns_and_gives_the_new_objects(old: str) -> None:
    new = importlib.import_module(MOVED_MODULES[old])
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{old} is now {MOVED_MODULES[old]};"):
        shim = importlib.import_module(old)
    assert list(shim.__all__) == list(new.__all__)
    for name in new.__all__:
        assert getattr(shim, name) is getattr(new, name), name


def test_the_names_of_the_former_io_module_warn() -> None:
    # hiring_funnel/io.py became the package io/ with io/readers.py in it
    from hiring_funnel.io import readers

    with pytest.warns(
        DeprecationWarning,
        match="hiring_funnel.io.read_raw is now hiring_funnel.io.readers.read_raw;",
    ):
        from hiring_funnel.io import read_raw
    assert read_raw is readers.read_raw


def test_the_checks_see_what_they_look_for() -> None:
    # The checks above pass on an empty package too; these show they would catch a slip.
    tree = ast.parse(
        "from hiring_funnel.clocks import episodes, _hidden\n"
        "from ..estimators import _kernels\n"
        "from hiring_funnel.estimators._prepare import prepare\n"
        "import hiring_funnel.lifetable as lt\n"
        "lt._private(1)\n"
    )
    texts = [v.text for v in _private_imports("hiring_funnel.report.build", tree)]
    assert texts == [
        "imports the private name _hidden from hiring_funnel.clocks",
        "imports the private module hiring_funnel.estimators._kernels from outside "
        "hiring_funnel.estimators",
        "imports the private module hiring_funnel.estimators._prepare from outside "
        "hiring_funnel.estimators",
        "uses the private name hiring_funnel.lifetable._private",
    ]
    # Inside its package a private module is imported freely, its public names only.
    tree = ast.parse(
        "from hiring_funnel.estimators import _kernels as k\n"
        "from ._prepare import prepare, _hidden\n"
        "k.zero_upper, k._hidden\n"
    )
    texts = [v.text for v in _private_imports("hiring_funnel.estimators.survival", tree)]
    assert texts == [
        "imports the private name _hidden from hiring_funnel.estimators._prepare",
        "uses the private name hiring_funnel.estimators._kernels._hidden",
    ]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    graph = import_graph()
    assert "hiring_funnel.clocks" in graph["hiring_funnel"]  # a top-level import counts
    assert "hiring_funnel.estimators" not in graph["hiring_funnel"]  # under TYPE_CHECKING
    # importing a module of a package from outside it runs the package's __init__ first
    assert _outside_packages("hiring_funnel.clocks", {"hiring_funnel.report.privacy"}) == {
        "hiring_funnel.report"
    }
    assert (
        _outside_packages("hiring_funnel.report.build", {"hiring_funnel.report.privacy"}) == set()
    )
    old = next(iter(MOVED_MODULES))
    package, _, name = old.rpartition(".")
    tree = ast.parse(f"def f():\n    from {package} import {name}\n\nPATH = {old!r}\n")
    assert len(list(moved_module_uses("hiring_funnel.report.build", tree))) == 2


if __name__ == "__main__":
    for violation in private_name_violations():
        print(violation)
    print("cycle:", find_cycle(import_graph()))
