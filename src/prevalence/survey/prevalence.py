"""Survey-weighted prevalence as an estimator of the common interface, with baseline-endline change."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..core.compare import compare_correlated
from ..core.errors import DataError, EstimationError
from ..core.estimator import Estimator
from ..core.intervals import check_level
from ..core.random import SeedLike
from ..core.results import Comparison, Estimate
from .base import Design
from .daskdesign import DaskDesign
from .details import SurveyPrevalenceDetails
from .estimation import check_ci
from .table import DomainTable

__all__ = ["SurveyPrevalence"]


class SurveyPrevalence(Estimator):
    """Prevalence of a condition in a population from a complex survey.

    Parameters
    ----------
    indicator : str
        Column holding 0/1 (or booleans) for having the condition; or any column together with
        ``value``, the prevalence being the share equal to ``value``.
    value : optional
        See ``indicator``.
    population : float, optional
        Population size: the estimate then also reports the number of people
        (``details["count"]`` with its interval).
    ci : str
        Interval method for the proportion (see :meth:`SurveyDesign.proportion`), default
        ``"logit"``.
    level : float
        Interval level.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence.survey import SurveyDesign, SurveyPrevalence
    >>> df = pd.DataFrame({"victim": [0, 1, 0, 0, 1, 0, 0, 0], "psu": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                    "w": [100.0] * 8})
    >>> est = SurveyPrevalence("victim", population=800).fit(SurveyDesign(df, weights="w", clusters="psu"))
    >>> est.value, est.details["count"]
    (0.25, 200.0)
    """

    input_kinds = ("survey", "questionnaire")
    out_of_core = True  # proportions only: a DaskSurveyDesign answers them
    details_schema = SurveyPrevalenceDetails
    #: What the method assumes, in words (the run report's methods section).
    assumptions = (
        "Design-based prevalence from a complex sample survey (as R survey's svyciprop / "
        "svymean): the weighted share of respondents with the condition, with "
        "Taylor-linearised or replicate variance. Assumes the weights and design describe the "
        "sample, that non-response is ignorable given the weights, and that the questionnaire "
        "measures the condition without error."
    )

    def __init__(
        self,
        indicator: str,
        value: Any = None,
        *,
        population: float | None = None,
        ci: str = "logit",
        level: float = 0.95,
        seed: SeedLike = None,
    ) -> None:
        if population is not None and not (
            math.isfinite(float(population)) and float(population) > 0
        ):
            raise ValueError(f"population must be a positive number, got {population!r}")
        self.indicator = indicator
        self.value = value
        self.population = None if population is None else float(population)
        self.ci = check_ci(ci)
        self.level = check_level(level)
        self.seed = seed

    def check_input(self, data: Design) -> list[str]:
        """The estimate itself (a design-based proportion is cheap), or why it cannot be made."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the run reports them; here only failure counts
                self.fit(data)
        except (DataError, EstimationError) as exc:
            return [str(exc)]
        return []

    def fit(self, data: Design) -> Estimate:
        """Estimate the prevalence (and the number of people when ``population`` is given)."""
        design = _check_design(data)
        est = design.proportion(self.indicator, self.value, ci=self.ci, level=self.level)
        if self.population is None:
            return est
        details = dict(est.details)
        details.update(
            population=self.population,
            count=self.population * est.value,
            count_lower=self.population * est.lower,
            count_upper=self.population * est.upper,
            count_std_error=self.population * est.std_error,
        )
        return Estimate(
            est.value,
            est.lower,
            est.upper,
            est.level,
            est.method,
            None,
            details,
            est.warnings,
            scale="proportion",
            interval_method=est.interval_method,
        )

    def compare(
        self, baseline: Any, endline: Any, *, seed: SeedLike = None, n_draws: int | None = None
    ) -> Comparison:
        """Change in prevalence between two independent surveys.

        The difference has standard error ``sqrt(se_b**2 + se_e**2)`` and a normal interval;
        the ratio a normal interval on the log scale (delta method). For surveys that share
        PSUs (a panel), use :meth:`compare_panel`, which accounts for their covariance.
        The comparison is in closed form: ``seed`` and ``n_draws`` do not apply and are
        refused rather than ignored.
        """
        if seed is not None or n_draws is not None:
            raise ValueError(
                "SurveyPrevalence.compare is in closed form (delta method): seed and n_draws "
                "do not apply"
            )
        b, e = self.fit(baseline), self.fit(endline)
        return compare_correlated(
            b,
            e,
            b.std_error**2,
            e.std_error**2,
            0.0,
            level=self.level,
            how="independent surveys",
            what="prevalences",
        )

    def compare_panel(self, design: Design, period: str, baseline: Any, endline: Any) -> Comparison:
        """Change in prevalence when both periods are in one design (shared PSUs, a panel).

        ``design`` holds the rows of both surveys, ``period`` names the column telling them
        apart. Both prevalences are domain estimates of the one design with their covariance
        (see :meth:`cell_table`), so the covariance between the periods (the same PSUs
        visited twice) enters the variance of the change.
        """
        design = _check_design(design)
        table = self.cell_table(design, [period])
        b_est = design.proportion(
            self.indicator, self.value, ci=self.ci, level=self.level, by=period, output="estimates"
        )
        for v in (baseline, endline):
            if v not in b_est:
                raise DataError(
                    f"column {period!r} has no rows equal to {v!r}; its values are {list(b_est)}"
                )
        nb = _cell_name(table, {period: baseline})
        ne = _cell_name(table, {period: endline})
        V = table.vcov
        return compare_correlated(
            b_est[baseline],
            b_est[endline],
            float(V.loc[nb, nb]),
            float(V.loc[ne, ne]),
            float(V.loc[nb, ne]),
            level=self.level,
            how=f"panel design, covariance through shared PSUs ({table.labels['variable'].iloc[0]})",
            what="prevalences",
        )

    def cell_table(self, design: Design, by: list[str]) -> DomainTable:
        """The prevalence in every cell of the columns ``by``, with the covariance between cells."""
        design = _check_design(design)
        out = design.proportion(
            self.indicator, self.value, by=by, level=self.level, vcov=True, ci=self.ci
        )
        assert isinstance(out, DomainTable)
        return out


def _cell_name(table: DomainTable, cell: dict[str, Any]) -> str:
    """The table name of the estimate whose domain columns equal ``cell``."""
    lab = table.labels
    hit = np.ones(len(lab), dtype=bool)
    for col, v in cell.items():
        hit &= (lab[col] == v).to_numpy()
    pos = np.flatnonzero(hit)
    if pos.size != 1:
        raise DataError(f"no estimate for the cell {cell}")
    return table.names[int(pos[0])]


def _check_design(data: Any) -> Design:
    # a design on a Dask frame answers the same proportions (out of core)
    if not isinstance(data, Design | DaskDesign):
        raise DataError(
            f"SurveyPrevalence.fit expects a SurveyDesign or ReplicateDesign, got {type(data).__name__}"
        )
    return data  # type: ignore[return-value]
