"""Plots a methodologist expects (matplotlib): study summaries, forest plots, list overlaps.

Every function returns the matplotlib ``Figure`` and draws nothing on screen by itself, so it
works in notebooks, scripts and reports alike. Each takes ``ax=`` (``axes=`` for the
two-panel plots) to draw into axes of the caller's own figure, and none changes matplotlib's
backend: that is the caller's choice (the command line uses Agg).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .core.errors import DataError
from .core.figures import draw_intervals, figure_and_axes, pyplot
from .core.results import Comparison, Estimate

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["study_summary", "forest", "list_overlap", "scorecard"]


# the helpers live in core (results draw themselves); the old private names stay for callers
_pyplot = pyplot
_figure = figure_and_axes


def study_summary(summary: pd.DataFrame, nominal: float = 0.95, *, axes: Any = None) -> Figure:
    """Coverage and relative bias by scenario (panels) and estimator (bars).

    ``summary`` is :attr:`prevalence.StudyResult.summary`; ``axes``, two axes of your own
    figure to draw the two panels into.
    """
    scenarios = list(dict.fromkeys(summary["scenario"]))
    estimators = list(dict.fromkeys(summary["estimator"]))
    own = axes is None
    if own:
        fig, axes = _pyplot().subplots(
            1, 2, figsize=(11, 0.6 * len(scenarios) * len(estimators) / 2 + 2.5)
        )
    else:
        axes = _two_axes(axes)
        fig = axes[0].figure
    y = np.arange(len(scenarios))
    h = 0.8 / max(len(estimators), 1)
    for k, est in enumerate(estimators):
        rows = summary[summary["estimator"] == est].set_index("scenario").reindex(scenarios)
        axes[0].barh(y + k * h, rows["coverage"], height=h, label=est)
        axes[1].barh(y + k * h, rows["relative_bias"], height=h, label=est)
    axes[0].axvline(nominal, color="black", linestyle="--", linewidth=1)
    axes[0].set_xlabel("interval coverage")
    axes[0].set_xlim(0, 1)
    axes[1].axvline(0, color="black", linewidth=1)
    axes[1].set_xlabel("relative bias of the estimate")
    for ax in axes:
        ax.set_yticks(y + 0.4 - h / 2)
        ax.set_yticklabels(scenarios)
    axes[1].legend(loc="best", fontsize="small")
    if own:
        fig.tight_layout()
    return fig


def _two_axes(axes: Any) -> list[Any]:
    pair = list(np.ravel(axes)) if not hasattr(axes, "figure") else [axes]
    if len(pair) != 2:
        raise DataError(f"axes must be two matplotlib axes, got {len(pair)}")
    return pair


def forest(
    estimates: Mapping[str, Estimate | Comparison], xlabel: str = "estimate", *, ax: Any = None
) -> Figure:
    """Estimates with their intervals; for a :class:`Comparison`, baseline and endline side by side.

    ``ax``: axes of your own figure to draw into (default: a new figure). Estimates must
    measure one kind of quantity (their ``scale``): counts and proportions never share an axis.
    """
    scales = {
        (e.baseline if isinstance(e, Comparison) else e).scale for e in estimates.values()
    } - {None}
    if len(scales) > 1:
        raise DataError(
            f"forest() draws one kind of quantity per axis; these estimates measure "
            f"{sorted(map(str, scales))}: draw each on its own axes"
        )
    rows = []
    for name, e in estimates.items():
        if isinstance(e, Comparison):
            rows.append((f"{name} (baseline)", e.baseline, "tab:blue"))
            rows.append((f"{name} (endline)", e.endline, "tab:orange"))
        else:
            rows.append((name, e, "tab:blue"))
    fig, ax, own = _figure(ax, (7, 0.45 * len(rows) + 1.2))
    draw_intervals(ax, rows, xlabel)
    if own:
        fig.tight_layout()
    return fig


def list_overlap(
    captures: Any, max_patterns: int = 30, min_count: int = 1, *, axes: Any = None
) -> Figure:
    """UpSet-style chart: people per capture pattern (bars) and the lists in it (dots below).

    ``captures``: a :class:`~prevalence.CaptureHistories`, or a table of 0/1 list columns and
    a ``count`` column (a run passes the patterns it may publish). Patterns with fewer than
    ``min_count`` people are left out. ``axes``: two axes of your own figure (bars, then
    lists) to draw into.
    """
    if isinstance(captures, pd.DataFrame):
        counts = captures
        lists = [c for c in counts.columns if c != "count"]
    else:
        counts = captures.counts
        lists = list(captures.lists)
    counts = (
        counts[counts["count"] >= max(min_count, 1)]
        .sort_values("count", ascending=False)
        .head(max_patterns)
    )
    own = axes is None
    if own:
        fig, (top, bottom) = _pyplot().subplots(
            2,
            1,
            figsize=(max(6, 0.35 * len(counts) + 2), 5),
            gridspec_kw={"height_ratios": [3, 1.2]},
            sharex=True,
        )
    else:
        top, bottom = _two_axes(axes)
        fig = top.figure
    x = np.arange(len(counts))
    top.bar(x, counts["count"], color="tab:gray")
    top.set_ylabel("people")
    for j, name in enumerate(lists):
        on = counts[name].to_numpy() == 1
        bottom.scatter(x[~on], np.full((~on).sum(), j), color="lightgray", s=20)
        bottom.scatter(x[on], np.full(on.sum(), j), color="black", s=24)
    for i, (_, row) in enumerate(counts.iterrows()):
        members = [j for j, name in enumerate(lists) if row[name] == 1]
        if len(members) > 1:
            bottom.plot([i, i], [min(members), max(members)], color="black", linewidth=1)
    bottom.set_yticks(range(len(lists)))
    bottom.set_yticklabels(lists)
    bottom.set_xticks([])
    if own:
        fig.tight_layout()
    return fig


def scorecard(
    card: pd.DataFrame, xlabel: str = "change endline - baseline", *, ax: Any = None
) -> Figure:
    """Change with its interval per area (and the difference in differences where there is one),
    with each area's target (a relative fall, drawn at ``-target x baseline``) as a red tick.

    ``card`` is a scorecard as a run writes it (``scorecard.csv``: columns ``area``,
    ``baseline``, ``change``, ``change_lower``, ``change_upper``, optional ``did``,
    ``did_lower``, ``did_upper``, ``target``, ``impact``). ``ax``: axes of your own figure.
    """
    rows = card.reset_index(drop=True)
    labels = [
        f"{r.impact}: {r.area}" if "impact" in rows else str(r.area) for r in rows.itertuples()
    ]
    fig, ax, own = _figure(ax, (7, 0.55 * len(rows) + 1.8))
    y = np.arange(len(rows))[::-1].astype(float)
    ax.errorbar(
        rows["change"],
        y + 0.12,
        xerr=[rows["change"] - rows["change_lower"], rows["change_upper"] - rows["change"]],
        fmt="o",
        color="#1f77b4",
        capsize=3,
        label="change (programme areas)",
    )
    if "did" in rows and rows["did"].notna().any():
        m = rows["did"].notna().to_numpy()
        ax.errorbar(
            rows["did"][m],
            y[m] - 0.12,
            xerr=[(rows["did"] - rows["did_lower"])[m], (rows["did_upper"] - rows["did"])[m]],
            fmt="s",
            color="#ff7f0e",
            capsize=3,
            label="difference in differences",
        )
    if "target" in rows and rows["target"].notna().any():
        m = rows["target"].notna().to_numpy()
        goal = -rows["target"][m] * rows["baseline"][m]
        ax.scatter(goal, y[m], marker="|", s=400, color="#d62728", label="target")
    ax.axvline(0.0, color="grey", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlabel(xlabel)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize="small")
    if own:
        fig.tight_layout()
    return fig
