"""Drawing helpers shared by the results' ``plot(ax=None)`` methods and :mod:`prevalence.plot`.

matplotlib is imported on first use (``import prevalence`` does not load it), and nothing
here changes its backend: that is the caller's choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["pyplot", "figure_and_axes", "draw_intervals", "draw_distribution"]


def pyplot() -> Any:
    """``matplotlib.pyplot``, imported on first use."""
    import matplotlib.pyplot as plt

    return plt


def figure_and_axes(ax: Any, figsize: tuple[float, float]) -> tuple[Any, Any, bool]:
    """The caller's axes and their figure, or a new figure with one axes (``own`` True)."""
    if ax is not None:
        if not hasattr(ax, "figure") or not hasattr(ax, "plot"):
            raise TypeError(f"ax must be matplotlib axes, got {type(ax).__name__}")
        return ax.figure, ax, False
    fig, new = pyplot().subplots(figsize=figsize)
    return fig, new, True


def draw_intervals(ax: Any, rows: Sequence[tuple[str, Any, str]], xlabel: str) -> None:
    """One row per ``(label, estimate, colour)``, top to bottom: the interval as a line and
    the value as a dot (an estimate without an interval shows its dot only)."""
    labels = []
    for i, (label, e, colour) in enumerate(list(rows)[::-1]):
        if np.isfinite(e.lower) and np.isfinite(e.upper):
            ax.plot([e.lower, e.upper], [i, i], color=colour, linewidth=2)
        ax.plot([e.value], [i], "o", color=colour)
        labels.append(label)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels)
    ax.set_xlabel(xlabel)


def draw_distribution(ax: Any, estimate: Any, xlabel: str) -> None:
    """The estimate's draws as a histogram, its interval shaded and its value marked."""
    draws = np.asarray(estimate.draws, dtype=float)
    draws = draws[np.isfinite(draws)]
    ax.hist(draws, bins=min(60, max(10, int(np.sqrt(draws.size)))), density=True, color="0.75")
    if np.isfinite(estimate.lower) and np.isfinite(estimate.upper):
        ax.axvspan(estimate.lower, estimate.upper, color="tab:blue", alpha=0.15, linewidth=0)
    ax.axvline(estimate.value, color="tab:blue", linewidth=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"density of the {estimate.draws_kind or ''} draws".replace("  ", " "))
