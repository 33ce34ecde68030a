"""Diagnostics of a respondent-driven sample: convergence, bottlenecks, the recruitment tree.

RDS estimators assume that recruitment has forgotten where it started. Users check this as
with R's ``RDS`` (``convergence.plot``, ``bottleneck.plot``, ``plot.rds.data.frame``):

* **convergence**: the estimate from the first ``k`` respondents in order of recruitment (by
  wave), for growing ``k``; it should settle well before the full sample;
* **bottlenecks**: the same within each seed's recruitment tree; trees that settle at
  different values point at bottlenecks (groups that recruit little across each other);
* **the recruitment tree**: who recruited whom, by wave, coloured by the trait.

Every plot function returns the matplotlib ``Figure``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .rds import RDS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "convergence_table",
    "bottleneck_table",
    "plot_convergence",
    "plot_bottleneck",
    "plot_recruitment_tree",
]


def _recruitment_order(estimator: RDS, data: pd.DataFrame) -> np.ndarray:
    tree = estimator.recruitment(data)
    return np.lexsort((np.arange(tree.n), tree.wave))


def _grid(n: int, points: int, start: int) -> np.ndarray:
    start = min(max(start, 2), n)
    return np.unique(np.linspace(start, n, min(points, n - start + 1)).round().astype(int))


def convergence_table(
    estimator: RDS, data: pd.DataFrame, points: int = 50, start: int = 20
) -> pd.DataFrame:
    """The estimate from the first ``k`` respondents in recruitment order (wave, then row).

    Returns a DataFrame with ``respondents`` and ``estimate`` (``points`` values of ``k`` from
    ``start`` to the sample size). The first ``k`` respondents always form a valid
    recruitment forest, since recruiters come before their recruits.

    Examples
    --------
    >>> df = pd.DataFrame({"id": range(6), "recruiter.id": ["seed", 0, 0, 1, 1, 2],
    ...                    "degree": [4, 2, 5, 3, 2, 4], "hiv": [1, 0, 1, 0, 0, 1]})
    >>> convergence_table(RDS("hiv"), df, start=4)["respondents"].tolist()
    [4, 5, 6]
    """
    order = _recruitment_order(estimator, data)
    ks = _grid(order.size, points, start)
    est = [estimator.point(data.iloc[order[:k]]) for k in ks]
    return pd.DataFrame({"respondents": ks, "estimate": est})


def bottleneck_table(
    estimator: RDS, data: pd.DataFrame, points: int = 30, start: int = 10
) -> pd.DataFrame:
    """The convergence of the estimate within each seed's recruitment tree.

    Returns ``seed`` (the seed's id), ``respondents`` and ``estimate``; trees smaller than
    ``start`` are left out. The estimator's population size, if any, is not scaled to the
    tree (as R's ``bottleneck.plot``).
    """
    tree = estimator.recruitment(data)
    order = np.lexsort((np.arange(tree.n), tree.wave))
    rows = []
    for s in np.flatnonzero(tree.is_seed):
        members = order[tree.seed[order] == s]
        if members.size < max(start, 2):
            continue
        sub_est = estimator._fixed()  # an estimated population size: at its median
        size = sub_est.population_size
        if size is not None and size < members.size:
            continue
        for k in _grid(members.size, points, start):
            rows.append(
                {
                    "seed": tree.ids[s],
                    "respondents": int(k),
                    "estimate": sub_est.point(data.iloc[members[:k]]),
                }
            )
    return pd.DataFrame(rows, columns=["seed", "respondents", "estimate"])


def _plt() -> Any:
    from ..plot import _pyplot

    return _pyplot()


def plot_convergence(
    estimator: RDS, data: pd.DataFrame, points: int = 50, ax: Any = None
) -> Figure:
    """Convergence plot: the estimate against the number of respondents, with the final
    estimate as a line."""
    plt = _plt()
    table = convergence_table(estimator, data, points)
    fig, ax = plt.subplots(figsize=(6.5, 4.0)) if ax is None else (ax.figure, ax)
    ax.plot(table["respondents"], table["estimate"], color="#1f77b4")
    ax.axhline(table["estimate"].iloc[-1], color="grey", lw=1, ls="--")
    ax.set_xlabel("respondents, in order of recruitment")
    ax.set_ylabel(f"{estimator.estimator} estimate of {estimator.outcome}")
    ax.set_title("Convergence")
    return fig


def plot_bottleneck(estimator: RDS, data: pd.DataFrame, points: int = 30, ax: Any = None) -> Figure:
    """Bottleneck plot: one convergence line per seed's recruitment tree."""
    plt = _plt()
    table = bottleneck_table(estimator, data, points)
    fig, ax = plt.subplots(figsize=(6.5, 4.0)) if ax is None else (ax.figure, ax)
    for seed, part in table.groupby("seed", sort=False):
        ax.plot(part["respondents"], part["estimate"], lw=1, label=str(seed))
    ax.set_xlabel("respondents in the seed's tree")
    ax.set_ylabel(f"{estimator.estimator} estimate of {estimator.outcome}")
    ax.set_title("Bottlenecks: convergence within each seed's tree")
    if table["seed"].nunique() <= 12:
        ax.legend(title="seed", fontsize=7)
    return fig


def plot_recruitment_tree(estimator: RDS, data: pd.DataFrame, ax: Any = None) -> Figure:
    """The recruitment forest: waves downwards, each seed's tree side by side, respondents
    coloured by the trait (grey where it is missing)."""
    plt = _plt()
    tree = estimator.recruitment(data)
    indicator, _, _ = estimator._outcome(data)
    # leaves get consecutive x positions; a recruiter sits above the middle of its recruits
    children: dict[int, list[int]] = {}
    for i, r in enumerate(tree.recruiter):
        if r >= 0:
            children.setdefault(int(r), []).append(i)
    x = np.zeros(tree.n)
    next_x = 0.0

    def place(node: int) -> float:
        nonlocal next_x
        kids = children.get(node, [])
        if not kids:
            x[node] = next_x
            next_x += 1.0
        else:
            x[node] = float(np.mean([place(k) for k in kids]))
        return x[node]

    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, int(tree.wave.max()) + 100))
    try:
        for s in np.flatnonzero(tree.is_seed):
            place(int(s))
            next_x += 1.0
    finally:
        sys.setrecursionlimit(limit)
    y = -tree.wave.astype(float)
    fig, ax = plt.subplots(figsize=(9.0, 4.5)) if ax is None else (ax.figure, ax)
    for i, r in enumerate(tree.recruiter):
        if r >= 0:
            ax.plot([x[r], x[i]], [y[r], y[i]], color="#bbbbbb", lw=0.6, zorder=1)
    colours = np.where(
        np.isnan(indicator), "#999999", np.where(indicator == 1, "#d62728", "#1f77b4")
    )
    size = 8 if tree.n > 300 else 18
    ax.scatter(x, y, c=colours, s=size, zorder=2)
    ax.scatter(
        x[tree.is_seed],
        y[tree.is_seed],
        facecolors="none",
        edgecolors="black",
        s=size * 3,
        zorder=3,
    )
    ax.set_yticks(-np.arange(tree.wave.max() + 1))
    ax.set_yticklabels([str(w) for w in range(tree.wave.max() + 1)])
    ax.set_ylabel("wave")
    ax.set_xticks([])
    ax.set_title(
        f"Recruitment trees ({int(tree.is_seed.sum())} seeds; red: {estimator.outcome} = 1)"
    )
    return fig
