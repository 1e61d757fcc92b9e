"""Write the Greenhouse-shaped sample ``data/ats/greenhouse`` from the simulator.

Usage (from the repository root)::

    .venv/bin/python scripts/make_greenhouse_sample.py [--out data/ats/greenhouse]

Writes ``applications.json`` (the Harvest application objects of
``hiring_funnel.simulate.greenhouse.to_greenhouse(simulate(500, seed=20240415),
seed=20240415)``, interviews and offers nested) and ``mapping.toml`` (the
``greenhouse`` preset with the export date and the custom-field attributes).
The bytes depend only on the seed and the size
(``hiring_funnel.simulate.greenhouse.SAMPLE_SEED`` and ``SAMPLE_APPLICATIONS``):
running it again writes the same files, and tests/test_simulate_greenhouse.py
checks that the committed ones are what it writes. ``README.md`` of that folder
is written by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's hiring_funnel, not an installed one

from hiring_funnel.simulate.greenhouse import (  # noqa: E402
    SAMPLE_APPLICATIONS,
    SAMPLE_SEED,
    sample_json,
)

OUT = ROOT / "data" / "ats" / "greenhouse"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write into")
    args = parser.parse_args(argv)
    text, mapping = sample_json(SAMPLE_APPLICATIONS, seed=SAMPLE_SEED)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, content in (("applications.json", text), ("mapping.toml", mapping)):
        (args.out / name).write_text(content, encoding="utf-8", newline="\n")
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
