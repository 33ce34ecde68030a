"""Difference in differences for any estimator: did the programme areas fall more than the others?

:class:`DifferenceInDifferences` takes an estimator and the names of the group and period,
and fits the four cells (programme and comparison areas, at baseline and endline) from:

* **one survey design spanning both groups and periods** (repeated cross-sections, or a panel
  whose units appear in both periods): the cells are domain estimates of the one design
  with their covariance, so the correlation of a panel narrows the interval (the estimator
  must be able to give its cell table, as :class:`~prevalence.survey.SurveyPrevalence`);
* **four independent data sets**, a mapping ``{(group value, period value): data}``, with any
  estimator (multiple systems estimation per cell included): draws or replicates are
  combined, with approximations only for cells that have none;
* **a records frame with group and period columns**, split into the four cells and fitted
  as independent data sets;
* **an area frame with** :class:`~prevalence.HierarchicalPrevalence`: one model over all
  areas and periods with the programme effect as a parameter
  (``details["programme_effect"]``, logit scale), and the DiD of the population-weighted
  prevalences from its joint posterior;
* **four estimates already made**: :meth:`DifferenceInDifferences.from_estimates`.

The assumption that makes a DiD a programme effect is parallel trends: without the
programme, the programme areas would have changed as the comparison areas did. The data
cannot prove it; pre-programme periods can show whether the groups moved together before
(see the impact guide and :class:`~prevalence.impact.trend.Trend`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..bayes.hierarchical import HierarchicalPrevalence
from ..core.checks import whole_number
from ..core.compare import one_posterior
from ..core.errors import DataError
from ..core.estimator import Estimator
from ..core.intervals import check_level
from ..core.random import SeedLike, check_seed
from ..core.results import Estimate
from ..survey.base import Design
from ..survey.table import DomainTable
from .cells import CELLS, from_independent, from_table
from .results import DiDResult

__all__ = ["DifferenceInDifferences"]


class DifferenceInDifferences:
    """Programme versus comparison areas, baseline versus endline, for any estimator.

    Parameters
    ----------
    estimator : Estimator
        What estimates each cell (``SurveyPrevalence``, ``LogLinearMSE``, ...).
    group, period : str
        Column names (in a design's or a frame's data) of the group and the period. With a
        mapping of data sets they only label the result.
    treated : object
        The group value of the programme areas.
    baseline, endline : object
        The period values of the baseline and the endline.
    comparison : object, optional
        The group value of the comparison areas; needed only when the group column has more
        than two values.
    level : float
        Interval level.
    seed : int, optional
        Seed for resampling and approximations when cells are combined by draws.
    n_draws : int, optional
        Number of combined draws (default: the cells' common number of draws, else 10,000).
    independent_periods : bool
        For one design: drop the covariance between baseline and endline cells (what a
        naive analysis of two panel waves as independent samples gives). For comparisons.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from prevalence import SurveyDesign, SurveyPrevalence
    >>> from prevalence.impact import DifferenceInDifferences
    >>> rng = np.random.default_rng(3)
    >>> rows = [(g, t, c, int(rng.random() < 0.2 - 0.08 * (g == "prog") * (t == 1)))
    ...         for g in ("prog", "comp") for t in (0, 1) for c in range(30) for _ in range(20)]
    >>> df = pd.DataFrame(rows, columns=["area", "wave", "cluster", "victim"])
    >>> df["psu"] = df["area"] + df["cluster"].astype(str) + "-" + df["wave"].astype(str)
    >>> design = SurveyDesign(df.assign(w=1.0), weights="w", clusters="psu")
    >>> did = DifferenceInDifferences(SurveyPrevalence("victim"), group="area", period="wave",
    ...                               treated="prog", baseline=0, endline=1).fit(design)
    >>> round(did.did.value, 3), did.did.lower < did.did.value < did.did.upper
    (-0.082, True)
    """

    def __init__(
        self,
        estimator: Estimator,
        *,
        group: str,
        period: str,
        treated: Any,
        baseline: Any,
        endline: Any,
        comparison: Any = None,
        level: float = 0.95,
        seed: SeedLike = None,
        n_draws: int | None = None,
        independent_periods: bool = False,
    ) -> None:
        # any object with fit(data); None when only from_estimates() is used
        if estimator is not None and not callable(getattr(estimator, "fit", None)):
            raise DataError(
                f"estimator must be an estimator with a fit method (SurveyPrevalence, "
                f"LogLinearMSE...), got {type(estimator).__name__}"
            )
        for name, column in (("group", group), ("period", period)):
            if not isinstance(column, str):
                raise DataError(f"{name} must name a column, got {column!r}")
        if baseline == endline:
            raise DataError(f"baseline and endline are the same period {baseline!r}")
        self.estimator = estimator
        self.group = group
        self.period = period
        self.treated = treated
        self.baseline = baseline
        self.endline = endline
        self.comparison = comparison
        self.level = check_level(level)
        self.seed = check_seed(seed)
        self.n_draws = None if n_draws is None else whole_number("n_draws", n_draws, 10)
        self.independent_periods = bool(independent_periods)

    def __repr__(self) -> str:
        return (
            f"DifferenceInDifferences({self.estimator!r}, group={self.group!r}, "
            f"period={self.period!r}, treated={self.treated!r}, baseline={self.baseline!r}, "
            f"endline={self.endline!r})"
        )

    # ------------------------------------------------------------------ fitting
    def fit(self, data: Any) -> DiDResult:
        """Fit the four cells from ``data`` and return the DiD (see the module text for the forms)."""
        level = check_level(self.level)
        if self.baseline == self.endline:
            raise DataError(f"baseline and endline are the same period ({self.baseline!r})")
        if isinstance(data, Design):
            return self._fit_design(data, level)
        if isinstance(data, Mapping):
            return self._fit_mapping(data, level)
        if isinstance(data, pd.DataFrame):
            return self._fit_frame(data, level)
        raise DataError(
            "DifferenceInDifferences.fit takes a survey design spanning groups and periods, a "
            "mapping {(group, period): data} of four data sets, or a records DataFrame with "
            f"{self.group!r} and {self.period!r} columns; got {type(data).__name__}"
        )

    def fit_by(self, data: Any, by: str) -> dict[Any, DiDResult]:
        """One DiD per level of ``by`` (a region, a sector).

        For a survey design the cells are domains of the one design (every area's cells
        from one table, as ``svyby``); for a records or area frame each level's rows are
        fitted on their own.
        """
        level = check_level(self.level)
        frame = data.data if isinstance(data, Design) else data
        if not isinstance(frame, pd.DataFrame):
            raise DataError("fit_by takes a survey design or a DataFrame")
        if by not in frame.columns:
            raise DataError(f"unknown column {by!r}; the data have columns {list(frame.columns)}")
        levels = _values(frame[by])
        if not isinstance(data, Design):
            return {v: self.fit(frame[frame[by] == v].drop(columns=[by])) for v in levels}
        comparison = self._check_design_cells(data, by)
        cells: Any = self.estimator  # has cell_table (checked in _check_design_cells)
        table = cells.cell_table(data, [by, self.group, self.period])
        return {v: self._from_table(table, comparison, {by: v}, level) for v in levels}

    def from_estimates(self, cells: Mapping[tuple[Any, Any], Estimate]) -> DiDResult:
        """The DiD from four estimates made elsewhere, keyed by ``(group value, period value)``.

        The cells are independent estimates, unless all four come from one joint posterior
        (the strata of one :class:`~prevalence.mse.PooledStratifiedMSE` fit, which mark their
        draws with the same ``details["posterior_id"]``): their draws are then combined
        index by index, keeping the correlation between the cells.
        """
        level = check_level(self.level)
        comparison = self._comparison_value([g for g, _ in cells])
        named = self._named(cells, comparison, "estimate")
        for key, est in named.items():
            if not isinstance(est, Estimate):
                raise DataError(f"the cell {key} is a {type(est).__name__}, not an Estimate")
        joint = one_posterior(list(named.values()))
        what = "estimates given, one joint posterior" if joint else "estimates given"
        return self._independent(named, comparison, level, what, joint=joint)

    # ------------------------------------------------------------------ the three data forms
    def _fit_design(self, design: Design, level: float) -> DiDResult:
        comparison = self._check_design_cells(design, None)
        # cells are domains of the whole design: rows outside the four cells keep their place
        cells: Any = self.estimator  # has cell_table (checked in _check_design_cells)
        table: DomainTable = cells.cell_table(design, [self.group, self.period])
        return self._from_table(table, comparison, {}, level)

    def _from_table(
        self, table: DomainTable, comparison: Any, fixed: dict[str, Any], level: float
    ) -> DiDResult:
        """The DiD of the cells of ``table`` within the domain ``fixed`` (``{}``: all rows)."""
        names = self._cell_names(table, comparison, fixed)
        did, ror, changes = from_table(
            table, names, level, independent_periods=self.independent_periods
        )
        cells = {key: _cell(table, name) for key, name in names.items()}
        labels = {**self._labels(comparison), **fixed}
        return DiDResult(did, ror, cells, changes, labels, f"{did.method}; cells: {table.method}")

    def _check_design_cells(self, design: Design, by: str | None) -> Any:
        """Check columns, values and non-empty cells (within every level of ``by``)."""
        if getattr(self.estimator, "cell_table", None) is None:
            raise DataError(
                f"{type(self.estimator).__name__} cannot estimate cells within one survey design; "
                "use SurveyPrevalence, or pass four independent data sets"
            )
        data = design.data
        self._check_columns(data)
        comparison = self._comparison_value(_values(data[self.group]))
        self._check_periods(_values(data[self.period]))
        levels = [None] if by is None else _values(data[by])
        for v in levels:
            inside = np.ones(len(data), dtype=bool) if by is None else (data[by] == v).to_numpy()
            where = "" if by is None else f"{by}={v!r}, "
            for g in (self.treated, comparison):
                for p in (self.baseline, self.endline):
                    hit = (
                        inside
                        & (data[self.group] == g).to_numpy()
                        & (data[self.period] == p).to_numpy()
                    )
                    if not hit.any():
                        raise DataError(
                            f"the cell {where}{self.group}={g!r}, {self.period}={p!r} has no data"
                        )
        return comparison

    def _cell_names(
        self, table: DomainTable, comparison: Any, fixed: dict[str, Any]
    ) -> dict[tuple[str, str], str]:
        names = {}
        for role, g in (("programme", self.treated), ("comparison", comparison)):
            for when, p in (("baseline", self.baseline), ("endline", self.endline)):
                cell = {**fixed, self.group: g, self.period: p}
                hit = np.ones(len(table.labels), dtype=bool)
                for col, v in cell.items():
                    hit &= (table.labels[col] == v).to_numpy()
                names[(role, when)] = table.names[int(np.flatnonzero(hit)[0])]
        return names

    def _fit_mapping(self, data: Mapping[Any, Any], level: float) -> DiDResult:
        comparison = self._comparison_value([k[0] for k in data if isinstance(k, tuple)])
        named = self._named(data, comparison, "data set")
        cells = {}
        for key, d in named.items():
            if hasattr(d, "__len__") and len(d) == 0:
                raise DataError(f"the cell {key} has no data")
            cells[key] = self.estimator.fit(d)
        return self._independent(cells, comparison, level, type(self.estimator).__name__)

    def _fit_frame(self, data: pd.DataFrame, level: float) -> DiDResult:
        self._check_columns(data)
        comparison = self._comparison_value(_values(data[self.group]))
        self._check_periods(_values(data[self.period]))
        if isinstance(self.estimator, HierarchicalPrevalence):
            return self._fit_hierarchical(data, comparison, level)
        parts = {}
        for g in (self.treated, comparison):
            for p in (self.baseline, self.endline):
                rows = data[(data[self.group] == g) & (data[self.period] == p)]
                parts[(g, p)] = rows.drop(columns=[self.group, self.period]).reset_index(drop=True)
        return self._fit_mapping(parts, level)

    def _fit_hierarchical(self, data: pd.DataFrame, comparison: Any, level: float) -> DiDResult:
        """One model over all areas and periods with a programme effect; the DiD from its posterior."""
        marker = "__programme__"
        if marker in data.columns:
            raise DataError(f"the frame must not have a column named {marker!r}")
        hierarchical: Any = self.estimator  # a HierarchicalPrevalence (see _fit_frame)
        if hierarchical.period not in (None, self.period):
            raise DataError(
                f"the estimator's period column is {hierarchical.period!r} but the DiD's is "
                f"{self.period!r}"
            )
        rows = data[data[self.group].isin([self.treated, comparison])]
        frame = rows.assign(**{marker: (rows[self.group] == self.treated).astype(int)})
        model = copy.copy(hierarchical)
        model.programme = marker
        model.period = self.period
        fit = model.fit(frame.reset_index(drop=True))
        draws = fit.details["group_draws"]
        cells = {}
        for role in ("programme", "comparison"):
            for when, p in (("baseline", self.baseline), ("endline", self.endline)):
                d = draws[(role, p)]
                lo, med, hi = np.quantile(d, [(1 - level) / 2, 0.5, (1 + level) / 2])
                cells[(role, when)] = Estimate(
                    med,
                    lo,
                    hi,
                    level,
                    f"{role} areas, period {p!r} (hierarchical model, weighted posterior)",
                    d,
                    draws_kind="posterior",
                    interval_method="credible",
                    scale="proportion",
                )
        did, ror, changes = from_independent(cells, level, seed=self.seed, joint=True)
        did = _posterior_median(did)
        ror = _posterior_median(ror)
        return DiDResult(
            did,
            ror,
            cells,
            changes,
            self._labels(comparison),
            f"{did.method}; cells: hierarchical model with a programme effect",
            {"programme_effect": fit.details["programme_effect"], "fit": fit},
        )

    # ------------------------------------------------------------------ helpers
    def _independent(
        self,
        cells: Mapping[tuple[str, str], Estimate],
        comparison: Any,
        level: float,
        what: str,
        joint: bool = False,
    ) -> DiDResult:
        did, ror, changes = from_independent(
            cells, level, seed=self.seed, n_draws=self.n_draws, joint=joint
        )
        return DiDResult(
            did, ror, dict(cells), changes, self._labels(comparison), f"{did.method}; cells: {what}"
        )

    def _check_columns(self, data: pd.DataFrame) -> None:
        for col, role in ((self.group, "group"), (self.period, "period")):
            if col not in data.columns:
                raise DataError(
                    f"unknown {role} column {col!r}; the data have columns {list(data.columns)}"
                )

    def _comparison_value(self, groups: list[Any]) -> Any:
        values = list(dict.fromkeys(groups))
        if self.treated not in values:
            raise DataError(
                f"the programme group {self.treated!r} does not occur in {self.group!r}; "
                f"its values are {values}"
            )
        if self.comparison is not None:
            if self.comparison not in values:
                raise DataError(
                    f"the comparison group {self.comparison!r} does not occur in {self.group!r}; "
                    f"its values are {values}"
                )
            if self.comparison == self.treated:
                raise DataError("the programme and comparison groups are the same")
            return self.comparison
        others = [v for v in values if v != self.treated]
        if len(others) != 1:
            raise DataError(
                f"{self.group!r} has {len(others)} values besides {self.treated!r} ({others}): "
                "say which is the comparison group with comparison=..."
            )
        return others[0]

    def _check_periods(self, periods: list[Any]) -> None:
        for p, role in ((self.baseline, "baseline"), (self.endline, "endline")):
            if p not in periods:
                raise DataError(
                    f"the {role} period {p!r} does not occur in {self.period!r}; its values are "
                    f"{periods}"
                )

    def _named(
        self, data: Mapping[Any, Any], comparison: Any, what: str
    ) -> dict[tuple[str, str], Any]:
        out = {}
        self._check_periods([k[1] for k in data if isinstance(k, tuple) and len(k) == 2])
        for role, g in (("programme", self.treated), ("comparison", comparison)):
            for when, p in (("baseline", self.baseline), ("endline", self.endline)):
                if (g, p) not in data:
                    raise DataError(
                        f"no {what} for the cell ({g!r}, {p!r}); give one for each of "
                        f"{[(self.treated, self.baseline), (self.treated, self.endline), (comparison, self.baseline), (comparison, self.endline)]}"
                    )
                out[(role, when)] = data[(g, p)]
        return out

    def _labels(self, comparison: Any) -> dict[str, Any]:
        return {
            "group": self.group,
            "period": self.period,
            "programme": self.treated,
            "comparison": comparison,
            "baseline": self.baseline,
            "endline": self.endline,
            "cells": list(CELLS),
        }


def _posterior_median(est: Estimate) -> Estimate:
    """A posterior summary reports the median of the draws, not a plug-in of cell medians."""
    assert est.draws is not None
    d = est.draws[np.isfinite(est.draws)]
    method = est.method.replace("percentile interval", "posterior median, equal-tailed interval")
    return replace(est, value=float(np.median(d)), method=method)


def _values(column: pd.Series) -> list[Any]:
    """The distinct values of a column, in order, as plain Python (for messages and keys)."""
    return [v.item() if isinstance(v, np.generic) else v for v in pd.unique(column)]


def _cell(table: DomainTable, name: str) -> Estimate:
    """A cell of the table, its interval t with the design df like the DiD's."""
    return table.estimate(name, df=None if table.degf is None else "design")
