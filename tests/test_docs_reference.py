"""The API reference (docs/api, built by scripts/docs.sh) lists every public name.

Its pages are written from the ``__all__`` lists by docs/api/_ext/apiref.py;
this checks that writer without Sphinx. CI builds the site itself (.ci/run).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import hiring_funnel as hf

APIREF = Path(__file__).resolve().parents[1] / "docs" / "api" / "_ext" / "apiref.py"


def _apiref():
    spec = importlib.util.spec_from_file_location("apiref", APIREF)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("apiref", module)
    spec.loader.exec_module(module)
    return module


def test_every_top_level_name_has_an_entry_on_the_top_level_page() -> None:
    apiref = _apiref()
    sections, _ = apiref.plan()
    top = sections[0]
    assert top.module == "hiring_funnel"
    page = apiref.render(top)
    documented = {name for names in top.own.values() for name in names}
    for name in hf.__all__:
        if name in apiref.SKIP:
            continue
        assert name in documented, f"hf.{name} has no entry in the API reference"
        assert f"\n   {name}\n" in page + "\n", f"hf.{name} is missing from the top-level page"


def test_every_subpackage_name_is_documented_or_linked() -> None:
    apiref = _apiref()
    sections, documented = apiref.plan()
    assert {"hiring_funnel.estimators", "hiring_funnel.plots"} <= {s.module for s in sections}
    for section in sections:
        listed = {name for names in section.own.values() for name in names}
        for name in section.names:
            if name in apiref.SKIP:
                continue
            assert name in listed or section.elsewhere.get(name) in documented.values(), (
                f"{section.module}.{name} is neither documented nor linked"
            )
