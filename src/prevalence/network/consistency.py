"""Internal consistency of a scale-up survey: each known population estimated as if it were hidden.

This is how users judge a network scale-up study (Killworth et al. 1998; Feehan and
Salganik's ``nsum.internal.consistency``): hold one known population out, estimate the
degrees from the others, scale its answers up and compare with its known size. Large or
systematic errors point at recall, transmission or barrier effects that will also bias the
hidden population's estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Consistency"]


@dataclass(frozen=True)
class Consistency:
    """Hold-out estimates of the known populations and their errors.

    Attributes
    ----------
    table : DataFrame
        One row per known population: ``known_population``, ``size``, ``estimate``
        (hold-out scale-up estimate), ``error`` (estimate - size), ``relative_error``
        (error / size).
    """

    table: pd.DataFrame

    @property
    def rmse(self) -> float:
        """Root mean squared error over the known populations."""
        return float(np.sqrt(np.mean(self.table["error"].to_numpy() ** 2)))

    @property
    def mean_absolute_error(self) -> float:
        """Mean absolute error over the known populations."""
        return float(np.mean(np.abs(self.table["error"].to_numpy())))

    @property
    def mean_absolute_relative_error(self) -> float:
        """Mean of ``|error| / size`` (networkreporting's ``are``)."""
        return float(np.mean(np.abs(self.table["relative_error"].to_numpy())))

    def summary(self) -> pd.Series:
        """RMSE, mean absolute error and mean absolute relative error in one Series."""
        return pd.Series(
            {
                "known_populations": len(self.table),
                "rmse": self.rmse,
                "mean_absolute_error": self.mean_absolute_error,
                "mean_absolute_relative_error": self.mean_absolute_relative_error,
            }
        )

    def plot(self, ax: Any = None, log: bool = True) -> Figure:
        """Hold-out estimate against known size, with the line of agreement.

        Returns the matplotlib ``Figure``. Points above the line are overestimated.
        """
        from ..plot import _pyplot

        plt = _pyplot()
        if ax is None:
            fig, ax = plt.subplots(figsize=(6.0, 6.0))
        else:
            fig = ax.figure
        t = self.table
        ok = np.isfinite(t["estimate"].to_numpy()) & (t["estimate"].to_numpy() > 0)
        ax.scatter(t["size"][ok], t["estimate"][ok], s=18, color="#1f77b4")
        for _, row in t[ok].iterrows():
            ax.annotate(
                str(row["known_population"]),
                (row["size"], row["estimate"]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
        values = np.concatenate([t["size"].to_numpy(), t["estimate"].to_numpy()[ok]])
        lo, hi = float(values.min()), float(values.max())
        if log:
            ax.set_xscale("log")
            ax.set_yscale("log")
            lo, hi = lo / 1.5, hi * 1.5
        else:
            pad = 0.05 * (hi - lo if hi > lo else 1.0)
            lo, hi = max(lo - pad, 0.0), hi + pad
        ax.plot([lo, hi], [lo, hi], color="black", lw=1)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_xlabel("known population size")
        ax.set_ylabel("hold-out scale-up estimate")
        ax.set_title(
            f"Internal consistency (mean |relative error| {self.mean_absolute_relative_error:.2f})"
            if math.isfinite(self.mean_absolute_relative_error)
            else "Internal consistency"
        )
        return fig
