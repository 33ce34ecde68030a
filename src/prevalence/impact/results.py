"""Result objects of the impact tools: difference in differences and trends.

Both are immutable and, like :class:`~prevalence.Estimate`, carry their method in words; the
numbers that matter are :class:`~prevalence.Estimate` objects, so intervals, draws and
probabilities work as everywhere else in the package.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.intervals import normal_quantile
from ..core.probability import Probability, probability_at_most, probability_of_reduction
from ..core.results import Comparison, Estimate

__all__ = ["DiDResult", "TrendResult"]


@dataclass(frozen=True, eq=False)
class DiDResult:
    """A programme-versus-comparison, baseline-versus-endline evaluation.

    Attributes
    ----------
    did : Estimate
        The difference in differences: (programme endline - programme baseline) -
        (comparison endline - comparison baseline). Negative: the programme areas fell more.
    ratio_of_ratios : Estimate
        (programme endline / programme baseline) / (comparison endline / comparison
        baseline). Below 1: the programme areas fell proportionally more.
    cells : dict
        The four cell estimates keyed by ``("programme" | "comparison", "baseline" |
        "endline")``.
    changes : dict
        ``"programme"`` and ``"comparison"``: each group's own :class:`~prevalence.Comparison`.
    labels : dict
        The data values behind the cell names (group and period values).
    method : str
        How the cells were estimated and combined.
    details : dict
        Extras of the method: for the hierarchical model, ``programme_effect`` (the model
        parameter, logit scale, by period) and ``fit`` (the model's own estimate).
    """

    did: Estimate
    ratio_of_ratios: Estimate
    cells: Mapping[tuple[str, str], Estimate]
    changes: Mapping[str, Comparison]
    labels: Mapping[str, Any] = field(default_factory=dict)
    method: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def estimate(self) -> Estimate:
        """The difference in differences (the same as :attr:`did`)."""
        return self.did

    def probability_reduced(
        self, by: float | None = None, *, absolute: float | None = None
    ) -> Probability:
        """Probability that the programme reduced the quantity, relative to the comparison areas.

        ``by=0.2``: the ratio of ratios is at most 0.8 (programme areas fell at least 20% more,
        proportionally, than the comparison areas); ``absolute=0.01``: the difference in
        differences is at most -0.01. Labelled posterior, bootstrap or normal as
        :meth:`prevalence.Comparison.probability_reduced`.
        """
        return probability_of_reduction(self.did, self.ratio_of_ratios, by, absolute)

    def to_frame(self) -> pd.DataFrame:
        """One row per quantity: the four cells, the two changes, the DiD and the ratio of ratios."""
        rows = []
        for (g, p), est in self.cells.items():
            rows.append(_row(f"{g} {p}", est))
        for g, comp in self.changes.items():
            rows.append(_row(f"{g} change", comp.difference))
            rows.append(_row(f"{g} ratio", comp.ratio))
        rows.append(_row("difference in differences", self.did))
        rows.append(_row("ratio of ratios", self.ratio_of_ratios))
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """A short text: the DiD and the ratio of ratios with their intervals and method."""
        return "\n".join(
            [
                f"Difference in differences: {self.did!r}",
                f"Ratio of ratios: {self.ratio_of_ratios!r}",
                f"Method: {self.method}",
            ]
        )

    def plot(self, ax: Any = None) -> Any:
        """The four cells: programme and comparison groups from baseline to endline with
        their intervals, the difference in differences in the title. Returns the matplotlib
        ``Figure`` (``ax``: axes of your own figure to draw into)."""
        from ..core.figures import figure_and_axes

        fig, ax, own = figure_and_axes(ax, (5.5, 4.0))
        periods = ("baseline", "endline")
        for k, (group, colour) in enumerate(
            (("programme", "tab:orange"), ("comparison", "tab:blue"))
        ):
            cells = [self.cells[(group, p)] for p in periods]
            x = np.arange(2) + (k - 0.5) * 0.04  # side by side where the intervals overlap
            values = np.array([c.value for c in cells])
            below = values - np.array([c.lower for c in cells])
            above = np.array([c.upper for c in cells]) - values
            ax.errorbar(
                x,
                values,
                yerr=[below, above],
                color=colour,
                marker="o",
                capsize=4,
                label=f"{group} ({self.labels.get(group, group)})"
                if group in self.labels
                else group,
            )
        ax.set_xticks(range(2))
        ax.set_xticklabels([f"{p} ({self.labels[p]})" if p in self.labels else p for p in periods])
        ax.set_ylabel(self.cells[("programme", "baseline")].scale or "estimate")

        ax.set_title(
            f"difference in differences {self.did.value:.4g} "
            f"[{self.did.lower:.4g}, {self.did.upper:.4g}]",
            fontsize="medium",
        )
        ax.legend(loc="best", fontsize="small")
        if own:
            fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        return f"DiDResult(did={self.did!r}, ratio_of_ratios={self.ratio_of_ratios!r})"

    def _repr_html_(self) -> str:
        return self.to_frame()._repr_html_()


def _row(quantity: str, est: Estimate) -> dict[str, Any]:
    return {
        "quantity": quantity,
        "value": est.value,
        "lower": est.lower,
        "upper": est.upper,
        "std_error": est.std_error,
        "method": est.method,
    }


@dataclass(frozen=True, eq=False)
class TrendResult:
    """A log-linear trend through a series of estimates.

    ``log(theta_t) = a + b (t - t0)``, fitted by generalised least squares with the estimates'
    covariance on the log scale (delta method), ``t0`` the first time.

    Attributes
    ----------
    slope : Estimate
        ``b``: change of the log quantity per time unit.
    change_per_unit : Estimate
        ``exp(b) - 1``: relative change per time unit (``-0.1``: falls 10% a year).
    coefficients : pandas.DataFrame
        ``intercept`` and ``slope`` with standard errors.
    fitted : pandas.DataFrame
        Time, estimate, fitted value and its interval.
    cov : numpy.ndarray
        Covariance of ``(a, b)``, including the over-dispersion factor.
    dispersion : float
        The factor the covariance was multiplied by (1, or the residual chi-square over its
        degrees of freedom when larger and ``overdispersion`` was on).
    draws : numpy.ndarray or None
        Draws of ``(a, b)`` (rows) when every estimate had draws, else ``None``.
    """

    slope: Estimate
    change_per_unit: Estimate
    coefficients: pd.DataFrame
    fitted: pd.DataFrame
    cov: np.ndarray
    t0: float
    dispersion: float
    level: float
    method: str
    draws: np.ndarray | None = None
    draws_kind: str | None = None

    def _check_time(self, at: float) -> float:
        at = float(at)
        if not math.isfinite(at) or at < self.t0:
            raise DataError(
                f"the target time {at:g} is before the baseline ({self.t0:g}): a trend projects forward"
            )
        return at

    def project(self, at: float) -> Estimate:
        """The trend's value at time ``at`` with its interval (log-normal)."""
        at = self._check_time(at)
        x = np.array([1.0, at - self.t0])
        a, b = self.coefficients["estimate"].to_numpy()
        mean = float(a + b * (at - self.t0))
        se = math.sqrt(max(float(x @ self.cov @ x), 0.0))
        z = normal_quantile(self.level)
        draws = None if self.draws is None else np.exp(self.draws @ x)
        return Estimate(
            math.exp(mean),
            math.exp(mean - z * se),
            math.exp(mean + z * se),
            self.level,
            f"projection of the log-linear trend to {at:g} ({self.method})",
            draws,
            {"std_error_log": se, "time": at},
            draws_kind=self.draws_kind if draws is not None else None,
        )

    def probability_on_track(self, by: float, at: float) -> Probability:
        """Probability that the trend reaches a reduction of ``by`` (relative to the baseline) by ``at``.

        The event is ``exp(b (at - t0)) <= 1 - by``, a statement about the slope alone: the
        trend's value at ``at`` is at most ``1 - by`` times its value at the baseline.
        """
        at = self._check_time(at)
        if not 0.0 < float(by) < 1.0:
            raise ValueError(f"by must be a fraction in (0, 1), got {by!r}")
        horizon = at - self.t0
        if horizon == 0:
            raise ValueError("the target time equals the baseline: no trend can reach it")
        ratio = self._ratio_estimate(horizon)
        return probability_at_most(
            ratio,
            1.0 - float(by),
            log=True,
            event=f"trend falls by at least {100 * float(by):g}% between {self.t0:g} and {at:g}",
        )

    def probability_below(self, value: float, at: float) -> Probability:
        """Probability that the trend's value at ``at`` is at most ``value`` (an absolute target)."""
        proj = self.project(at)
        return probability_at_most(
            proj, float(value), log=True, event=f"trend at {float(at):g} <= {float(value):g}"
        )

    def _ratio_estimate(self, horizon: float) -> Estimate:
        b = float(self.coefficients["estimate"].iloc[1])
        se_b = math.sqrt(max(float(self.cov[1, 1]), 0.0))
        draws = None if self.draws is None else np.exp(self.draws[:, 1] * horizon)
        r = math.exp(b * horizon)
        return Estimate(
            r,
            math.nan,
            math.nan,
            self.level,
            "trend ratio",
            draws,
            {"std_error_log": se_b * abs(horizon)},
            draws_kind=self.draws_kind if draws is not None else None,
        )

    def plot(self, ax: Any = None) -> Any:
        """The estimates over time, the fitted log-linear trend and its interval band.
        Returns the matplotlib ``Figure`` (``ax``: axes of your own figure to draw into)."""
        from ..core.figures import figure_and_axes

        fig, ax, own = figure_and_axes(ax, (6.0, 4.0))
        f = self.fitted
        ax.fill_between(
            f["time"],
            f["fitted_lower"],
            f["fitted_upper"],
            color="tab:blue",
            alpha=0.15,
            linewidth=0,
        )
        ax.plot(f["time"], f["fitted"], color="tab:blue", label="trend")
        ax.plot(f["time"], f["estimate"], "o", color="black", label="estimates")
        ax.set_xlabel("time")
        ax.set_ylabel("estimate")
        c = self.change_per_unit
        ax.set_title(
            f"change per unit {100 * c.value:+.1f}% [{100 * c.lower:+.1f}%, {100 * c.upper:+.1f}%]",
            fontsize="medium",
        )
        ax.legend(loc="best", fontsize="small")
        if own:
            fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        return f"TrendResult(change per unit {self.change_per_unit!r}, dispersion {self.dispersion:.3g})"
