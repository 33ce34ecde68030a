"""Taylor-linearisation variance for multi-stage stratified designs (R's ``svyrecvar``).

An estimator is linearised into per-row influence values ``x`` (already multiplied by the
weights, as R does). Its variance is that of the estimated total of ``x``:

* at each stage, within each stratum ``h`` with ``n_h`` sampled units out of ``N_h``,
  ``(1 - n_h/N_h) n_h/(n_h - 1) sum_c (x_c - mean_h)^2`` over the units' totals ``x_c``;
* later stages add their own within-unit variance, multiplied by the sampling fractions of
  the stages above (R's default for designs with a finite population correction at every
  stage; with-replacement first stages, i.e. no fpc, stop the recursion);
* strata with a single sampled unit follow ``lonely_psu``.

Calibrated designs first replace ``x`` by its residual from the calibration model
(post-stratification, raking, linear calibration), exactly as ``svyrecvar`` does.

All strata and units are handled at once with ``bincount``-style aggregation: the cost is
linear in the number of rows and does not loop over strata in Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..core.errors import DataError

if TYPE_CHECKING:
    from .design import SurveyDesign

__all__ = ["taylor_variance", "variance_from_unit_totals", "deepest_stage", "unit_totals"]


def deepest_stage(design: SurveyDesign) -> int:
    """0-based index of the finest stage whose units the variance needs."""
    L = 0
    while L + 1 < design.n_stages and np.all(np.isfinite(design.stages[L].pop_units)):
        L += 1
    return L


def unit_totals(design: SurveyDesign, X: np.ndarray) -> np.ndarray:
    """Totals of the columns of ``X`` (rows) within the units of the deepest needed stage."""
    L = deepest_stage(design)
    units = design.stages[L].units
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    n_units = int(units.max()) + 1
    out = np.empty((n_units, X.shape[1]))
    for j in range(X.shape[1]):
        out[:, j] = np.bincount(units, weights=X[:, j], minlength=n_units)
    return out


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Index of the first row of each code 0..max."""
    first = np.full(int(codes.max()) + 1, -1, dtype=np.int64)
    idx = np.arange(codes.size)[::-1]
    first[codes[::-1]] = idx
    return first


def variance_from_unit_totals(
    design: SurveyDesign, T: np.ndarray, *, diagonal: bool = False
) -> np.ndarray:
    """Covariance matrix (or its diagonal) of the estimated totals from deepest-stage unit totals."""
    T = np.asarray(T, dtype=float)
    if T.ndim == 1:
        T = T[:, None]
    p = T.shape[1]
    L = deepest_stage(design)
    deep_units = design.stages[L].units
    first_deep = _first_rows(deep_units)
    V = np.zeros(p) if diagonal else np.zeros((p, p))
    multiplier_rows = np.ones(design.n)  # product of sampling fractions of the stages above
    for s in range(L + 1):
        st = design.stages[s]
        first_unit_row = _first_rows(st.units)
        # totals of stage-s units: aggregate the deep-unit totals upwards
        deep_to_s = st.units[first_deep]
        n_s_units = first_unit_row.size
        U = np.zeros((n_s_units, p))
        np.add.at(U, deep_to_s, T)
        rows = first_unit_row
        strata = st.strata[rows]
        n_h = st.n_units[rows]
        N_h = st.pop_units[rows]
        mult = multiplier_rows[rows]
        f = np.where(np.isfinite(N_h), (N_h - n_h) / np.where(np.isfinite(N_h), N_h, 1.0), 1.0)
        scale = np.where(n_h > 1, f * n_h / np.maximum(n_h - 1, 1), f)
        scale = np.where(f < 1e-7, 0.0, scale)
        n_strata_codes = int(strata.max()) + 1
        sums = np.zeros((n_strata_codes, p))
        np.add.at(sums, strata, U)
        count = np.bincount(strata, minlength=n_strata_codes).astype(float)
        lonely = n_h <= 1
        dev = U - sums[strata] / np.maximum(count[strata], 1)[:, None]
        if design.lonely_psu == "adjust":
            dev = np.where(lonely[:, None], U, dev)
        if lonely.any() and design.lonely_psu == "fail" and np.any(scale[lonely] > 0):
            bad = int(np.flatnonzero(lonely & (scale > 0))[0])
            raise DataError(
                f"stratum {_stratum_label(design, s, rows[bad])} has only one PSU at stage {s + 1}; "
                "choose lonely_psu='remove', 'certainty', 'average' or 'adjust'"
            )
        weight = scale * mult
        if design.lonely_psu == "average" and lonely.any():
            # R: lonely strata drop out and the others are scaled up, within each parent unit
            parent = (
                design.stages[s - 1].units[rows] if s > 0 else np.zeros(rows.size, dtype=np.int64)
            )
            stratum_first = _first_rows(strata)
            s_parent = parent[stratum_first[stratum_first >= 0]]
            s_lonely = lonely[stratum_first[stratum_first >= 0]] & (
                scale[stratum_first[stratum_first >= 0]] > 0
            )
            n_par = int(parent.max()) + 1
            nstrat = np.bincount(s_parent, minlength=n_par).astype(float)
            nok = nstrat - np.bincount(s_parent, weights=s_lonely.astype(float), minlength=n_par)
            factor = np.where(nok > 0, nstrat / np.maximum(nok, 1), 0.0)
            weight = np.where(lonely & (scale > 0), 0.0, weight * factor[parent])
        elif design.lonely_psu in ("remove", "certainty"):
            weight = np.where(lonely, 0.0, weight)
        if diagonal:
            V += np.einsum("c,cp->p", weight, dev * dev)
        else:
            Dw = dev * np.sqrt(weight)[:, None]
            V += Dw.T @ Dw
        # fractions sampled at this stage feed the next stage's multiplier
        if s < L:
            multiplier_rows = multiplier_rows * np.where(
                np.isfinite(st.pop_units), st.n_units / st.pop_units, 0.0
            )
    return V


def _stratum_label(design: SurveyDesign, stage: int, row: int) -> str:
    cols = design._spec.get("strata")
    if stage == 0 and cols:
        col = cols if isinstance(cols, str) else cols[0]
        return repr(design.data[col].iloc[row])
    return f"#{int(design.stages[stage].strata[row])}"


def residualize(design: SurveyDesign, X: np.ndarray) -> np.ndarray:
    """Apply the calibration residual steps of ``svyrecvar`` to row influence values."""
    X = np.asarray(X, dtype=float)
    for cal in design.calibrations:
        X = cal.residualize(X)
    return X


def taylor_variance(design: SurveyDesign, X: np.ndarray, *, diagonal: bool = False) -> np.ndarray:
    """Variance (matrix) of the estimated total of the row influence values ``X``."""
    X = np.asarray(X, dtype=float)
    squeeze = X.ndim == 1
    if squeeze:
        X = X[:, None]
    X = residualize(design, X)
    V = variance_from_unit_totals(design, unit_totals(design, X), diagonal=diagonal)
    return V
