"""Shared test set-up: a non-interactive matplotlib backend, and no figure outlives its test."""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    # plot_x(ax=None) draws on plt.gca(): a figure left open by one test would
    # receive the next test's lines.
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
