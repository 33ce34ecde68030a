"""Means, totals, ratios and proportions by domain: the statistics layer of :mod:`prevalence.survey`.

Every statistic here is a ratio of two weighted totals ``theta = sum w a / sum w b`` (a total
has ``b`` absent, a mean has ``b = 1``, a proportion is the mean of an indicator), computed
for one or several variables, for the whole sample or for each domain. Domains are handled as
R's ``svyby`` does: rows outside the domain keep their place in the design with zero
influence, so strata and PSUs that have no domain members still count (the estimate is *not*
computed on a subsetted design). Estimates are ordered variable-major, domain-minor, as
``svyby``'s ``"E:hi99", "H:hi99", ..., "E:hi00"``.

This module knows no design class: the variance of the estimates comes from the design's own
method (Taylor linearisation or replicate weights), and the functions here only prepare the
inputs and package what comes back. The design base class
(:class:`prevalence.survey.base.Design`) wires the two together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from ..core.checks import plain
from ..core.errors import DataError
from .intervals import PROPORTION_METHODS, critical_value

__all__ = [
    "RatioStatistic",
    "domain_codes",
    "domain_names",
    "numeric_column",
    "numeric_columns",
    "indicator_columns",
    "design_effect",
    "likelihood_interval",
    "check_output",
    "check_ci",
]


@dataclass(frozen=True)
class RatioStatistic:
    """Ratios of weighted totals ``sum w a_k / sum w b_k`` for the variables ``k``.

    ``a`` is a (rows x variables) matrix; ``b`` the same shape, or ``None`` for totals.
    ``kind`` is ``"total"``, ``"mean"``, ``"ratio"`` or ``"proportion"``.
    """

    kind: str
    a: np.ndarray
    b: np.ndarray | None
    labels: tuple[str, ...]

    @property
    def n_variables(self) -> int:
        return self.a.shape[1]

    def column(self, k: int) -> RatioStatistic:
        """The statistic of variable ``k`` alone."""
        return RatioStatistic(
            self.kind,
            self.a[:, k : k + 1],
            None if self.b is None else self.b[:, k : k + 1],
            (self.labels[k],),
        )


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


def domain_names(labels: pd.DataFrame, variables: Sequence[str], by: Any) -> list[str]:
    """Names of the estimates as R's ``svyby``: ``"level:variable"`` (levels joined by ``.``).

    As in R, one variable by domain is named by the levels alone, and estimates without
    domains by the variables.
    """
    if by is None:
        return list(variables)
    levels = [".".join(str(v) for v in row) for row in labels.itertuples(index=False)]
    if len(variables) == 1:
        return levels
    return [f"{lev}:{var}" for var in variables for lev in levels]


def numeric_column(data: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as float (DataError naming the column and row when it is not numeric)."""
    if column not in data.columns:
        raise DataError(f"unknown column {column!r}; the data have columns {list(data.columns)}")
    s = data[column]
    if s.dtype == bool:
        return s.to_numpy(dtype=float)
    v = pd.to_numeric(s, errors="coerce")
    bad = v.isna() & s.notna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"column {column!r} must be numeric, found {plain(s.iloc[pos])!r} at row {pos}"
        )
    return v.to_numpy(dtype=float)


def _columns(columns: str | Sequence[str]) -> list[str]:
    cols = [columns] if isinstance(columns, str) else list(columns)
    if not cols:
        raise DataError("no variable given: name at least one column")
    if len(set(cols)) != len(cols):
        raise DataError(f"a variable is named twice in {cols}")
    return cols


def _missing_rows(ok: np.ndarray, column: str, na_rm: bool, within: np.ndarray | None) -> None:
    missing = ~ok if within is None else ~ok & within
    if missing.any() and not na_rm:
        pos = int(np.flatnonzero(missing)[0])
        raise DataError(
            f"column {column!r} has a missing value at row {pos}; pass na_rm=True to drop such rows"
        )


def numeric_columns(
    data: pd.DataFrame,
    columns: str | Sequence[str],
    na_rm: bool,
    within: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Numeric columns as a (rows x variables) matrix and the mask of rows usable for all of them.

    Missing values raise a DataError naming the column and row unless ``na_rm``; with
    ``na_rm`` a row missing any of the variables is left out of all of them, as R does.
    ``within``: the rows of a subset; a value missing outside it is not an error (R drops
    those rows before it estimates), and those rows are left out.
    """
    cols = _columns(columns)
    out = np.empty((len(data), len(cols)))
    ok = np.ones(len(data), dtype=bool)
    for k, c in enumerate(cols):
        v = numeric_column(data, c)
        okc = ~np.isnan(v)
        _missing_rows(okc, c, na_rm, within)
        ok &= okc
        out[:, k] = v
    return np.where(ok[:, None], out, 0.0), ok, cols


def indicator_columns(
    data: pd.DataFrame,
    columns: str | Sequence[str],
    value: Any,
    na_rm: bool,
    within: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """0/1 indicators of columns (their own 0/1/bool values, or equality with ``value``);
    ``within`` as :func:`numeric_columns`."""
    cols = _columns(columns)
    out = np.empty((len(data), len(cols)))
    ok = np.ones(len(data), dtype=bool)
    labels = []
    for k, column in enumerate(cols):
        if column not in data.columns:
            raise DataError(
                f"unknown column {column!r}; the data have columns {list(data.columns)}"
            )
        s = data[column]
        okc = s.notna().to_numpy()
        _missing_rows(okc, column, na_rm, within)
        if value is not None:
            y = (s == value).to_numpy(dtype=float)
            labels.append(f"{column} == {value!r}")
        else:
            v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            bad = okc & ~np.isin(v, (0.0, 1.0))
            if within is not None:
                bad &= within
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                raise DataError(
                    f"column {column!r} must hold 0/1 (or booleans) for a proportion, found "
                    f"{plain(s.iloc[pos])!r} at row {pos}; pass value=... to estimate the share equal to a value"
                )
            y = np.where(okc, v, 0.0)
            labels.append(column)
        ok &= okc
        out[:, k] = y
    return np.where(ok[:, None], out, 0.0), ok, labels


def design_effect(
    weights: np.ndarray,
    stat: RatioStatistic,
    mask: np.ndarray,
    theta: float,
    var: float,
    replace: bool = False,
) -> float:
    """Design effect of one variable's estimate, as R's ``deff=TRUE`` (against simple random
    sampling without replacement) or ``deff="replace"`` (with replacement: no finite
    population factor)."""
    w = weights * mask
    nobs = int(np.count_nonzero(w))
    psum = float(w.sum())
    if nobs < 2:
        return math.nan
    a = stat.a[:, 0]
    if stat.kind in ("mean", "proportion"):
        mu = float(np.sum(w * a) / psum)
        s2 = float(np.sum(w * (a - mu) ** 2) / psum) * nobs / (nobs - 1)
        if replace:
            vsrs = s2 / nobs
        else:
            vsrs = s2 * (psum - nobs) / (psum * nobs) if psum >= nobs else math.nan
    else:  # total: of a; ratio: of the linearised residual
        if stat.kind == "ratio" and stat.b is not None:
            b = stat.b[:, 0]
            x = (a - theta * b) / float(np.sum(w * b))
        else:
            x = a
        mu = float(np.sum(w * x) / psum)
        s2 = float(np.sum(w * (x - mu) ** 2) / psum) * nobs / (nobs - 1)
        vsrs = s2 * psum**2 / nobs if replace else s2 * psum**2 * (psum - nobs) / (psum * nobs)
    return var / vsrs if vsrs and math.isfinite(vsrs) and vsrs > 0 else math.nan


def likelihood_interval(
    weights: np.ndarray,
    y: np.ndarray,
    mask: np.ndarray,
    p: float,
    var: float,
    level: float,
    df: float | None,
    rows: np.ndarray | None = None,
) -> tuple[float, float]:
    """Rao-Scott scaled likelihood interval for a proportion (R's ``svyciprop(method="likelihood")``).

    As ``svyglm`` does, an intercept-only logistic model is fitted with the weights scaled to
    mean one; its deviance, divided by the dispersion (the design-weighted variance of the
    Pearson residuals), is profiled over the logit, and the interval holds the logits where
    it stays below ``t**2 * lambda``, ``lambda`` being the design variance of the logit over
    its naive model-based variance. R interpolates a 10-point profile with a spline; this
    solves for the limits exactly, so the two agree to about 1e-3 relative.

    ``rows``: how many rows each element of ``y`` stands for when ``weights`` and ``y`` are
    cell sums (weights) and weighted cell shares (``y``) rather than rows; every quantity
    here is then the same as on the rows, because a 0/1 indicator equals its square.
    """
    w_all = weights[mask]
    y = y[mask]
    n = int(y.size if rows is None else rows[mask].sum())
    if p <= 0 or p >= 1 or not (math.isfinite(var) and var > 0) or n < 2:
        return (p, p)  # no variance to scale by: the caller says so in the estimate's warnings
    total_weight = float(w_all.sum())
    sw = float(n)  # the weights scaled to mean one over the rows, as svyglm's
    swy = float(np.sum(w_all * y)) * n / total_weight
    # Pearson residuals r = (y - p) / sqrt(p (1 - p)), as svyglm's resid(type='pearson'), and
    # their weighted variance from the sums of w y and w y^2 = w y (y is 0/1 on every row)
    share = float(np.sum(w_all * y)) / total_weight
    scale = p * (1 - p)
    rbar = (share - p) / math.sqrt(scale)
    mean_r2 = (share * (1 - 2 * p) + p * p) / scale
    phi = (mean_r2 - rbar * rbar) * n / (n - 1)
    naive_var_logit = 1.0 / (sw * p * (1 - p))
    design_var_logit = var / (p * (1 - p)) ** 2
    lam = design_var_logit / naive_var_logit
    q = critical_value(level, df)
    cut = q * q * lam * phi
    if not (math.isfinite(cut) and cut > 0):  # no degrees of freedom, or no dispersion
        return (math.nan, math.nan)

    def dev(beta: float) -> float:
        # log(expit(beta)) and log(1 - expit(beta)) without overflow or log(0)
        soft = math.log1p(math.exp(-abs(beta)))
        log_p = -soft - max(-beta, 0.0)
        log_q = -soft - max(beta, 0.0)
        ll = swy * log_p + (sw - swy) * log_q
        ll0 = swy * math.log(p) + (sw - swy) * math.log(1 - p)
        return 2.0 * (ll0 - ll) - cut

    b0 = math.log(p / (1 - p))
    step = max(4.0 * math.sqrt(design_var_logit), 1e-6)
    lo_b, hi_b = b0 - step, b0 + step
    for _ in range(200):
        if dev(lo_b) >= 0:
            break
        lo_b -= step
    for _ in range(200):
        if dev(hi_b) >= 0:
            break
        hi_b += step
    if dev(lo_b) < 0 or dev(hi_b) < 0:  # pragma: no cover - the deviance grows without bound
        return (math.nan, math.nan)
    lo = optimize.brentq(dev, lo_b, b0, xtol=1e-12)
    hi = optimize.brentq(dev, b0, hi_b, xtol=1e-12)
    return (1.0 / (1.0 + math.exp(-lo)), 1.0 / (1.0 + math.exp(-hi)))


def check_output(output: str) -> str:
    if output not in ("frame", "estimates"):
        raise ValueError(f"output must be 'frame' or 'estimates', got {output!r}")
    return output


def check_deff(deff: object) -> bool | str:
    """``deff``: False, True (against SRS without replacement) or ``"replace"`` (with)."""
    if deff is True or deff is False or deff == "replace":
        return deff
    raise ValueError(f"deff must be True, False or 'replace', got {deff!r}")


def check_df(df: object) -> str | float | None:
    """``df`` for an interval: None (normal, or svyciprop's design df for proportions),
    ``"design"`` (the design's degrees of freedom) or a number > 0 (``inf``: normal).

    Examples
    --------
    >>> check_df("design"), check_df(12)
    ('design', 12.0)
    """
    if df is None or df == "design":
        return df
    if isinstance(df, bool) or not isinstance(df, int | float | np.integer | np.floating):
        raise ValueError(f"df must be None, 'design' or a number > 0, got {df!r}")
    if not float(df) > 0:  # NaN included
        raise ValueError(f"df must be a number > 0 (degrees of freedom), got {df!r}")
    return float(df)


def check_ci(ci: str) -> str:
    if ci not in PROPORTION_METHODS:
        raise ValueError(f"ci must be one of {PROPORTION_METHODS}, got {ci!r}")
    return ci
