"""Calibration of survey weights to known population figures.

* :func:`poststratify`: weights within each post-stratum scaled to its population count;
* :func:`rake`: iterative proportional fitting to several margins (R's ``rake``: at most 10
  passes, stopping when no cell of the joint weighted table moves by 1 or more);
* :func:`calibrate`: linear (GREG) calibration to population totals of numeric variables and
  of the levels of categorical ones.

This module computes calibrated weights and the records that remove the calibration model
from the linearised variables before the variance is computed, exactly as R's ``svyrecvar``
does, so standard errors are those R reports for calibrated designs. It knows no design
class: a design's ``poststratify``/``rake``/``calibrate`` methods (in
:mod:`prevalence.survey.base`) pass it their weights, a matrix of the full-sample weight and
every replicate weight side by side for replicate designs, and build the new design from
what comes back. The module-level :func:`poststratify`, :func:`rake` and :func:`calibrate`
call those methods.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, Self

import numpy as np
import pandas as pd

from ..core.checks import plain
from ..core.errors import DataError, EstimationWarning

__all__ = [
    "PostStratification",
    "Raking",
    "LinearCalibration",
    "ClusterCalibration",
    "SubsetCalibration",
    "poststratified_weights",
    "raked_weights",
    "linear_calibration_weights",
    "cluster_calibration_weights",
    "observed_totals",
    "group_sums",
    "calibration_bounds",
    "bounds_are_finite",
    "poststratify",
    "rake",
    "calibrate",
]


def group_sums(codes: np.ndarray, X: np.ndarray, G: int) -> np.ndarray:
    """The columns of ``X`` summed within each of ``G`` groups (rows: dense ``codes``)."""
    out = np.empty((G, X.shape[1]))
    for j in range(X.shape[1]):
        out[:, j] = np.bincount(codes, weights=X[:, j], minlength=G)
    return out


@dataclass(frozen=True)
class PostStratification:
    codes: np.ndarray
    old_weights: np.ndarray
    new_weights: np.ndarray
    stage: int = 0  # calibration to population figures: removed before every stage's variance

    def residualize(self, X: np.ndarray) -> np.ndarray:
        psw = self.new_weights.copy()
        zero = (psw == 0) & (self.old_weights == 0)
        psw[zero] = 1.0
        G = int(self.codes.max()) + 1
        num = group_sums(self.codes, X * (self.old_weights / psw)[:, None], G)
        den = np.bincount(self.codes, weights=self.old_weights, minlength=G)
        means = num / den[:, None]
        return X - means[self.codes] * psw[:, None]


@dataclass(frozen=True)
class Raking:
    margins: tuple[tuple[np.ndarray, np.ndarray], ...]  # (codes, weights after that margin)
    stage: int = 0

    def residualize(self, X: np.ndarray) -> np.ndarray:
        for _ in range(10):
            for codes, psw in self.margins:
                G = int(codes.max()) + 1
                count = np.bincount(codes, minlength=G).astype(float)
                means = group_sums(codes, X / psw[:, None], G) / count[:, None]
                X = X - psw[:, None] * means[codes]
        return X


@dataclass(frozen=True)
class LinearCalibration:
    Z: np.ndarray  # model matrix times sqrt(old weights)
    w: np.ndarray  # g * sqrt(old weights)
    stage: int = 0

    def residualize(self, X: np.ndarray) -> np.ndarray:
        Y = X / self.w[:, None]
        coef, *_ = np.linalg.lstsq(self.Z, Y, rcond=None)
        return (Y - self.Z @ coef) * self.w[:, None]


def _rows_by_unit(units: np.ndarray) -> list[np.ndarray]:
    """The row indices of each unit (dense codes), unit by unit."""
    order = np.argsort(units, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(units[order])) + 1)


def _model_variances(variance: np.ndarray | None, n: int) -> np.ndarray:
    """Per-row variances of the calibration model (R's ``variance=``); ones by default."""
    s2 = np.ones(n) if variance is None else np.asarray(variance, dtype=float)
    if s2.shape != (n,) or not np.all(np.isfinite(s2) & (s2 > 0)):
        raise DataError("variance must give a positive, finite value for every row")
    return s2


def observed_totals(
    data: pd.DataFrame,
    columns: Sequence[str],
    weights: np.ndarray,
    numeric: Callable[[str], np.ndarray],
    phase: str | None = None,
) -> dict[str, Any]:
    """The weighted totals of ``columns`` in ``data``, in the form :func:`calibrate` takes:
    numeric columns' totals, the level counts of categorical (non-numeric or ``category``)
    ones. Missing values are refused with their row; ``phase`` (``"phase one"``) names the
    data in the messages."""
    totals: dict[str, Any] = {}
    for name in columns:
        if name not in data.columns:
            which = f"{phase.replace(' ', '-')} data" if phase else "data"
            raise DataError(
                f"unknown column {name!r}; the {which} have columns {list(data.columns)}"
            )
        column = data[name]
        if column.isna().any():
            pos = int(np.flatnonzero(column.isna().to_numpy())[0])
            raise DataError(
                f"calibration column {name!r} has a missing value at row {pos}"
                + (
                    f" of {phase}: calibration to {phase} needs it for every "
                    f"{phase.replace(' ', '-')} row"
                    if phase
                    else ""
                )
            )
        if pd.api.types.is_numeric_dtype(column) and not isinstance(
            column.dtype, pd.CategoricalDtype
        ):
            totals[name] = float(numeric(name) @ weights)
        else:
            sums = pd.Series(weights).groupby(column.to_numpy(), sort=True).sum()
            totals[name] = {plain(level): float(v) for level, v in sums.items()}
    return totals


@dataclass(frozen=True)
class ClusterCalibration:
    """Linear calibration within the units of stage ``stage`` (R's ``calibrate(stage=)``).

    As R's ``svyrecvar``, the residuals replace the influence values only in the variance of
    the stages below ``stage`` (the within-unit variance); the variance between the units
    themselves is that of the uncalibrated values.
    """

    stage: int  # 1-based, as R's: 1 = within the primary sampling units
    units: np.ndarray  # per row, the dense code of its calibrating unit
    Z: np.ndarray  # per row, model matrix times sqrt(conditional weight / variance)
    w: np.ndarray

    def residualize(self, X: np.ndarray) -> np.ndarray:
        # one small least-squares fit per unit, by QR as R's qr.resid (normal equations
        # batched over units would square the condition number of, say, an intercept and a
        # score in the hundreds)
        nonzero = self.w != 0  # rows without weight carry no influence
        Y = np.where(nonzero[:, None], X, 0.0) / np.where(nonzero, self.w, 1.0)[:, None]
        out = np.empty_like(Y)
        for rows in _rows_by_unit(self.units):
            coef, *_ = np.linalg.lstsq(self.Z[rows], Y[rows], rcond=None)
            out[rows] = Y[rows] - self.Z[rows] @ coef
        return out * self.w[:, None]


@dataclass(frozen=True)
class SubsetCalibration:
    """A calibration of the rows of a subset only (the rows ``rows`` of the design).

    R removes the rows outside a subset before it calibrates (``subset`` of an uncalibrated
    design drops them), so the calibration model is fitted to the subset's rows and the rows
    outside neither take part nor change. Their influence values pass through unchanged: in
    every estimate of the subset they are zero.
    """

    inner: Any  # the record of the calibration of the subset's rows (a Residualizer)
    rows: np.ndarray  # positions of the subset's rows in the design

    @property
    def stage(self) -> int:
        return int(self.inner.stage)

    def residualize(self, X: np.ndarray) -> np.ndarray:
        out = np.array(X, dtype=float, copy=True)
        out[self.rows] = self.inner.residualize(out[self.rows])
        return out


def _cell_codes(data: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    for c in cols:
        if c not in data.columns:
            raise DataError(f"unknown column {c!r}; the data have columns {list(data.columns)}")
        if data[c].isna().any():
            pos = int(np.flatnonzero(data[c].isna().to_numpy())[0])
            raise DataError(f"calibration column {c!r} has a missing value at row {pos}")
    grouped = data.groupby(cols, sort=True, observed=True)
    return grouped.ngroup().to_numpy(np.int64), grouped.size().reset_index()[cols]


def _population_table(population: Any, cols: list[str]) -> pd.DataFrame:
    """Population counts as a frame with the columns ``cols`` and ``count``."""
    if isinstance(population, pd.DataFrame):
        extra = [c for c in population.columns if c not in cols]
        if len(extra) != 1 or not all(c in population.columns for c in cols):
            raise DataError(
                f"population table must have the columns {cols} and one count column, got {list(population.columns)}"
            )
        out = population[cols + extra].rename(columns={extra[0]: "count"})
    elif isinstance(population, pd.Series):
        out = population.rename("count").reset_index()
        out.columns = cols + ["count"]
    elif isinstance(population, Mapping):
        keys = list(population.keys())
        if len(cols) == 1:
            out = pd.DataFrame({cols[0]: keys, "count": list(population.values())})
        else:
            out = pd.DataFrame([tuple(k) for k in keys], columns=cols)
            out["count"] = list(population.values())
    else:
        raise DataError("population must be a mapping, a pandas Series or a DataFrame of counts")
    counts = pd.to_numeric(out["count"], errors="coerce")
    if counts.isna().any() or (counts < 0).any():
        raise DataError("population counts must be non-negative numbers")
    return out.assign(count=counts.astype(float))


def poststratified_weights(
    data: pd.DataFrame, w: np.ndarray, cols: list[str], population: Any, partial: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Post-stratified weights and the post-stratum codes.

    ``w`` is a vector, or a matrix (rows x weights) whose columns are each adjusted.
    """
    codes, labels = _cell_codes(data, cols)
    W = w if w.ndim == 2 else w[:, None]
    sample_all = np.stack(
        [np.bincount(codes, weights=W[:, r], minlength=len(labels)) for r in range(W.shape[1])],
        axis=1,
    )
    sample = sample_all[:, 0]
    pop = _population_table(population, cols)
    for c in cols:  # compare labels as strings where the types differ (e.g. 1 vs "1")
        if labels[c].dtype != pop[c].dtype:
            labels[c] = labels[c].astype(str)
            pop[c] = pop[c].astype(str)
    merged = labels.reset_index().merge(pop, on=cols, how="outer", indicator=True)
    in_sample = merged["index"].notna()
    zero_pop = (merged["_merge"] == "left_only") | (merged["count"] == 0)
    only_sample = merged[in_sample & zero_pop]
    only_sample = only_sample[sample[only_sample["index"].astype(int)] > 0]
    if len(only_sample):
        raise DataError(
            "post-strata in the sample are missing from the population (or have count 0): "
            f"{only_sample[cols].to_dict('records')}"
        )
    only_pop = merged[(merged["_merge"] == "right_only") & (merged["count"] > 0)]
    if len(only_pop) and not partial:
        raise DataError(
            f"post-strata in the population have no sample members: {only_pop[cols].to_dict('records')}; "
            "pass partial=True to ignore them"
        )
    both = merged[merged["_merge"] == "both"].sort_values("index")
    idx = both["index"].astype(int).to_numpy()
    weightless = both[(sample[idx] == 0) & (both["count"].to_numpy() > 0)]
    if len(weightless):
        raise DataError(
            "post-strata whose sample rows all have weight zero cannot carry their population "
            f"count: {weightless[cols].to_dict('records')} (count "
            f"{weightless['count'].tolist()}); give them weight, merge them with a neighbour, "
            "or leave them out of the population table with partial=True"
        )
    factor = np.ones_like(sample_all)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor[idx] = both["count"].to_numpy()[:, None] / sample_all[idx]
    factor[~np.isfinite(factor)] = 0.0  # a replicate with no weight in a post-stratum
    new = W * factor[codes]
    return (new if w.ndim == 2 else new[:, 0]), codes


def raked_weights(
    data: pd.DataFrame,
    w: np.ndarray,
    margins: Mapping[Any, Any],
    max_iter: int = 10,
    epsilon: float = 1.0,
) -> tuple[np.ndarray, Raking]:
    """Raked weights (iterative proportional fitting) and the raking record.

    ``w`` is a vector, or a matrix whose first column is the full-sample weight and whose other
    columns are replicate weights raked in the same passes; convergence is judged on the first.
    """
    specs = [([k] if isinstance(k, str) else list(k), v) for k, v in margins.items()]
    if not specs:
        raise DataError("rake needs at least one margin")
    all_cols = list(dict.fromkeys(c for cols, _ in specs for c in cols))
    joint, _ = _cell_codes(data, all_cols)

    def full(m: np.ndarray) -> np.ndarray:
        return m[:, 0] if m.ndim == 2 else m

    eps = epsilon * full(w).sum() if epsilon < 1 else epsilon
    old_table = np.bincount(joint, weights=full(w))
    steps: list[tuple[np.ndarray, np.ndarray]] = []
    converged = False
    for _ in range(max_iter):
        steps = []
        for cols, pop in specs:
            w, codes = poststratified_weights(data, w, cols, pop, partial=False)
            steps.append((codes, full(w).copy()))
        new_table = np.bincount(joint, weights=full(w))
        delta = float(np.max(np.abs(old_table - new_table)))
        if delta < eps:
            converged = True
            break
        old_table = new_table
    if not converged:
        warnings.warn(
            f"raking did not converge in {max_iter} iterations", EstimationWarning, stacklevel=3
        )
    return w, Raking(tuple(steps))


def _calibration_matrix(
    data: pd.DataFrame,
    numeric: Callable[[str], np.ndarray],
    totals: Mapping[str, Any],
    population_size: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The calibration variables (rows x totals) and their population totals."""
    cols: list[np.ndarray] = []
    pop: list[float] = []
    if population_size is not None:
        cols.append(np.ones(len(data)))
        pop.append(float(population_size))
    for name, total in totals.items():
        if name not in data.columns:
            raise DataError(
                f"unknown calibration column {name!r}; the data have columns {list(data.columns)}"
            )
        if isinstance(total, Mapping):
            levels = data[name]
            unknown = set(levels.dropna().unique()) - set(total)
            if unknown:
                raise DataError(
                    f"levels {sorted(map(str, unknown))} of {name!r} have no population count"
                )
            for level, count in total.items():
                cols.append((levels == level).to_numpy(dtype=float))
                pop.append(float(count))
        else:
            cols.append(numeric(name))
            if np.isnan(cols[-1]).any():
                raise DataError(f"calibration column {name!r} has missing values")
            pop.append(float(total))
    if not cols:
        raise DataError("calibrate needs at least one population total")
    return np.column_stack(cols), np.array(pop)


def _calibration_names(totals: Mapping[str, Any], population_size: float | None) -> list[str]:
    """Names of the columns of :func:`_calibration_matrix`, in its order, for messages."""
    names = ["the population size"] if population_size is not None else []
    for name, total in totals.items():
        if isinstance(total, Mapping):
            names.extend(f"{name!r} = {plain(level)!r}" for level in total)
        else:
            names.append(repr(name))
    return names


CALFUNS = ("linear", "raking", "logit")

#: Bounds on the g-weights: ``(lower, upper)``, each a number or one value per row (R's
#: ``bounds = list(lower = ..., upper = ...)``), or a mapping with keys ``lower`` and ``upper``.
Bounds = tuple[Any, Any] | Sequence[Any] | Mapping[str, Any]

Bound = float | np.ndarray


def calibration_bounds(bounds: Bounds, n: int) -> tuple[Bound, Bound]:
    """Check ``bounds`` for ``n`` rows: each of lower and upper a number or ``n`` numbers, with
    1 strictly between them (R's ``calibrate(bounds=)``, a vector pair or a list of per-unit
    vectors). Returns numbers as floats and per-row bounds as float arrays."""
    if isinstance(bounds, Mapping):
        unknown = set(bounds) - {"lower", "upper"}
        if unknown or len(bounds) != 2:
            raise DataError(
                f"bounds as a mapping takes the keys 'lower' and 'upper', got {sorted(map(str, bounds))}"
            )
        pair = [bounds["lower"], bounds["upper"]]
    elif isinstance(bounds, str) or not isinstance(bounds, Sequence | np.ndarray):
        raise DataError(f"bounds must be (lower, upper), got {bounds!r}")
    else:
        pair = list(bounds)
    if len(pair) != 2:
        raise DataError(f"bounds must be (lower, upper), got {len(pair)} values")
    out: list[Bound] = []
    for name, b in zip(("lower", "upper"), pair, strict=True):
        arr = np.asarray(b, dtype=float) if not isinstance(b, str) else None
        if arr is None or arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
            raise DataError(
                f"the {name} bound must be a number or one number per row ({n}), got {b!r}"
            )
        if np.isnan(arr).any():
            pos = int(np.flatnonzero(np.isnan(arr))[0]) if arr.ndim else 0
            raise DataError(f"the {name} bound is missing at row {pos}")
        out.append(float(arr) if arr.ndim == 0 else arr)
    lower, upper = out
    bad = ~((np.asarray(lower) < 1) & (np.asarray(upper) > 1))
    if np.any(bad):
        if np.ndim(bad):
            row = int(np.flatnonzero(bad)[0])
            got = f"lower {np.broadcast_to(lower, (n,))[row]:g}, upper {np.broadcast_to(upper, (n,))[row]:g} at row {row}"
        else:
            got = repr(bounds)
        raise ValueError(f"bounds must hold 1 between them (lower < 1 < upper), got {got}")
    return lower, upper


def bounds_are_finite(bounds: Bounds) -> bool:
    """Whether any bound is finite (then the calibration is not the closed-form GREG)."""
    pair = [bounds["lower"], bounds["upper"]] if isinstance(bounds, Mapping) else list(bounds)
    return any(bool(np.isfinite(np.asarray(b, dtype=float)).any()) for b in pair)


def _calfun(
    name: str, lower: Bound, upper: Bound
) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
    """R's cal.linear, cal.raking and cal.logit: (Fm1, dF), with Fm1 = g - 1 (bounds are
    numbers or one per row: every formula is elementwise, as R's)."""
    if name == "linear":
        return (
            lambda u: np.minimum(np.maximum(u + 1, lower), upper) - 1,
            lambda u: ((u < upper - 1) & (u > lower - 1)).astype(float),
        )
    if name == "raking":
        return (
            lambda u: np.minimum(np.maximum(np.exp(u), lower), upper) - 1,
            lambda u: np.where((u < upper - 1) & (u > lower - 1), np.exp(u), 0.0),
        )
    if not (np.all(np.isfinite(lower)) and np.all(np.isfinite(upper))):
        raise DataError("logit calibration needs finite bounds, e.g. bounds=(0.5, 2)")
    A = (upper - lower) / ((upper - 1) * (1 - lower))

    def fm1(u: np.ndarray) -> np.ndarray:
        e = np.exp(A * u)
        return (lower * (upper - 1) + upper * (1 - lower) * e) / (upper - 1 + (1 - lower) * e) - 1

    def df(u: np.ndarray) -> np.ndarray:
        e = np.exp(A * u)
        d = upper - 1 + (1 - lower) * e
        num = lower * (upper - 1) + upper * (1 - lower) * e
        return upper * (1 - lower) * e * A / d - num * ((1 - lower) * e * A) / d**2

    return fm1, df


def _grake(
    mm: np.ndarray,
    ww: np.ndarray,
    pop: np.ndarray,
    calfun: str,
    bounds: tuple[Bound, Bound],
    maxit: int,
    epsilon: float,
) -> np.ndarray:
    """g-weights of a generalised raking calibration, as R's ``grake`` (Newton steps with
    step halving, the same pre-scaling and the same stopping rule)."""
    fm1, df = _calfun(calfun, bounds[0], bounds[1])
    sample_total = mm.T @ ww
    eta = np.zeros(mm.shape[1])
    xeta = mm @ eta
    g = 1 + fm1(xeta)
    deriv = df(xeta)
    scales = pop / sample_total
    scale = None
    if np.min(scales) > 20:  # R: pre-scaling for people starting with no weights
        scale = float(np.mean(scales))
        ww = ww * scale
        sample_total = sample_total * scale
    iteration = 1
    while True:
        T = (mm * (ww * deriv)[:, None]).T @ mm
        misfit = pop - sample_total - mm.T @ (ww * fm1(xeta))
        deta = np.linalg.pinv(T, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + deta
        xeta = mm @ eta
        g = 1 + fm1(xeta)
        deriv = df(xeta)
        while iteration < maxit and not (np.all(np.isfinite(g)) and np.all(np.isfinite(deriv))):
            iteration += 1
            deta = deta / 2
            eta = eta - deta
            xeta = mm @ eta
            g = 1 + fm1(xeta)
            deriv = df(xeta)
        misfit = pop - sample_total - mm.T @ (ww * fm1(xeta))
        if np.all(np.abs(misfit) / (1 + np.abs(pop)) < epsilon):
            break
        iteration += 1
        if iteration > maxit:
            achieved = float(np.max(np.abs(misfit) / (1 + np.abs(pop))))
            raise DataError(
                f"{calfun} calibration did not converge in {maxit} iterations (relative misfit "
                f"{achieved:.3g}): the totals may be out of reach within the bounds"
            )
    return g * scale if scale is not None else g


def _trim(g: np.ndarray, ww: np.ndarray, trim: tuple[float, float]) -> np.ndarray:
    """R's ``calibrate(trim=)``: g outside the range set to its ends, the weight trimmed off
    spread over the others as an equal addition to their g."""
    gnew = np.clip(g, trim[0], trim[1])
    outside = (g < trim[0]) | (g > trim[1])
    if outside.any():
        trimmings = (g - gnew) * ww
        gnew[~outside] = gnew[~outside] + trimmings.sum() / ww[~outside].sum()
    return gnew


def linear_calibration_weights(
    data: pd.DataFrame,
    numeric: Callable[[str], np.ndarray],
    w: np.ndarray,
    totals: Mapping[str, Any],
    population_size: float | None = None,
    *,
    calfun: str = "linear",
    bounds: Bounds = (-np.inf, np.inf),
    trim: tuple[float, float] | None = None,
    maxit: int = 50,
    epsilon: float = 1e-7,
    variance: np.ndarray | None = None,
    groups: np.ndarray | None = None,
) -> tuple[np.ndarray, LinearCalibration]:
    """Calibrated weights and the calibration record (R's ``calibrate``).

    ``variance``: per-row variances of the calibration model (R's ``variance=``), for
    heteroscedastic GREG; ``variance = x`` with the single total of ``x`` is the ratio
    estimator.

    ``groups``: per-row group codes (R's ``aggregate.stage``/``aggregate.index``): the
    calibration variables, weights and variances are averaged within each group first, so
    every row of a group gets the same g-weight.

    ``numeric(name)`` returns a numeric column as float (the design's own column check).
    ``w`` is a vector, or a matrix whose first column is the full-sample weight: every column
    is calibrated to the same totals. The record describes the full-sample calibration.
    Unbounded linear calibration is solved in closed form (GREG); ``calfun`` ``"raking"`` and
    ``"logit"``, ``bounds`` and ``trim`` follow R's ``grake``. ``bounds`` are numbers or one
    per row (see :func:`calibration_bounds`).
    """
    if calfun not in CALFUNS:
        raise ValueError(f"calfun must be one of {CALFUNS}, got {calfun!r}")
    lower, upper = calibration_bounds(bounds, len(data))
    mm, pop_v = _calibration_matrix(data, numeric, totals, population_size)
    closed_form = calfun == "linear" and not bounds_are_finite((lower, upper))
    s2 = _model_variances(variance, len(data))
    if variance is not None and not closed_form:
        raise DataError("variance= goes with unbounded linear calibration (GREG) only")

    def g_factors(ww: np.ndarray) -> np.ndarray:
        if closed_form:
            # R's regcalibrate: T = sum w x x' / sigma2, g = 1 + x' T^-1 (X - X_hat) / sigma2
            sample_total = mm.T @ ww
            T = (mm * (ww / s2)[:, None]).T @ mm
            lam = np.linalg.pinv(T) @ (pop_v - sample_total)
            g = 1.0 + (mm @ lam) / s2
        else:
            g = _grake(mm, ww, pop_v, calfun, (lower, upper), maxit, epsilon)
        return _trim(g, ww, trim) if trim is not None else g

    W = w if w.ndim == 2 else w[:, None]
    W_fit = W
    if groups is not None:
        spread = _within_group_spread(groups, W[:, 0])
        if spread > 1e-2 * float(np.mean(W[:, 0])):
            warnings.warn(
                "the weights are not constant within the aggregation groups: their averages are "
                "calibrated",
                EstimationWarning,
                stacklevel=4,
            )
        mm = _group_means(groups, mm)
        s2 = _group_means(groups, s2[:, None])[:, 0]
        W_fit = _group_means(groups, W)
    ww = W_fit[:, 0]
    sample_totals = mm.T @ ww
    names = _calibration_names(totals, population_size)
    empty = np.flatnonzero((sample_totals == 0) & (pop_v != 0))
    if empty.size:
        k = int(empty[0])
        raise DataError(
            f"calibration total of {names[k]} is {pop_v[k]:g} but its weighted sample total is "
            "zero (the column is zero, or the level absent, in every row with weight): no "
            "weighting can reach it"
        )
    g = g_factors(ww)
    achieved = mm.T @ (ww * g)
    tol = 1e-6 * max(1.0, float(np.abs(pop_v).max()))
    if trim is None and not np.allclose(achieved, pop_v, rtol=1e-6, atol=tol):
        raise DataError(
            "the population totals are inconsistent with each other (for example level counts that do "
            "not add up to the population size): calibration cannot match them all"
        )
    new = np.column_stack(
        [W[:, 0] * g] + [W[:, r] * g_factors(W_fit[:, r]) for r in range(1, W.shape[1])]
    )
    sqw = np.sqrt(ww)
    root = np.sqrt(s2)  # R: qr(mm * whalf / sqrt(sigma2)), w = g * whalf * sqrt(sigma2)
    record = LinearCalibration(mm * (sqw / root)[:, None], g * sqw * root)
    return (new if w.ndim == 2 else new[:, 0]), record


def _group_means(groups: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Each row replaced by the mean of its group (R's ``ave``), column by column."""
    G = int(groups.max()) + 1
    count = np.bincount(groups, minlength=G).astype(float)
    return group_sums(groups, A, G)[groups] / count[groups][:, None]


def _within_group_spread(groups: np.ndarray, x: np.ndarray) -> float:
    """The largest standard deviation of ``x`` within a group (R's check before it averages)."""
    mean = _group_means(groups, x[:, None])[:, 0]
    G = int(groups.max()) + 1
    count = np.bincount(groups, minlength=G).astype(float)
    ss = np.bincount(groups, weights=(x - mean) ** 2, minlength=G)
    var = np.where(count > 1, ss / np.maximum(count - 1, 1), 0.0)
    return float(np.sqrt(var.max()))


def cluster_calibration_weights(
    data: pd.DataFrame,
    numeric: Callable[[str], np.ndarray],
    w: np.ndarray,
    stage_weights: np.ndarray,
    units: np.ndarray,
    unit_labels: Sequence[Any],
    totals: Mapping[Any, Mapping[str, Any]],
    population_size: Mapping[Any, float] | None,
    *,
    stage: int,
    variance: np.ndarray | None = None,
) -> tuple[np.ndarray, ClusterCalibration]:
    """Linear calibration within each sampled unit of a stage (R's ``calibrate(stage=k)``,
    Sarndal's case C): the conditional weights within each unit are calibrated to that unit's
    own population totals.

    ``stage_weights``: per row, the weight of its unit at ``stage`` (constant within a unit);
    ``w / stage_weights`` is the conditional weight within the unit. ``units`` are the dense
    unit codes per row and ``unit_labels[code]`` the label users know the unit by;
    ``totals[label]`` and ``population_size[label]`` hold the unit's population totals in the
    form :func:`calibrate` takes. Returns the calibrated weights and the calibration record.
    """
    if isinstance(totals, pd.DataFrame):
        totals = {label: dict(row) for label, row in totals.to_dict("index").items()}
    if not isinstance(totals, Mapping) or not totals:
        raise DataError(
            f"calibration within the units of stage {stage} needs totals for each unit: a "
            "mapping from each unit's label to its totals (or a DataFrame indexed by the labels)"
        )
    n_units = len(unit_labels)
    missing = [plain(unit_labels[u]) for u in range(n_units) if unit_labels[u] not in totals]
    if missing:
        raise DataError(
            f"no population totals for the sampled stage-{stage} unit(s) {missing[:5]}"
            + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        )
    if population_size is not None:
        no_size = [
            plain(unit_labels[u]) for u in range(n_units) if unit_labels[u] not in population_size
        ]
        if no_size:
            raise DataError(
                f"population_size gives no size for the sampled stage-{stage} unit(s) {no_size[:5]}"
            )
    first = totals[unit_labels[0]]
    names = list(first) if isinstance(first, Mapping) else []
    # the union of the levels each categorical total names, so that every unit's totals line
    # up with one set of calibration columns (a level a unit does not list counts 0 there)
    structure: dict[str, Any] = {}
    for u in range(n_units):
        unit_totals = totals[unit_labels[u]]
        if not isinstance(unit_totals, Mapping) or list(unit_totals) != names:
            raise DataError(
                f"the totals of unit {plain(unit_labels[u])!r} name {list(unit_totals) if isinstance(unit_totals, Mapping) else unit_totals!r}, "
                f"those of unit {plain(unit_labels[0])!r} name {names}: every unit needs the same "
                "calibration variables"
            )
        for name, total in unit_totals.items():
            if isinstance(total, Mapping):
                levels = structure.setdefault(name, {})
                levels.update(dict.fromkeys(total, 0.0))
            else:
                structure.setdefault(name, 0.0)
    size = None if population_size is None else 0.0
    mm, _ = _calibration_matrix(data, numeric, structure, size)

    def unit_vector(label: Any) -> np.ndarray:
        values = [] if population_size is None else [float(population_size[label])]
        for name, kind in structure.items():
            total = totals[label][name]
            if isinstance(kind, Mapping):
                values.extend(float(total.get(level, 0.0)) for level in kind)
            else:
                values.append(float(total))
        return np.array(values)

    s2 = _model_variances(variance, len(data))
    cw = np.where(stage_weights > 0, w / np.where(stage_weights > 0, stage_weights, 1.0), 0.0)
    g = np.ones(len(data))
    Z = np.zeros_like(mm)
    for rows in _rows_by_unit(units):
        label = unit_labels[int(units[rows[0]])]
        pop = unit_vector(label)
        mmi = mm[rows]
        sample_total = mmi.T @ cw[rows]
        keep = ~((pop == 0) & np.all(mmi == 0, axis=0))  # R drops columns empty in both
        mmi, pop, sample_total = mmi[:, keep], pop[keep], sample_total[keep]
        T = (mmi * (cw[rows] / s2[rows])[:, None]).T @ mmi
        lam = np.linalg.lstsq(T, pop - sample_total, rcond=None)[0]
        g[rows] = 1.0 + (mmi @ lam) / s2[rows]
        achieved = mmi.T @ (cw[rows] * g[rows])
        if not np.allclose(
            achieved, pop, rtol=1e-6, atol=1e-6 * max(1.0, float(np.abs(pop).max()))
        ):
            raise DataError(
                f"the totals of stage-{stage} unit {plain(label)!r} cannot be matched by its "
                f"{rows.size} sampled row(s): too few rows for the calibration variables, or "
                "totals inconsistent with each other"
            )
        Z[np.ix_(rows, np.flatnonzero(keep))] = mmi * np.sqrt(cw[rows] / s2[rows])[:, None]
    record = ClusterCalibration(stage, units, Z, g * stage_weights * np.sqrt(s2) * cw)
    return w * g, record


class Calibratable(Protocol):
    """What the module-level functions need: a design with calibration methods."""

    def poststratify(
        self, by: str | Sequence[str], population: Any, partial: bool = False
    ) -> Self: ...

    def rake(
        self, margins: Mapping[Any, Any], max_iter: int = 10, epsilon: float = 1.0
    ) -> Self: ...

    def calibrate(
        self, totals: Mapping[str, Any], population_size: float | None = None, **options: Any
    ) -> Self: ...


def poststratify(
    design: Calibratable, by: str | Sequence[str], population: Any, partial: bool = False
) -> Calibratable:
    """Post-stratify ``design`` on the columns ``by`` to the population counts ``population``.

    ``population`` maps each level (or tuple of levels) to its count, or is a pandas Series
    indexed by the levels, or a DataFrame with the ``by`` columns and one count column (as R's
    ``postStratify``). Replicate designs have every replicate post-stratified too. The same
    as ``design.poststratify(by, population, partial)``.
    """
    return design.poststratify(by, population, partial)


def rake(
    design: Calibratable, margins: Mapping[Any, Any], max_iter: int = 10, epsilon: float = 1.0
) -> Calibratable:
    """Rake ``design`` to several population margins (iterative proportional fitting).

    ``margins`` maps a column (or tuple of columns) to its population counts, in any form
    :func:`poststratify` accepts. Iterates as R's ``rake``: at most ``max_iter`` passes,
    stopping once no cell of the joint weighted table of all margin variables changes by
    ``epsilon`` or more (``epsilon < 1`` is a fraction of the total weight). Replicate
    designs have every replicate raked in the same passes. The same as ``design.rake(...)``.
    """
    return design.rake(margins, max_iter, epsilon)


def calibrate(
    design: Calibratable,
    totals: Mapping[str, Any],
    population_size: float | None = None,
    **options: Any,
) -> Calibratable:
    """Calibration to population totals: linear (GREG) by default.

    Parameters
    ----------
    totals : mapping
        For a numeric column its population total; for a categorical column a mapping of each
        level to its population count.
    population_size : float, optional
        The population size (an intercept in the calibration model), implied when a
        categorical column with all its levels is given.
    **options
        ``calfun``, ``bounds``, ``trim``, ``maxit``, ``epsilon``, ``variance``: see
        :meth:`prevalence.survey.base.Design.calibrate`.

    Notes
    -----
    The calibrated weights are ``w g`` with ``g = 1 + x' lambda`` solving the calibration
    equations (R's ``calibrate(..., calfun="linear")``); the variance uses the residuals of
    the weighted regression of each linearised variable on the calibration variables. The
    same as ``design.calibrate(totals, population_size, **options)``.
    """
    return design.calibrate(totals, population_size, **options)
