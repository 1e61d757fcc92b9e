"""Every notebook runs top to bottom on the bundled sample, in under a minute, with no error.

Notebooks are committed without outputs (checked here too); this test executes
a copy in memory with nbclient, from the notebooks folder, as JupyterLab would.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BUDGET_SECONDS = 60


def _planted() -> list[str]:
    """The Greenhouse sample's planted personal data, and SHA-256 and MD5 of its emails."""
    import hashlib
    import json

    from hiring_funnel.simulate.greenhouse import planted_personal_data

    export = ROOT / "data" / "ats" / "greenhouse" / "applications.json"
    found = planted_personal_data(json.loads(export.read_text(encoding="utf-8")))
    emails = [s.lower() for s in found if "@" in s]
    hashes = [h(e.encode()).hexdigest() for e in emails for h in (hashlib.sha256, hashlib.md5)]
    return [*found, *hashes]


PLANTED = _planted()


def test_the_eight_notebooks_are_there() -> None:
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07", "08"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), (
                f"{path.name}: a code cell has outputs; clear them before committing"
            )
            assert cell.get("execution_count") is None, f"{path.name}: clear execution counts"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=BUDGET_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    took = time.perf_counter() - start
    assert took < BUDGET_SECONDS, f"{path.name} took {took:.0f} s (budget {BUDGET_SECONDS} s)"
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    # No executed notebook shows the fake names, emails and phone numbers planted in
    # the Greenhouse sample (notebook 07 reads it), nor a plain hash of an email.
    shown = nbformat.writes(nb).casefold()
    leaked = [s for s in PLANTED if s.casefold() in shown]
    assert not leaked, f"{path.name} shows planted personal data: {leaked[:3]}"
