"""The design base class: a design owns its statistics, as in R's ``survey``.

:class:`Design` holds the data and the weights and offers every statistic (``total``, ``mean``,
``ratio``, ``proportion``, by domain, with their covariance; ``glm``; ``predictive_margins``)
and every calibration (``poststratify``, ``rake``, ``calibrate``). What differs between the
two kinds of design is only how a variance is obtained, and each implementation supplies that
through three methods:

* ``_ratio_covariance``: estimates and covariance of ratios of weighted totals, by domain
  (the fast path for means, totals and proportions);
* ``_vcov``: the covariance of any smooth statistic, from its row influence values (Taylor
  linearisation) or by re-estimating it with each set of replicate weights;
* ``_reweighted``: the same design with calibrated weights.

:class:`~prevalence.survey.design.SurveyDesign` (strata, clusters, fpc: Taylor
linearisation) and :class:`~prevalence.survey.replicate.ReplicateDesign` (replicate weights)
are the two implementations. Layers, top to bottom: the design classes; this base; the
statistics (:mod:`~prevalence.survey.estimation`, :mod:`~prevalence.survey.regression`,
:mod:`~prevalence.survey.table`) and the weight algorithms
(:mod:`~prevalence.survey.calibration`); the variance kernels
(:mod:`~prevalence.survey.linearization`) and the stage arrays
(:mod:`~prevalence.survey.stages`); interval formulas (:mod:`~prevalence.survey.intervals`).
"""

from __future__ import annotations

import copy
import functools
import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Self, TypeAlias

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import DataError, EstimationWarning
from ..core.intervals import check_level
from ..core.results import Estimate
from .calibration import (
    Bounds,
    PostStratification,
    SubsetCalibration,
    bounds_are_finite,
    calibration_bounds,
    linear_calibration_weights,
    observed_totals,
    poststratified_weights,
    raked_weights,
)
from .chisq import TableTest, rao_scott
from .estimation import (
    RatioStatistic,
    check_ci,
    check_deff,
    check_df,
    check_output,
    design_effect,
    domain_codes,
    domain_names,
    indicator_columns,
    likelihood_interval,
    numeric_column,
    numeric_columns,
)
from .intervals import _expit, critical_value, proportion_interval
from .linearization import Residualizer
from .quantiles import quantile_rule, zeroin
from .regression import (
    NA_ACTIONS,
    SurveyGLMResults,
    fit_survey_glm,
    model_missing_rows,
    predictive_margins,
)
from .table import DomainTable

__all__ = ["Design", "Columns", "QUANTILE_INTERVALS"]

#: Interval methods of :meth:`Design.quantile`: Woodruff's four, the score interval, and
#: (replicate designs) the replicate quantiles.
QUANTILE_INTERVALS = ("mean", "beta", "xlogit", "asin", "score", "quantile")

Columns = str | Sequence[str]
#: What a statistic returns: an :class:`Estimate` without ``by``; with ``by`` a DataFrame
#: (``output="frame"``), a dict of estimates (``output="estimates"``) or, with ``vcov=True``,
#: a :class:`DomainTable`. The type follows the arguments, as in R's ``svyby``; it is ``Any``
#: for type checkers (a union would make every ``design.mean("y").value`` an error).
DomainResult: TypeAlias = Any  # Estimate | pd.DataFrame | dict[str, Estimate] | DomainTable


class Design(ABC):
    """A survey sample with weights; the statistics every design offers.

    Not instantiated directly: use :class:`~prevalence.survey.SurveyDesign` or
    :class:`~prevalence.survey.ReplicateDesign`.
    """

    data: pd.DataFrame
    weights: np.ndarray
    #: Rows of the subset (``subset``); None: every row. Rows outside keep their place in the
    #: design, so variances are those of a domain estimate (R's ``subset.survey.design``).
    _domain: np.ndarray | None = None
    #: Rows each row of ``data`` stands for, when ``data`` holds the cell sums of a larger
    #: frame (:class:`~prevalence.survey.design.DaskSurveyDesign`); None: one each.
    _row_counts: np.ndarray | None = None

    # ------------------------------------------------------------------ what a design supplies
    @property
    def n(self) -> int:
        """Number of rows."""
        return len(self.data)

    @property
    def calibrations(self) -> tuple[Residualizer, ...]:
        """Calibration records whose models the Taylor variance removes (none by default)."""
        return ()

    @abstractmethod
    def degf(self, mask: np.ndarray | None = None) -> int:
        """Design degrees of freedom (R's ``degf``)."""

    @abstractmethod
    def domain_degf(self, codes: np.ndarray, use: np.ndarray, D: int) -> np.ndarray:
        """Degrees of freedom within each of ``D`` domains."""

    def _ratio_estimates(
        self,
        stat: RatioStatistic,
        codes: np.ndarray,
        D: int,
        use: np.ndarray,
        diagonal: bool,
        logit: bool,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Estimates, their (co)variances and, with ``logit``, the variances of their logits
        where the design has its own (replicate designs; None: the logit interval uses the
        delta method, as for Taylor designs)."""
        theta, cov = self._ratio_covariance(stat, codes, D, use, diagonal=diagonal)
        return theta, cov, None

    @abstractmethod
    def _ratio_covariance(
        self, stat: RatioStatistic, codes: np.ndarray, D: int, use: np.ndarray, diagonal: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Estimates (variables x domains, flattened variable-major) and their (co)variance."""

    @abstractmethod
    def _vcov(
        self,
        influence: np.ndarray,
        refit: Callable[[np.ndarray], np.ndarray],
        estimate: np.ndarray,
    ) -> np.ndarray:
        """Covariance of a smooth statistic.

        ``influence`` holds its row influence values (rows x parameters, already weighted, as
        R's ``svyrecvar`` takes them); ``refit(w)`` re-estimates it with the weights ``w``;
        ``estimate`` is the full-sample estimate. A design uses whichever it needs.
        """

    @abstractmethod
    def _variance_label(self) -> str:
        """How variances are computed, for method texts."""

    @abstractmethod
    def _all_weights(self) -> np.ndarray:
        """The weights calibration adjusts: a vector, or full-sample and replicate weights side by side."""

    @abstractmethod
    def _reweighted(self, weights: np.ndarray, record: Residualizer | None) -> Self:
        """The same design with calibrated weights (as :meth:`_all_weights` returns them)."""

    # ------------------------------------------------------------------ columns
    def with_columns(self, **columns: Any) -> Self:
        """The same design with columns added or replaced (R's ``update``).

        Examples
        --------
        >>> import pandas as pd
        >>> from prevalence.survey import SurveyDesign
        >>> d = SurveyDesign(pd.DataFrame({"x": [1.0, 2.0], "w": [1.0, 3.0]}), weights="w")
        >>> d.with_columns(y=lambda df: 2 * df["x"]).mean("y").value
        3.5
        """
        new = copy.copy(self)
        new.data = self.data.assign(**columns)
        return new

    def subset(self, condition: str | Callable[[pd.DataFrame], Any] | Any) -> Self:
        """The design restricted to a domain, with the whole design's variance (R's ``subset``).

        ``condition`` is a pandas expression over the columns (``"region == 'north'"``), a
        function of the data frame, or a boolean array with one entry per row. Rows outside
        stay in the design with no influence, so standard errors are those of domain
        estimation, not of a new sample. Subsets of subsets combine.

        Examples
        --------
        >>> import pandas as pd
        >>> from prevalence.survey import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "g": ["a", "a", "b", "b"], "w": 1.0,
        ...                    "psu": [1, 2, 3, 4]})
        >>> SurveyDesign(df, weights="w", clusters="psu").subset("g == 'b'").mean("y").value
        3.5
        """
        if isinstance(condition, str):
            try:
                mask = self.data.eval(condition)
            except Exception as exc:  # pandas raises many kinds for a bad expression
                raise DataError(f"cannot evaluate the subset {condition!r}: {exc}") from None
        elif callable(condition):
            mask = condition(self.data)
        else:
            mask = condition
        mask = pd.Series(mask) if not isinstance(mask, pd.Series) else mask
        if len(mask) != self.n:
            raise DataError(f"the subset condition has {len(mask)} values for {self.n} rows")
        if mask.isna().any():
            raise DataError(
                f"the subset condition is missing at row {int(np.flatnonzero(mask.isna())[0])}"
            )
        if mask.dtype != bool:
            raise DataError(f"the subset condition must be true/false, got values of {mask.dtype}")
        keep = mask.to_numpy()
        if self._domain is not None:
            keep = keep & self._domain
        if not keep.any():
            raise DataError(
                f"the subset {condition if isinstance(condition, str) else ''} keeps no row"
            )
        new = copy.copy(self)
        new._domain = keep
        return new

    def variable(self, column: str) -> np.ndarray:
        """A numeric column as float (DataError naming the column and row when it is not numeric)."""
        return numeric_column(self.data, column)

    # ------------------------------------------------------------------ statistics
    def total(
        self,
        column: Columns,
        *,
        by: Columns | None = None,
        level: float = 0.95,
        deff: bool | str = False,
        df: str | float | None = None,
        na_rm: bool = False,
        output: str = "frame",
        vcov: bool = False,
    ) -> DomainResult:
        """Estimated population total of ``column`` (overall, or by domain with ``by``).

        ``column`` may be a list of columns. Intervals are normal (``df=None``, as R's
        ``confint``) or Student t with the design degrees of freedom (``df="design"``) or a
        given number. With ``by``, returns a DataFrame (``output="frame"``) or a dict of
        :class:`~prevalence.Estimate` (``output="estimates"``). With ``vcov=True``, returns a
        :class:`~prevalence.survey.table.DomainTable`: every estimate with the full covariance
        matrix (R's ``svyby(..., covmat=TRUE)``), ready for contrasts.
        """
        a, ok, cols = numeric_columns(self.data, column, na_rm, self._domain)
        stat = RatioStatistic("total", a, None, tuple(cols))
        return self._estimate(stat, ok, by, level, None, deff, df, output, vcov)

    def mean(
        self,
        column: Columns,
        *,
        by: Columns | None = None,
        level: float = 0.95,
        deff: bool | str = False,
        df: str | float | None = None,
        na_rm: bool = False,
        output: str = "frame",
        vcov: bool = False,
    ) -> DomainResult:
        """Estimated population mean of ``column``; see :meth:`total` for the options.

        Examples
        --------
        >>> import pandas as pd
        >>> from prevalence.survey import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 2, 2], "psu": [1, 2, 3, 4]})
        >>> round(SurveyDesign(df, weights="w", clusters="psu").mean("y").value, 4)
        2.8333
        """
        a, ok, cols = numeric_columns(self.data, column, na_rm, self._domain)
        stat = RatioStatistic("mean", a, np.ones_like(a), tuple(cols))
        return self._estimate(stat, ok, by, level, None, deff, df, output, vcov)

    def ratio(
        self,
        numerator: Columns,
        denominator: Columns,
        *,
        by: Columns | None = None,
        level: float = 0.95,
        deff: bool | str = False,
        df: str | float | None = None,
        na_rm: bool = False,
        output: str = "frame",
        vcov: bool = False,
    ) -> DomainResult:
        """Ratio of two population totals, ``sum w y / sum w x`` (R's ``svyratio``).

        Several numerators and/or denominators give every ratio of a numerator to a
        denominator, named ``"y/x"`` in R's order (numerators within denominators); with
        ``vcov=True`` their joint covariance (R's ``svyratio(~y1 + y2, ~x, covmat=TRUE)``), for
        contrasts. A row missing any of the columns is left out of all the ratios with
        ``na_rm``, as R does.

        Examples
        --------
        >>> import pandas as pd
        >>> from prevalence.survey import SurveyDesign
        >>> df = pd.DataFrame({"y1": [1.0, 2, 3, 4], "y2": [2.0, 2, 2, 2], "x": [1.0, 1, 2, 2],
        ...                    "w": 1.0, "psu": [1, 2, 3, 4]})
        >>> t = SurveyDesign(df, weights="w", clusters="psu").ratio(["y1", "y2"], "x", vcov=True)
        >>> t.names, t.values.round(4).tolist()
        (['y1/x', 'y2/x'], [1.6667, 1.3333])
        """
        nums = [numerator] if isinstance(numerator, str) else list(numerator)
        dens = [denominator] if isinstance(denominator, str) else list(denominator)
        a, ok_a, nums = numeric_columns(self.data, nums, na_rm, self._domain)
        b, ok_b, dens = numeric_columns(self.data, dens, na_rm, self._domain)
        ok = ok_a & ok_b
        pairs = [(i, j) for j in range(len(dens)) for i in range(len(nums))]
        a = np.column_stack([np.where(ok, a[:, i], 0.0) for i, _ in pairs])
        b = np.column_stack([np.where(ok, b[:, j], 0.0) for _, j in pairs])
        labels = tuple(f"{nums[i]}/{dens[j]}" for i, j in pairs)
        stat = RatioStatistic("ratio", a, b, labels)
        return self._estimate(stat, ok, by, level, None, deff, df, output, vcov)

    def variance(
        self,
        column: str,
        *,
        by: Columns | None = None,
        level: float = 0.95,
        na_rm: bool = False,
        output: str = "frame",
    ) -> DomainResult:
        """Estimated population variance of ``column`` with its standard error (R's ``svyvar``).

        As R: the design-weighted mean of ``(x - mean)**2 * n / (n - 1)``, ``n`` the rows with
        a weight (in the subset) and a value, with that mean's standard error. With ``by``,
        each domain's variance on its subset (R's ``svyby(..., svyvar)``), as a DataFrame or,
        with ``output="estimates"``, a dict keyed by the domain.

        Examples
        --------
        >>> import pandas as pd
        >>> from prevalence.survey import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": 1.0, "psu": [1, 2, 3, 4]})
        >>> round(SurveyDesign(df, weights="w", clusters="psu").variance("y").value, 4)
        1.6667
        """
        output = check_output(output)
        if by is not None:
            return self._by_domain(
                by, output, lambda d: [d.variance(column, level=level, na_rm=na_rm)], None, {}
            )
        if not isinstance(column, str):
            raise DataError(f"variance takes one column name, got {column!r}")
        x = numeric_column(self.data, column)
        ok = np.isfinite(x) & (self.weights != 0)
        if self._domain is not None:
            ok &= self._domain
        n = int(ok.sum())
        if n < 2:
            raise DataError(
                f"a variance of {column!r} needs at least two rows with values, got {n}"
            )
        xbar = self.mean(column, na_rm=na_rm).value
        squares = np.where(np.isfinite(x), (x - xbar) ** 2 * n / (n - 1), np.nan)
        name = f"variance of {column}"
        est = self.with_columns(**{name: squares}).mean(name, level=level, na_rm=na_rm)
        return replace(est, method=est.method.replace("mean", "variance", 1), scale="variance")

    def quantile(
        self,
        column: str,
        p: float | Sequence[float],
        *,
        by: Columns | None = None,
        interval: str = "mean",
        qrule: str = "math",
        level: float = 0.95,
        df: float | None = None,
        output: str = "frame",
    ) -> DomainResult:
        """Estimated population quantile(s) of ``column`` with Woodruff intervals (R's ``svyquantile``).

        As R survey (>= 4.1): the quantile by ``qrule`` (``"math"``, R's default, ``"school"``,
        ``"hf1"``...``"hf9"``, ``"shahvaish"``; :mod:`prevalence.survey.quantiles`); the
        interval by Woodruff's method, an interval for the proportion of the population at or
        below the estimate (``interval``: ``"mean"``, ``"beta"``, ``"xlogit"``, ``"asin"``) mapped
        back through the quantile rule, with the design degrees of freedom unless ``df`` is given;
        ``std_error`` is the interval's width over twice the critical value. A limit whose
        probability falls outside [0, 1] is NaN, as in R, with a warning.

        One ``p`` without ``by`` gives an :class:`~prevalence.Estimate`. Several ``p``, or
        ``by`` domains (each estimated on its subset, as R's ``svyby(..., svyquantile)``),
        give a table as the other statistics do: a DataFrame (``output="frame"``) with the
        domain columns, ``p``, ``value``, ``std_error``, ``lower``, ``upper`` and ``n``, or
        (``output="estimates"``) a dict of estimates keyed by the domain label, by ``p`` as
        R names it (``"0.25"``) when there are several, or by both.

        Examples
        --------
        >>> import pandas as pd
        >>> from prevalence.survey import SurveyDesign
        >>> df = pd.DataFrame({"y": [5.0, 1, 4, 2, 3, 6], "w": 1.0, "psu": range(6)})
        >>> SurveyDesign(df, weights="w", clusters="psu").quantile("y", 0.5).value
        3.0
        >>> SurveyDesign(df, weights="w", clusters="psu").quantile("y", [0.25, 0.75])[["p", "value"]]
              p  value
        0  0.25    2.0
        1  0.75    5.0
        """
        output = check_output(output)
        probs = [p] if isinstance(p, int | float) else list(p)
        if by is None and isinstance(p, int | float):
            return self._quantiles(column, probs, interval, qrule, level, df)[0]
        return self._by_domain(
            by,
            output,
            lambda design: design._quantiles(column, probs, interval, qrule, level, df),
            [f"{q:g}" for q in probs] if not isinstance(p, int | float) else None,
            {"p": [float(q) for q in probs]},
        )

    def _by_domain(
        self,
        by: Columns | None,
        output: str,
        estimate: Callable[[Design], list[Estimate]],
        names: list[str] | None,
        extra_columns: Mapping[str, list[Any]],
    ) -> DomainResult:
        """A statistic estimated on each ``by`` domain's subset (R's ``svyby`` does exactly
        this), packaged as the other statistics are: ``estimate(design)`` returns one
        estimate per entry of ``names`` (None: one estimate, keyed by the domain alone)."""
        codes, labels = domain_codes(self.data, by)
        use = self.weights != 0 if self._domain is None else self._domain & (self.weights != 0)
        rows: list[dict[str, Any]] = []
        estimates: dict[Any, Estimate] = {}
        for d in range(len(labels)):
            in_domain = use & (codes == d)
            if not in_domain.any():
                continue  # as R's svyby: a domain without rows in the design has no row
            label = labels.iloc[d].to_dict() if by is not None else {}
            key = tuple(labels.iloc[d].tolist()) if by is not None else ()
            design = self if by is None else self.subset(codes == d)
            for k, est in enumerate(estimate(design)):
                row = {**label, **{c: v[k] for c, v in extra_columns.items()}}
                row.update(
                    value=est.value,
                    std_error=est.std_error,
                    lower=est.lower,
                    upper=est.upper,
                    n=int(in_domain.sum()),
                )
                rows.append(row)
                full = key + ((names[k],) if names is not None else ())
                estimates[full[0] if len(full) == 1 else full] = est
        if output == "estimates":
            return estimates
        return pd.DataFrame(rows)

    def _quantiles(
        self,
        column: str,
        probs: list[Any],
        interval: str,
        qrule: str,
        level: float,
        df: float | None,
    ) -> list[Estimate]:
        """The quantiles ``probs`` of ``column``, one estimate each (see :meth:`quantile`)."""
        rule = quantile_rule(qrule)
        if interval not in QUANTILE_INTERVALS:
            raise ValueError(f"interval must be one of {QUANTILE_INTERVALS}, got {interval!r}")
        if interval == "quantile" and not self._has_replicates:
            raise DataError(
                "interval='quantile' uses the quantiles of the replicate weights: it needs a "
                "replicate design (design.replicate('bootstrap', ...)); Taylor designs have "
                "'mean', 'beta', 'xlogit', 'asin' and 'score'"
            )
        level = check_level(level)
        if df is not None:
            df = float(check_df(df))  # type: ignore[arg-type]
        for q in probs:
            if isinstance(q, bool) or not isinstance(q, int | float) or not 0 <= q <= 1:
                raise ValueError(f"p must be a probability in [0, 1], got {q!r}")
        if not isinstance(column, str):
            raise DataError(f"quantile takes one column name, got {column!r}")
        x = numeric_column(self.data, column)
        missing = np.isnan(x) if self._domain is None else np.isnan(x) & self._domain
        if missing.any():
            pos = int(np.flatnonzero(missing)[0])
            raise DataError(f"column {column!r} has a missing value at row {pos}")
        w = self.weights * (self._domain if self._domain is not None else 1.0)
        if self._domain is not None:  # values outside the subset carry no weight
            x = np.where(self._domain, x, np.nanmin(x[self._domain]))
        degf = float(self.degf(None if self._domain is None else self._domain & (w != 0)))
        t_df = degf if df is None else df
        alpha = 1.0 - level
        q = critical_value(level, t_df)
        out: dict[float, Estimate] = {}
        for prob in probs:
            qhat = rule(x, w, float(prob))
            extra: dict[str, float] = {}
            if interval == "score":
                lo, hi = self._score_quantile_interval(x, w, float(prob), rule, alpha, t_df)
                how, why = "Francisco-Fuller score interval", ""
            elif interval == "quantile":
                lo, hi = self._replicate_quantile_interval(x, w, float(prob), rule, qhat, q)
                how, why = "interval from the replicate quantiles", ""
            else:
                lo, hi, extra, why = self._woodruff_interval(
                    x, w, qhat, rule, interval, q, alpha, degf, f"{prob:g} quantile of {column}"
                )
                how = f"Woodruff {interval} interval"
            notes: tuple[str, ...] = ()
            if lo > hi:
                # R maps the score limits back through the unweighted share of rows below
                # them and a weighted rule; the two can cross, and R then reports the limits
                # reversed with a negative standard error
                notes = (
                    f"the {prob:g} quantile of {column} has no {interval} interval here: its "
                    f"limits came out reversed ([{lo:.6g}, {hi:.6g}]; R reports them so, with "
                    "a negative standard error); try interval='beta' or qrule='math'",
                )
                lo = hi = math.nan
            elif not (hi > lo):
                notes = (
                    f"the {prob:g} quantile of {column} has no {interval} "
                    + ("Woodruff interval here " if why else "interval here ")
                    + (why or f"([{lo:.6g}, {hi:.6g}])")
                    + "; try interval='beta' or a continuous qrule",
                )
            if notes:
                warnings.warn(notes[0], EstimationWarning, stacklevel=2)
            out[float(prob)] = Estimate(
                qhat,
                lo,
                hi,
                level,
                f"survey {prob:g} quantile of {column} (qrule {qrule}, {how}, "
                f"{self._variance_label()})",
                None,
                {
                    "statistic": "quantile",
                    "variable": column,
                    "p": float(prob),
                    "std_error": (hi - lo) / (2 * q) if math.isfinite(hi - lo) else math.nan,
                    **extra,
                    "degf": degf,
                },
                notes,
                scale="quantile",
                interval_method="t" if math.isfinite(t_df) else "wald",
            )
        return [out[float(prob)] for prob in probs]

    def _woodruff_interval(
        self,
        x: np.ndarray,
        w: np.ndarray,
        qhat: float,
        rule: Callable[[np.ndarray, np.ndarray, float], float],
        interval: str,
        q: float,
        alpha: float,
        degf: float,
        what: str,
    ) -> tuple[float, float, dict[str, float], str]:
        """Woodruff's interval: an interval for the share of the population at or below the
        estimate, mapped back through the rule. Returns the limits, the share and its SE for
        the details, and why an interval is missing (for the warning)."""
        below = f"at or below the {what}"
        m = self.with_columns(**{below: (x <= qhat).astype(float)}).mean(below)
        pm, se = m.value, m.std_error
        if interval == "mean":
            plo, phi = pm - q * se, pm + q * se
        elif interval == "xlogit":
            if 0 < pm < 1:
                lg, s_lg = math.log(pm / (1 - pm)), se / (pm * (1 - pm))
                plo, phi = _expit(lg - q * s_lg), _expit(lg + q * s_lg)
            else:
                plo = phi = math.nan
        elif interval == "asin":
            if 0 < pm < 1:
                a, s_a = math.asin(math.sqrt(pm)), se / (2 * math.sqrt(pm * (1 - pm)))
                plo, phi = math.sin(a - q * s_a) ** 2, math.sin(a + q * s_a) ** 2
            else:
                plo = phi = math.nan
        else:  # beta: Korn-Graubard, with R's n - 1 and design df in the adjustment
            if 0 < pm < 1 and se > 0:
                n_eff = pm * (1 - pm) / se**2
                n_eff *= (stats.t.ppf(alpha / 2, self.n - 1) / stats.t.ppf(alpha / 2, degf)) ** 2
                plo = float(stats.beta.ppf(alpha / 2, n_eff * pm, n_eff * (1 - pm) + 1))
                phi = float(stats.beta.ppf(1 - alpha / 2, n_eff * pm + 1, n_eff * (1 - pm)))
            else:
                plo = phi = math.nan
        lo = math.nan if (math.isnan(plo) or plo < 0) else rule(x, w, plo)
        hi = math.nan if (math.isnan(phi) or phi > 1) else rule(x, w, phi)
        why = (
            f"(the share at or below it, {pm:.4g}, has the interval [{plo:.4g}, {phi:.4g}] on "
            "the probability scale)"
        )
        return lo, hi, {"share_below": pm, "share_below_std_error": se}, why

    #: Whether the design carries replicate weights (``interval="quantile"`` needs them).
    _has_replicates: bool = False

    def _score_quantile_interval(
        self,
        x: np.ndarray,
        w: np.ndarray,
        p: float,
        rule: Callable[[np.ndarray, np.ndarray, float], float],
        alpha: float,
        t_df: float,
    ) -> tuple[float, float]:
        """Francisco and Fuller's score interval, as R's ``ffullerCI``: the thresholds where
        the design-based z statistic of the share above them crosses the critical values
        (found by R's ``uniroot`` steps between min + IQR/100 and max - IQR/100, tolerance
        1/(100 sqrt(n))), each mapped to a quantile through the unweighted share of the rows
        at or below it."""
        crit = critical_value(1 - alpha, t_df)  # upper alpha/2 point
        # R's subset of a design keeps only the domain's rows: the search range, tolerance and
        # shares below the limits are the domain's
        rows = x if self._domain is None else x[self._domain]
        n_rows = rows.size
        above = "above the threshold"

        def score(theta: float, limit: float) -> float:
            u = (x > theta).astype(float) - (1 - p)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EstimationWarning)
                m = self.with_columns(**{above: u}).mean(above)
            with np.errstate(divide="ignore", invalid="ignore"):
                return float(np.float64(m.value) / np.float64(m.std_error) - limit)

        q25, q75 = np.percentile(rows, [25, 75])
        iqr = float(q75 - q25)
        lower, upper = float(rows.min()) + iqr / 100, float(rows.max()) - iqr / 100
        tol = 1 / (100 * math.sqrt(n_rows))
        limits = []
        for limit in (crit, -crit):
            root = zeroin(functools.partial(score, limit=limit), lower, upper, tol)
            share = float(np.mean(rows <= root))  # unweighted, as R
            limits.append(math.nan if math.isnan(root) else rule(x, w, share))
        return limits[0], limits[1]

    def _replicate_quantile_interval(
        self,
        x: np.ndarray,
        w: np.ndarray,
        p: float,
        rule: Callable[[np.ndarray, np.ndarray, float], float],
        qhat: float,
        crit: float,
    ) -> tuple[float, float]:
        """The quantile with each replicate's weights, their variance about the estimate,
        and a symmetric interval (R's ``interval.type="quantile"``); replicate designs
        implement it."""
        raise DataError("interval='quantile' needs replicate weights")

    def chisq(self, row: str, column: str, *, statistic: str = "F") -> TableTest:
        """Rao-Scott test of association of two columns (R's ``svychisq``).

        ``statistic="F"`` (R's default, the second-order correction) or ``"Chisq"`` (first
        order); see :mod:`prevalence.survey.chisq`.
        """
        return rao_scott(self, row, column, statistic)

    def proportion(
        self,
        column: Columns,
        value: Any = None,
        *,
        by: Columns | None = None,
        ci: str = "logit",
        level: float = 0.95,
        deff: bool | str = False,
        df: str | float | None = None,
        na_rm: bool = False,
        output: str = "frame",
        vcov: bool = False,
    ) -> DomainResult:
        """Estimated population proportion with a proper interval (R's ``svyciprop``).

        ``column`` holds 0/1 or booleans (or is a list of such columns), or give ``value``
        to estimate the share of rows equal to it. ``ci`` is one of ``logit`` (default),
        ``likelihood``, ``beta`` (Korn-Graubard), ``xlogit``, ``wilson``, ``wald``, ``asin``;
        intervals use the t distribution with the design degrees of freedom unless ``df``
        says otherwise. ``vcov=True`` returns a :class:`~prevalence.survey.table.DomainTable`.
        """
        y, ok, labels = indicator_columns(self.data, column, value, na_rm, self._domain)
        stat = RatioStatistic("proportion", y, np.ones_like(y), tuple(labels))
        return self._estimate(stat, ok, by, level, check_ci(ci), deff, df, output, vcov)

    def glm(
        self,
        formula: str,
        family: str = "gaussian",
        *,
        level: float = 0.95,
        na_action: str = "fail",
    ) -> SurveyGLMResults:
        """A generalised linear model with design-based standard errors (R's ``svyglm``).

        Parameters
        ----------
        formula : str
            Wilkinson formula, for example ``"hi00 ~ stype + meals"`` (formulaic syntax:
            categorical columns get treatment contrasts, ``C(x)`` makes a numeric column
            categorical).
        family : {"gaussian", "binomial", "poisson"}
            ``binomial`` is R's ``quasibinomial()`` (a 0/1 or proportion outcome; no
            dispersion enters the design-based variance), ``poisson`` R's
            ``quasipoisson()``.

        Returns
        -------
        SurveyGLMResults
            ``params``, ``bse``, ``vcov``, ``conf_int()``, ``summary()``. Point estimates are
            the weighted maximum (quasi-)likelihood fit (statsmodels ``GLM`` with the weights
            scaled to mean one, as ``svyglm``); standard errors are the sandwich linearised
            through the design (Taylor designs) or from refitting with each replicate weight
            (replicate designs). Intervals use t with the design degrees of freedom minus the
            number of coefficients plus one, as ``confint.svyglm``.

        na_action : {"fail", "omit"}
            Rows missing a value of a model column: ``"fail"`` (default) refuses them with a
            DataError naming the column and row; ``"omit"`` leaves them out as R's default
            ``na.action = na.omit`` does (the fit is that of the subset of complete rows, so
            their PSUs still count in the variance), and the result says how many
            (``n_omitted`` and its method text).

        Raises
        ------
        DataError
            A model column the data do not have, or (``na_action="fail"``) a missing value in
            a model column, named with its row.
        """
        if na_action not in NA_ACTIONS:
            raise ValueError(f"na_action must be one of {NA_ACTIONS}, got {na_action!r}")
        design: Design = self
        missing = model_missing_rows(self.data, formula, self._domain)
        if na_action == "omit" and missing.any():
            design = self.subset(~missing)
        return fit_survey_glm(
            design, formula, family, level, int(missing.sum()) if na_action == "omit" else 0
        )

    def predictive_margins(
        self,
        formula: str,
        by: str,
        family: str = "binomial",
        *,
        level: float = 0.95,
    ) -> DomainTable:
        """Predictive margins of ``by``, adjusted for the model's covariates (R's ``svypredmeans``).

        The model ``formula`` plus ``by`` is fitted with :meth:`glm`; for each level of ``by``
        everyone's outcome is predicted as if they were in that group, and the predictions
        are averaged over the design. The variance is, as in R, the design variance of that
        mean with the predictions held fixed plus the model part ``g' V(beta) g`` (the
        covariance between the two is not added, as ``svypredmeans`` does not add it).
        Returns a :class:`~prevalence.survey.table.DomainTable` named by the levels of ``by``
        in order of first appearance, so margins can be contrasted.
        """
        return predictive_margins(self, formula, by, family, level)

    # ------------------------------------------------------------------ calibration
    def poststratify(self, by: Columns, population: Any, partial: bool = False) -> Self:
        """Post-stratified copy: weights within each post-stratum scaled to its population count.

        ``population`` maps each level (or tuple of levels) to its count, or is a pandas
        Series indexed by the levels, or a DataFrame with the ``by`` columns and one count
        column (as R's ``postStratify``). Replicate designs have every replicate
        post-stratified too.
        """
        cols = [by] if isinstance(by, str) else list(by)
        data, w_all, _ = self._calibration_inputs()
        new_w, codes = poststratified_weights(data, w_all, cols, population, partial)
        record = None if new_w.ndim == 2 else PostStratification(codes, w_all.copy(), new_w)
        return self._calibrated(new_w, record)

    def rake(self, margins: Mapping[Any, Any], max_iter: int = 10, epsilon: float = 1.0) -> Self:
        """Raked copy (R's ``rake``; see :func:`prevalence.survey.calibration.rake`).

        On a subset, as every calibration, only the subset's rows are raked."""
        data, w_all, _ = self._calibration_inputs()
        new_w, record = raked_weights(data, w_all, margins, max_iter, epsilon)
        return self._calibrated(new_w, record)

    # ------------------------------------------------------------------ calibration of a subset
    def _calibration_inputs(
        self,
    ) -> tuple[pd.DataFrame, np.ndarray, Callable[[str], np.ndarray]]:
        """The data, the weights calibration adjusts and the numeric-column reader, of the
        subset's rows only when the design is a subset.

        R removes the rows outside a subset before it calibrates (``subset`` of an
        uncalibrated design drops them; they keep their place only in the stratum and PSU
        counts): the subset is calibrated to the totals given, and the rows the user excluded
        are never calibrated."""
        w_all = self._all_weights()
        if self._domain is None:
            return self.data, w_all, self.variable
        rows = np.flatnonzero(self._domain)
        data = self.data.iloc[rows].reset_index(drop=True)
        return data, w_all[rows], lambda column: self.variable(column)[rows]

    def _calibrated(self, new_w: np.ndarray, record: Residualizer | None) -> Self:
        """The design with calibrated weights (of the subset's rows when it is a subset: the
        rows outside keep their weights, and the record covers the subset's rows only)."""
        if self._domain is None:
            return self._reweighted(new_w, record)
        rows = np.flatnonzero(self._domain)
        full = self._all_weights()
        full[rows] = new_w
        inside = None if record is None else SubsetCalibration(record, rows)
        return self._reweighted(full, inside)

    def calibrate(
        self,
        totals: Mapping[Any, Any] | pd.DataFrame,
        population_size: float | Mapping[Any, float] | None = None,
        *,
        calfun: str = "linear",
        bounds: Bounds = (-math.inf, math.inf),
        trim: tuple[float, float] | None = None,
        maxit: int = 50,
        epsilon: float = 1e-7,
        variance: str | np.ndarray | None = None,
        stage: int = 0,
        aggregate: int | str | None = None,
    ) -> Self:
        """Calibrated copy (R's ``calibrate``; see :func:`prevalence.survey.calibration.calibrate`).

        On a subset (:meth:`subset`), only the subset's rows are calibrated, to the totals
        given, as R does (it drops the rows outside a subset before calibrating); the rows
        outside keep their weights and stay outside every estimate.

        ``variance``: a column (or per-row values) of variances of the calibration model
        (R's ``variance=``, heteroscedastic GREG); ``calibrate({"x": X}, variance="x")`` is the
        ratio estimator.

        ``calfun``: ``"linear"`` (GREG, the default), ``"raking"`` or ``"logit"``; ``bounds``
        on the g-weights (``(0.5, 2)``: no weight below half or above twice its design
        weight; logit needs them finite; each bound may also be one value per row, as R's
        ``bounds = list(lower=, upper=)``, given as a pair or as ``{"lower": ..., "upper":
        ...}``); ``trim`` clips the g-weights to a range after
        calibration and spreads what was cut over the others, as R's ``trim=``.

        ``stage``: 0 (the default) calibrates to population totals. ``stage=1`` calibrates
        within each sampled primary unit of a multistage design to that unit's own totals
        (R's ``stage=1``): ``totals`` then maps each unit's label (its value in the first
        clusters column) to its totals, and ``population_size`` each label to its size; linear
        calibration only, as in R. Standard errors remove the calibration from the
        within-unit variance only.

        ``aggregate``: a stage number (``1``: the primary units) or a column; the weights are
        calibrated with one g-weight per unit or group, from the averages of the calibration
        variables and weights within it (R's ``aggregate.stage`` and, for replicate designs,
        ``aggregate.index``).
        """
        values = self.variable(variance) if isinstance(variance, str) else variance
        if isinstance(stage, bool) or not isinstance(stage, int | np.integer) or stage < 0:
            raise DataError(f"stage must be 0 or a stage number (1, 2, ...), got {stage!r}")
        if stage > 0:
            linear = calfun == "linear" and not bounds_are_finite(bounds)
            if not linear or trim is not None or aggregate is not None:
                raise DataError(
                    "calibration within the units of a stage is linear, without bounds, trim or "
                    "aggregate (as in R)"
                )
            new_w, record = self._calibrate_within(int(stage), totals, population_size, values)
            return self._reweighted(new_w, record)
        if isinstance(population_size, Mapping):
            raise DataError(
                "population_size maps units to their sizes only with stage=1; to calibrate to "
                "population totals give one number"
            )
        groups = None if aggregate is None else self._aggregation_groups(aggregate)
        data, w_all, numeric = self._calibration_inputs()
        if self._domain is not None:  # the subset's rows only (see _calibration_inputs)
            rows = self._domain
            values = None if values is None else np.asarray(values, dtype=float)[rows]
            groups = None if groups is None else groups[rows]
            bounds = _rows_of_bounds(bounds, rows, self.n)
        new_w, record = linear_calibration_weights(
            data,
            numeric,
            w_all,
            totals,
            population_size,
            calfun=calfun,
            bounds=bounds,
            trim=trim,
            maxit=maxit,
            epsilon=epsilon,
            variance=values,
            groups=groups,
        )
        return self._calibrated(new_w, record)

    def declare_calibrated(self, columns: Columns = (), *, population_size: bool = True) -> Self:
        """The same weights, declared already calibrated (R's ``svydesign(calibrate.formula=)``).

        Public-use files often ship weights that were post-stratified, raked or calibrated to
        known totals. Declaring which totals keeps the weights unchanged (the totals are
        those the weights estimate) but removes the calibration from the standard errors, as
        R does: the estimated population size then has a standard error of zero, as it should.
        Only declare what was in fact done: for weights not calibrated on these totals the
        standard errors become wrong.

        Parameters
        ----------
        columns : str or sequence of str
            The columns the weights were calibrated on: numeric columns' totals, the level
            counts of categorical (non-numeric or ``category``) columns.
        population_size : bool
            Whether the weights also add up to the known population size (R's intercept).

        Examples
        --------
        >>> import pandas as pd
        >>> from prevalence.survey import SurveyDesign
        >>> df = pd.DataFrame({"psu": [1, 1, 2, 2, 3, 3], "w": [10.0] * 6,
        ...                    "one": [1.0] * 6, "y": [1.0, 2, 3, 5, 4, 6]})
        >>> d = SurveyDesign(df, weights="w", clusters="psu").declare_calibrated()
        >>> round(d.total("one").std_error, 9)
        0.0
        """
        names = [columns] if isinstance(columns, str) else list(columns)
        if not names and not population_size:
            raise DataError("declare_calibrated needs columns or population_size=True")
        if self._domain is not None:
            raise DataError(
                "declare the full design calibrated, then take the subset: the weights of a "
                "subset are not calibrated to the population's totals"
            )
        w = self.weights
        totals = observed_totals(self.data, names, w, self.variable)
        size = float(w.sum()) if population_size else None
        return self.calibrate(totals, size)

    def _aggregation_groups(self, aggregate: int | str) -> np.ndarray:
        """Per-row group codes for ``calibrate(aggregate=)``: a column's values here; a stage
        number in designs that have stages."""
        if not isinstance(aggregate, str):
            raise DataError(
                f"aggregate={aggregate!r}: this design has no stages; give a column whose values "
                "group the rows that share a g-weight"
            )
        if aggregate not in self.data.columns:
            raise DataError(
                f"unknown aggregate column {aggregate!r}; the data have columns {list(self.data.columns)}"
            )
        values = self.data[aggregate]
        if values.isna().any():
            pos = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise DataError(f"aggregate column {aggregate!r} has a missing value at row {pos}")
        return pd.factorize(values, sort=True)[0].astype(np.int64)

    def _calibrate_within(
        self,
        stage: int,
        totals: Any,
        population_size: Any,
        variance: np.ndarray | None,
    ) -> tuple[np.ndarray, Residualizer]:
        """Weights calibrated within the units of ``stage`` and the record (designs with
        stages implement it)."""
        raise DataError(
            f"calibration within the units of stage {stage} needs a multistage design "
            f"(SurveyDesign with clusters); {type(self).__name__} has none"
        )

    # ------------------------------------------------------------------ packaging
    def _estimate(
        self,
        stat: RatioStatistic,
        use: np.ndarray,
        by: Columns | None,
        level: float,
        ci: str | None,
        deff: bool | str,
        df: str | float | None,
        output: str,
        vcov: bool,
    ) -> DomainResult:
        """Compute ``stat`` for the sample or each domain and package the result."""
        level = check_level(level)
        output = check_output(output)
        df = check_df(df)
        deff = check_deff(deff)
        if self._domain is not None:
            use = use & self._domain
        use = use & (self.weights != 0)  # rows without weight are outside, as in R
        codes, labels = domain_codes(self.data, by)
        D = len(labels)
        per_row = None if self._row_counts is None else self._row_counts[use]
        counts = np.bincount(codes[use], weights=per_row, minlength=D).astype(np.int64)
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            raise DataError(f"domain {labels.iloc[int(empty[0])].to_dict()} has no usable rows")
        theta, cov, logit_vars = self._ratio_estimates(
            stat,
            codes,
            D,
            use,
            diagonal=not vcov,
            logit=stat.kind == "proportion" and (ci or "logit") == "logit",
        )
        names = domain_names(labels, stat.labels, by)
        if vcov:
            lab = (
                pd.concat([labels] * stat.n_variables, ignore_index=True) if by else pd.DataFrame()
            )
            lab = lab.assign(variable=[v for v in stat.labels for _ in range(D)])
            return DomainTable(
                pd.Series(theta, index=names),
                pd.DataFrame(cov, index=names, columns=names),
                stat.kind,
                lab,
                level,
                f"survey {stat.kind}s, {self._variance_label()}",
                float(self.degf()),
                {"n": {n: int(counts[j % D]) for j, n in enumerate(names)}},
            )
        several = stat.n_variables > 1
        degfs = self.domain_degf(codes, use, D)
        design_label = repr(self)
        label_records = labels.to_dict("records")
        rows: list[dict[str, Any]] = []
        estimates: dict[Any, Estimate] = {}
        for k in range(stat.n_variables):
            single = stat.column(k)
            for d in range(D):
                j = k * D + d
                est = self._one_estimate(
                    single,
                    codes,
                    use,
                    d,
                    float(theta[j]),
                    float(cov[j]),
                    int(counts[d]),
                    int(degfs[d]),
                    level,
                    ci,
                    deff,
                    df,
                    design_label,
                    label_records[d] if by is not None else None,
                    logit_var=None if logit_vars is None else float(logit_vars[j]),
                )
                if by is None and not several:
                    return est
                if several:
                    estimates[names[j]] = est
                else:
                    key = tuple(labels.iloc[d].tolist())
                    estimates[key[0] if len(key) == 1 else key] = est
                row = {**(label_records[d] if by is not None else {})}
                if several:
                    row["variable"] = stat.labels[k]
                row.update(
                    value=est.value,
                    std_error=est.std_error,
                    lower=est.lower,
                    upper=est.upper,
                    n=int(counts[d]),
                )
                if deff:
                    row["deff"] = est.details["deff"]
                rows.append(row)
        if output == "estimates":
            return estimates
        return pd.DataFrame(rows)

    @staticmethod
    def _interval_notes(
        stat: RatioStatistic,
        value: float,
        se: float,
        lo: float,
        hi: float,
        n_d: int,
        t_df: float | None,
        ci: str | None,
        domain: dict | None,
    ) -> tuple[str, ...]:
        """Why an interval is missing, has zero width or was made the rare-event way.

        Never a silent zero-width or NaN interval: each such case says what happened.
        """
        what = f"the {stat.kind} of {stat.labels[0]}" + (
            f" in domain {domain}" if domain is not None else ""
        )
        method = ci or "logit"
        extreme = stat.kind == "proportion" and value in (0.0, 1.0)
        if extreme and method == "beta" and hi > lo:
            return (
                f"{what} is {value:g} (all {n_d} respondents alike): the Korn-Graubard interval "
                f"uses the sample size {n_d} as the effective sample size (the design effect is "
                "undefined; R's svyciprop gives NaN here)",
            )
        if hi - lo > 1e-10 * max(abs(value), 1.0):  # wider than rounding error
            return ()
        if math.isnan(lo) or math.isnan(hi):
            if t_df is not None and t_df <= 0:
                reason = (
                    f"the design has {t_df:g} degrees of freedom (one PSU per stratum, or lonely "
                    "PSUs removed), so no t interval exists; pass df=None for a normal interval "
                    "if that is defensible"
                )
            else:
                reason = "its variance could not be estimated"
            return (f"no interval for {what} ({value:.6g}): {reason}",)
        if extreme:
            return (
                f"{what} is {value:g} (all {n_d} respondents alike): the {method} interval does "
                f"not exist at 0 or 1 and is shown as [{lo:g}, {hi:g}]; ci='beta' gives the "
                "Korn-Graubard interval, which does",
            )
        no_df = (
            f"; the design has {t_df:g} degrees of freedom"
            if t_df is not None and t_df <= 0
            else ""
        )
        return (
            f"{what} is {value:.6g} with no sampling variance: every one of its {n_d} "
            "respondents has the same value, the weights were calibrated to it, or the design "
            f"gives none (each stratum a single PSU taken with certainty, say){no_df}. The interval [{lo:.6g}, {hi:.6g}] has zero "
            "width and does not mean the value is known exactly",
        )

    def _undefined_ratio(
        self,
        stat: RatioStatistic,
        n_d: int,
        degf: int,
        level: float,
        design_label: str,
        domain: dict | None,
    ) -> Estimate:
        """A ratio whose denominator total is zero: undefined, said so, never infinite."""
        where = f" in domain {domain}" if domain is not None else ""
        denominator = stat.labels[0].split("/", 1)[-1]
        note = (
            f"the ratio {stat.labels[0]}{where} is undefined: the weighted total of its "
            f"denominator {denominator!r} is zero there"
        )
        warnings.warn(note, EstimationWarning, stacklevel=4)
        nan = math.nan
        details = _statistic_details(stat, nan, nan, n_d, degf, design_label, domain)
        return Estimate(
            nan,
            nan,
            nan,
            level,
            f"survey {stat.kind} of {stat.labels[0]} ({self._variance_label()})",
            None,
            details,
            (note,),
            scale=stat.kind,
        )

    def _one_estimate(
        self,
        stat: RatioStatistic,
        codes: np.ndarray,
        use: np.ndarray,
        d: int,
        value: float,
        var: float,
        n_d: int,
        degf: int,
        level: float,
        ci: str | None,
        deff: bool | str,
        df: str | float | None,
        design_label: str,
        domain: dict | None,
        logit_var: float | None = None,
    ) -> Estimate:
        if not math.isfinite(value):
            # only a ratio can get here (a mean's or proportion's denominator is the domain's
            # weight, and a domain without weight is refused): its denominator total is zero
            return self._undefined_ratio(stat, n_d, degf, level, design_label, domain)
        se = math.sqrt(var) if var >= 0 else math.nan
        if isinstance(df, int | float) and not isinstance(df, bool):
            t_df: float | None = float(df)
        elif df == "design" or (df is None and stat.kind == "proportion"):
            t_df = float(degf)  # svyciprop's default: t with the design degrees of freedom
        else:
            t_df = None
        mask = None
        if stat.kind == "proportion":
            method = ci or "logit"
            if method == "likelihood":
                mask = (codes == d) & use
                lo, hi = likelihood_interval(
                    self.weights, stat.a[:, 0], mask, value, var, level, t_df, self._row_counts
                )
            else:
                interval_se = se
                if logit_var is not None and method == "logit" and 0 < value < 1:
                    # the replicate variance of the logit itself, as R's svyciprop (a glm
                    # refitted per replicate), expressed on the proportion scale
                    interval_se = math.sqrt(logit_var) * value * (1 - value)
                lo, hi = proportion_interval(value, interval_se, level, method, df=t_df, n=n_d)
        else:
            q = critical_value(level, t_df)
            lo, hi = value - q * se, value + q * se
        details = _statistic_details(stat, se, var, n_d, degf, design_label, domain)
        if deff:
            mask = (codes == d) & use if mask is None else mask
            details["deff"] = design_effect(
                self.weights, stat, mask, value, var, replace=deff == "replace"
            )
        how = self._variance_label()
        if stat.kind == "proportion":
            how += f", {ci or 'logit'} interval"
        notes = self._interval_notes(stat, value, se, lo, hi, n_d, t_df, ci, domain)
        for note in notes:
            warnings.warn(note, EstimationWarning, stacklevel=4)
        return Estimate(
            value,
            lo,
            hi,
            level,
            f"survey {stat.kind} of {stat.labels[0]} ({how})",
            None,
            details,
            notes,
            scale=stat.kind,
            interval_method=(
                "proportion" if stat.kind == "proportion" else ("wald" if t_df is None else "t")
            ),
        )


def _rows_of_bounds(bounds: Bounds, rows: np.ndarray, n: int) -> tuple[Any, Any]:
    """``bounds`` for the rows ``rows`` (a mask) of a design of ``n`` rows: per-row bounds are
    cut to those rows, numbers kept (checked in full first, so errors name design rows)."""
    lower, upper = calibration_bounds(bounds, n)
    return tuple(b[rows] if isinstance(b, np.ndarray) else b for b in (lower, upper))  # type: ignore[return-value]


def _statistic_details(
    stat: RatioStatistic,
    se: float,
    var: float,
    n_d: int,
    degf: int,
    design_label: str,
    domain: dict | None,
) -> dict[str, Any]:
    """The details of one survey statistic's estimate (see ``survey/details.py``)."""
    details: dict[str, Any] = {
        "statistic": stat.kind,
        "variable": stat.labels[0],
        "std_error": se,
        "variance": var,
        "n_observed": n_d,
        "degf": degf,
        "design": design_label,
    }
    if domain is not None:
        details["domain"] = domain
    return details
