"""``import hiring_funnel`` loads what the front door needs, not scipy.stats or matplotlib.

Those two cost about 1.2 s and 60 MB (scipy.stats) and 0.8 s and 30 MB
(matplotlib) on this machine; ``summary`` and ``validate`` use neither, and the
names that need them are imported on first use (``hiring_funnel.__getattr__``).
Each check runs in a fresh interpreter: this one has imported everything.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import hiring_funnel as hf

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "events.csv"


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return set(out.strip().splitlines()[-1].split())


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m in ("scipy.stats", "matplotlib", "hiring_funnel.regression")}


def test_import_loads_neither_scipy_stats_nor_matplotlib() -> None:
    assert _heavy(_loaded_after("import hiring_funnel")) == set()


def test_summary_and_validate_load_neither() -> None:
    code = (
        "import contextlib, io\n"
        "from hiring_funnel.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['summary', {str(SAMPLE)!r}]) == 0\n"
        f"    assert main(['validate', {str(SAMPLE)!r}]) == 0\n"
    )
    assert _heavy(_loaded_after(code)) == set()


def test_every_public_name_resolves_to_what_its_module_defines() -> None:
    import importlib

    for name in hf.__all__:
        value = getattr(hf, name)
        module = getattr(value, "__module__", None)
        if module is not None and module.startswith("hiring_funnel"):
            # hf.X is the object its defining module holds, never a module of that name
            assert getattr(importlib.import_module(module), name, value) is value, name
        assert name in dir(hf)


def test_a_submodule_import_leaves_the_function_of_the_same_name() -> None:
    # hiring_funnel.simulate is a module and hf.simulate a function: importing the
    # module must not put it where the function is.
    code = "import hiring_funnel.simulate, hiring_funnel as hf\nassert callable(hf.simulate)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_subpackages_are_attributes_on_first_use() -> None:
    code = (
        "import hiring_funnel as hf\n"
        "assert hf.regression.__name__ == 'hiring_funnel.regression'\n"
        "assert hf.plots.__name__ == 'hiring_funnel.plots'\n"
        "try:\n    hf.no_such_name\nexcept AttributeError:\n    pass\n"
        "else:\n    raise SystemExit('hf.no_such_name did not raise')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
