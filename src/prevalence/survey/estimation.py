"""Means, totals, ratios and proportions with design-based standard errors, by domain.

Every statistic here is a ratio of two weighted totals ``theta = sum w a / sum w b`` (a total
has ``b`` absent, a mean has ``b = 1``, a proportion is the mean of an indicator), computed
for the whole sample or for each domain. Domains are handled as R's ``svyby`` does: rows
outside the domain keep their place in the design with zero influence, so strata and PSUs
that have no domain members still count (the estimate is *not* computed on a subsetted
design). The same code serves Taylor-linearisation designs (:class:`SurveyDesign`) and
replicate-weight designs (:class:`ReplicateDesign`): only the variance step differs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from ..core.errors import DataError
from ..core.intervals import check_level
from ..core.results import Estimate
from .intervals import PROPORTION_METHODS, critical_value, proportion_interval
from .linearization import deepest_stage, taylor_variance, variance_from_unit_totals

__all__ = ["EstimationMixin", "Stat", "estimate", "domain_codes"]


def domain_codes(
    data: pd.DataFrame, by: str | Sequence[str] | None
) -> tuple[np.ndarray, pd.DataFrame]:
    """Dense domain codes for the rows and a frame of the domain labels (sorted)."""
    if by is None:
        return np.zeros(len(data), dtype=np.int64), pd.DataFrame(index=[0])
    cols = [by] if isinstance(by, str) else list(by)
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DataError(
            f"unknown domain column(s) {missing}; the data have columns {list(data.columns)}"
        )
    for c in cols:
        if data[c].isna().any():
            pos = int(np.flatnonzero(data[c].isna().to_numpy())[0])
            raise DataError(f"domain column {c!r} has a missing value at row {pos}")
    grouped = data.groupby(cols, sort=True, observed=True)
    codes = grouped.ngroup().to_numpy(np.int64)
    labels = grouped.size().reset_index()[cols]
    return codes, labels


class Stat:
    """Specification of a ratio-of-totals statistic."""

    def __init__(self, kind: str, a: np.ndarray, b: np.ndarray | None, label: str) -> None:
        self.kind = kind  # "total", "mean", "ratio", "proportion"
        self.a = a
        self.b = b
        self.label = label


def _values(design: Any, column: str, na_rm: bool) -> tuple[np.ndarray, np.ndarray]:
    """A numeric column and the mask of usable rows (DataError on missing values unless na_rm)."""
    v = design.variable(column)
    ok = ~np.isnan(v)
    if not ok.all() and not na_rm:
        pos = int(np.flatnonzero(~ok)[0])
        raise DataError(
            f"column {column!r} has a missing value at row {pos}; pass na_rm=True to drop such rows"
        )
    return np.where(ok, v, 0.0), ok


def _interval(value: float, se: float, level: float, df: float | None) -> tuple[float, float]:
    q = critical_value(level, df)
    return (value - q * se, value + q * se)


def _deff(design: Any, stat: Stat, mask: np.ndarray, theta: float, var: float) -> float:
    """Design effect as R's ``deff=TRUE`` (without-replacement SRS of the same size)."""
    w = design.weights * mask
    nobs = int(np.count_nonzero(w))
    psum = float(w.sum())
    if nobs < 2:
        return math.nan
    if stat.kind in ("mean", "proportion"):
        x = stat.a
        mu = float(np.sum(w * x) / psum)
        s2 = float(np.sum(w * (x - mu) ** 2) / psum) * nobs / (nobs - 1)
        vsrs = s2 * (psum - nobs) / (psum * nobs) if psum >= nobs else math.nan
    elif stat.kind == "total":
        x = stat.a
        mu = float(np.sum(w * x) / psum)
        s2 = float(np.sum(w * (x - mu) ** 2) / psum) * nobs / (nobs - 1)
        vsrs = s2 * psum**2 * (psum - nobs) / (psum * nobs)
    else:  # ratio: deff of the total of the linearised residual
        B = float(np.sum(w * stat.b))
        r = (stat.a - theta * stat.b) / B
        mu = float(np.sum(w * r) / psum)
        s2 = float(np.sum(w * (r - mu) ** 2) / psum) * nobs / (nobs - 1)
        vsrs = s2 * psum**2 * (psum - nobs) / (psum * nobs)
    return var / vsrs if vsrs and math.isfinite(vsrs) and vsrs > 0 else math.nan


def _taylor(design: Any, stat: Stat, codes: np.ndarray, D: int, use: np.ndarray):
    """Estimates and variances per domain for a Taylor-linearisation design."""
    w = design.weights * use
    a = stat.a
    A = np.bincount(codes, weights=w * a, minlength=D)
    if stat.b is None:
        B = np.ones(D)
        theta = A
    else:
        B = np.bincount(codes, weights=w * stat.b, minlength=D)
        with np.errstate(divide="ignore", invalid="ignore"):
            theta = A / B
    if design.calibrations:
        var = np.empty(D)
        for d in range(D):
            m = (codes == d) & use
            if stat.b is None:
                x = np.where(m, design.weights * a, 0.0)
            else:
                x = np.where(m, design.weights * (a - theta[d] * stat.b) / B[d], 0.0)
            var[d] = float(taylor_variance(design, x, diagonal=True)[0])
        return theta, var, A, B
    # fast path: unit totals of (w a) and (w b) per domain, one aggregation for all domains
    units = design.stages[deepest_stage(design)].units
    n_units = int(units.max()) + 1
    key = units * D + codes
    Ua = np.bincount(key, weights=w * a, minlength=n_units * D).reshape(n_units, D)
    if stat.b is None:
        T = Ua
    else:
        Ub = np.bincount(key, weights=w * stat.b, minlength=n_units * D).reshape(n_units, D)
        with np.errstate(divide="ignore", invalid="ignore"):
            T = (Ua - theta[None, :] * Ub) / B[None, :]
        T = np.nan_to_num(T)
    var = variance_from_unit_totals(design, T, diagonal=True)
    return theta, var, A, B


def _likelihood_interval(
    design: Any, stat: Stat, mask: np.ndarray, p: float, var: float, level: float, df: float | None
) -> tuple[float, float]:
    """Rao-Scott scaled likelihood interval for a proportion (R's ``svyciprop(method="likelihood")``).

    As ``svyglm`` does, an intercept-only logistic model is fitted with the weights scaled to
    mean one; its deviance, divided by the dispersion (the design-weighted variance of the
    Pearson residuals), is profiled over the logit, and the interval holds the logits where
    it stays below ``t**2 * lambda``, ``lambda`` being the design variance of the logit over
    its naive model-based variance. R interpolates a 10-point profile with a spline; this
    solves for the limits exactly, so the two agree to about 1e-3 relative.
    """
    w_all = design.weights[mask]
    y = stat.a[mask]
    if p <= 0 or p >= 1:
        return (p, p)
    w = w_all / w_all.mean()
    sw, swy = float(w.sum()), float(np.sum(w * y))
    n = y.size
    r = (y - p) / math.sqrt(p * (1 - p))  # Pearson residuals, as svyglm's resid(type='pearson')
    rbar = float(np.sum(w_all * r) / w_all.sum())
    phi = float(np.sum(w_all * (r - rbar) ** 2) / w_all.sum()) * n / (n - 1)
    naive_var_logit = 1.0 / (sw * p * (1 - p))
    design_var_logit = var / (p * (1 - p)) ** 2
    lam = design_var_logit / naive_var_logit
    q = critical_value(level, df)
    cut = q * q * lam * phi

    def dev(beta: float) -> float:
        pr = 1.0 / (1.0 + math.exp(-beta))
        ll = swy * math.log(pr) + (sw - swy) * math.log(1 - pr)
        ll0 = swy * math.log(p) + (sw - swy) * math.log(1 - p)
        return 2.0 * (ll0 - ll) - cut

    b0 = math.log(p / (1 - p))
    step = max(4.0 * math.sqrt(design_var_logit), 1e-6)
    lo_b, hi_b = b0 - step, b0 + step
    while dev(lo_b) < 0:
        lo_b -= step
    while dev(hi_b) < 0:
        hi_b += step
    lo = optimize.brentq(dev, lo_b, b0, xtol=1e-12)
    hi = optimize.brentq(dev, b0, hi_b, xtol=1e-12)
    return (1.0 / (1.0 + math.exp(-lo)), 1.0 / (1.0 + math.exp(-hi)))


def estimate(
    design: Any,
    stat: Stat,
    use: np.ndarray,
    *,
    by: str | Sequence[str] | None,
    level: float,
    ci: str | None,
    deff: bool,
    df: str | float | None,
    output: str,
) -> Estimate | pd.DataFrame | dict:
    """Compute ``stat`` for the sample or each domain and package the result."""
    level = check_level(level)
    codes, labels = domain_codes(design.data, by)
    D = len(labels)
    theta, var, A, B = design._domain_variances(stat, codes, D, use)
    counts = np.bincount(codes[use], minlength=D)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        raise DataError(f"domain {labels.iloc[int(empty[0])].to_dict()} has no usable rows")
    degfs = design.domain_degf(codes, use, D)
    design_label = repr(design)
    label_records = labels.to_dict("records")
    rows = []
    estimates = {}
    for d in range(D):
        m = None
        n_d = int(counts[d])
        se = math.sqrt(var[d]) if var[d] >= 0 else math.nan
        degf = int(degfs[d])
        if isinstance(df, int | float) and not isinstance(df, bool):
            t_df = float(df)
        elif df == "design" or (df is None and stat.kind == "proportion"):
            t_df = float(degf)  # svyciprop's default: t with the design degrees of freedom
        else:
            t_df = None
        value = float(theta[d])
        if stat.kind == "proportion":
            method = ci or "logit"
            if method == "likelihood":
                m = (codes == d) & use
                lo, hi = _likelihood_interval(design, stat, m, value, var[d], level, t_df)
            else:
                lo, hi = proportion_interval(value, se, level, method, df=t_df, n=n_d)
        else:
            lo, hi = _interval(value, se, level, t_df)
        details: dict[str, Any] = {
            "statistic": stat.kind,
            "variable": stat.label,
            "std_error": se,
            "variance": float(var[d]),
            "n": n_d,
            "degf": degf,
            "design": design_label,
        }
        if deff:
            m = (codes == d) & use if m is None else m
            details["deff"] = design._deff(stat, m, value, float(var[d]))
        if by is not None:
            details["domain"] = label_records[d]
        what = f"survey {stat.kind} of {stat.label}"
        how = design._variance_label()
        if stat.kind == "proportion":
            how += f", {ci or 'logit'} interval"
        est = Estimate(value, lo, hi, level, f"{what} ({how})", None, details, ())
        if by is None:
            return est
        key = tuple(labels.iloc[d].tolist())
        estimates[key[0] if len(key) == 1 else key] = est
        row = {
            **labels.iloc[d].to_dict(),
            "value": value,
            "std_error": se,
            "lower": lo,
            "upper": hi,
            "n": n_d,
        }
        if deff:
            row["deff"] = details["deff"]
        rows.append(row)
    if output == "estimates":
        return estimates
    return pd.DataFrame(rows)


def check_output(output: str) -> str:
    if output not in ("frame", "estimates"):
        raise ValueError(f"output must be 'frame' or 'estimates', got {output!r}")
    return output


def indicator(
    design: Any, column: str, value: Any, na_rm: bool
) -> tuple[np.ndarray, np.ndarray, str]:
    """0/1 indicator of a column (its own 0/1/bool values, or equality with ``value``)."""
    if column not in design.data.columns:
        raise DataError(
            f"unknown column {column!r}; the data have columns {list(design.data.columns)}"
        )
    s = design.data[column]
    ok = s.notna().to_numpy()
    if not ok.all() and not na_rm:
        pos = int(np.flatnonzero(~ok)[0])
        raise DataError(
            f"column {column!r} has a missing value at row {pos}; pass na_rm=True to drop such rows"
        )
    if value is not None:
        y = (s == value).to_numpy(dtype=float)
        label = f"{column} == {value!r}"
    else:
        v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
        bad = ok & ~np.isin(v, (0.0, 1.0))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"column {column!r} must hold 0/1 (or booleans) for a proportion, found {s.iloc[pos]!r} at "
                f"row {pos}; pass value=... to estimate the share equal to a value"
            )
        y = np.where(ok, v, 0.0)
        label = column
    return np.where(ok, y, 0.0), ok, label


def check_ci(ci: str) -> str:
    if ci not in PROPORTION_METHODS:
        raise ValueError(f"ci must be one of {PROPORTION_METHODS}, got {ci!r}")
    return ci


class EstimationMixin:
    """Estimation methods shared by :class:`SurveyDesign` and :class:`ReplicateDesign`."""

    def total(
        self,
        column: str,
        *,
        by: str | Sequence[str] | None = None,
        level: float = 0.95,
        deff: bool = False,
        df: str | float | None = None,
        na_rm: bool = False,
        output: str = "frame",
    ) -> Estimate | pd.DataFrame | dict:
        """Estimated population total of ``column`` (overall, or by domain with ``by``).

        Intervals are normal (``df=None``, as R's ``confint``) or Student t with the design
        degrees of freedom (``df="design"``) or a given number. With ``by``, returns a
        DataFrame (``output="frame"``) or a dict of :class:`~prevalence.Estimate`
        (``output="estimates"``).
        """
        a, ok = _values(self, column, na_rm)
        return self._run(Stat("total", a, None, column), ok, by, level, None, deff, df, output)

    def mean(
        self,
        column: str,
        *,
        by: str | Sequence[str] | None = None,
        level: float = 0.95,
        deff: bool = False,
        df: str | float | None = None,
        na_rm: bool = False,
        output: str = "frame",
    ) -> Estimate | pd.DataFrame | dict:
        """Estimated population mean of ``column``; see :meth:`total` for the options.

        Examples
        --------
        >>> import pandas as pd
        >>> from prevalence.survey import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 2, 2], "psu": [1, 2, 3, 4]})
        >>> round(SurveyDesign(df, weights="w", clusters="psu").mean("y").value, 4)
        2.8333
        """
        a, ok = _values(self, column, na_rm)
        return self._run(
            Stat("mean", a, np.ones_like(a), column), ok, by, level, None, deff, df, output
        )

    def ratio(
        self,
        numerator: str,
        denominator: str,
        *,
        by: str | Sequence[str] | None = None,
        level: float = 0.95,
        deff: bool = False,
        df: str | float | None = None,
        na_rm: bool = False,
        output: str = "frame",
    ) -> Estimate | pd.DataFrame | dict:
        """Ratio of two population totals, ``sum w y / sum w x`` (R's ``svyratio``)."""
        a, ok_a = _values(self, numerator, na_rm)
        b, ok_b = _values(self, denominator, na_rm)
        ok = ok_a & ok_b
        return self._run(
            Stat("ratio", a, b, f"{numerator}/{denominator}"), ok, by, level, None, deff, df, output
        )

    def proportion(
        self,
        column: str,
        value: Any = None,
        *,
        by: str | Sequence[str] | None = None,
        ci: str = "logit",
        level: float = 0.95,
        deff: bool = False,
        df: str | float | None = None,
        na_rm: bool = False,
        output: str = "frame",
    ) -> Estimate | pd.DataFrame | dict:
        """Estimated population proportion with a proper interval (R's ``svyciprop``).

        ``column`` holds 0/1 or booleans, or give ``value`` to estimate the share of rows
        equal to it. ``ci`` is one of ``logit`` (default), ``likelihood``, ``beta``
        (Korn-Graubard), ``xlogit``, ``wilson``, ``wald``, ``asin``; intervals use the t
        distribution with the design degrees of freedom unless ``df`` says otherwise.
        """
        y, ok, label = indicator(self, column, value, na_rm)
        return self._run(
            Stat("proportion", y, np.ones_like(y), label),
            ok,
            by,
            level,
            check_ci(ci),
            deff,
            df,
            output,
        )

    def variable(self, column: str) -> np.ndarray:
        """A numeric column as float (DataError naming the column and row when it is not numeric)."""
        if column not in self.data.columns:
            raise DataError(
                f"unknown column {column!r}; the data have columns {list(self.data.columns)}"
            )
        s = self.data[column]
        if s.dtype == bool:
            return s.to_numpy(dtype=float)
        v = pd.to_numeric(s, errors="coerce")
        bad = v.isna() & s.notna()
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"column {column!r} must be numeric, found {s.iloc[pos]!r} at row {pos}"
            )
        return v.to_numpy(dtype=float)

    def _run(
        self,
        stat: Stat,
        ok: np.ndarray,
        by: Any,
        level: float,
        ci: str | None,
        deff: bool,
        df: str | float | None,
        output: str,
    ) -> Estimate | pd.DataFrame | dict:
        return estimate(
            self, stat, ok, by=by, level=level, ci=ci, deff=deff, df=df, output=check_output(output)
        )

    # ------------------------------------------------------------------ calibration
    def poststratify(self, by: str | Sequence[str], population: Any, partial: bool = False) -> Any:
        """Post-stratified copy (see :func:`prevalence.survey.calibration.poststratify`).

        Replicate designs have every replicate weight post-stratified too.
        """
        from .calibration import poststratify

        return poststratify(self, by, population, partial)

    def rake(self, margins: dict, max_iter: int = 10, epsilon: float = 1.0) -> Any:
        """Raked copy (see :func:`prevalence.survey.calibration.rake`)."""
        from .calibration import rake

        return rake(self, margins, max_iter, epsilon)

    def calibrate(self, totals: dict, population_size: float | None = None) -> Any:
        """Linearly calibrated (GREG) copy (see :func:`prevalence.survey.calibration.calibrate`)."""
        from .calibration import calibrate

        return calibrate(self, totals, population_size)

    # hooks implemented by the design classes
    def _domain_variances(self, stat: Stat, codes: np.ndarray, D: int, use: np.ndarray):
        raise NotImplementedError

    def _deff(self, stat: Stat, mask: np.ndarray, theta: float, var: float) -> float:
        return _deff(self, stat, mask, theta, var)

    def _variance_label(self) -> str:
        return "Taylor linearisation"


def taylor_domain_variances(design: Any, stat: Stat, codes: np.ndarray, D: int, use: np.ndarray):
    return _taylor(design, stat, codes, D, use)
