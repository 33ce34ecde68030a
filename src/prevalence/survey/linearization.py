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

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ..core.errors import DataError
from .stages import Stages, first_rows

__all__ = [
    "Residualizer",
    "calibrated_unit_totals",
    "variance_from_unit_totals",
    "unit_totals",
]


class Residualizer(Protocol):
    """A calibration record: removes the calibration model from row influence values.

    ``stage`` 0: calibration to population figures, removed before any variance is formed;
    ``stage`` k >= 1: calibration within the units of stage k, removed only from the
    variance of the stages below k (as R's ``svyrecvar``).
    """

    @property
    def stage(self) -> int: ...

    def residualize(self, X: np.ndarray) -> np.ndarray: ...


def calibrated_unit_totals(
    design: Stages, X: np.ndarray, calibrations: Sequence[Residualizer]
) -> np.ndarray | list[np.ndarray]:
    """Deepest-unit totals of the calibration residuals of ``X``.

    Without calibration within units, one array; with it, a list holding for each stage the
    totals whose variance that stage takes (the residuals of the within-unit calibrations of
    the stages above it), as :func:`variance_from_unit_totals` accepts.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    for cal in calibrations:
        if cal.stage == 0:
            X = cal.residualize(X)
    within = [cal for cal in calibrations if cal.stage > 0]
    if not within:
        return unit_totals(design, X)
    out = []
    for s in range(design.deepest + 1):
        Xs = X
        for cal in within:
            if cal.stage <= s:  # 0-based stage s lies below the 1-based calibration stage
                Xs = cal.residualize(Xs)
        out.append(unit_totals(design, Xs))
    return out


def unit_totals(design: Stages, X: np.ndarray) -> np.ndarray:
    """Totals of the columns of ``X`` (rows) within the units of the deepest needed stage."""
    units = design.stages[design.deepest].units
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    n_units = int(units.max()) + 1
    out = np.empty((n_units, X.shape[1]))
    for j in range(X.shape[1]):
        out[:, j] = np.bincount(units, weights=X[:, j], minlength=n_units)
    return out


def variance_from_unit_totals(
    design: Stages,
    T: np.ndarray | Sequence[np.ndarray],
    *,
    diagonal: bool = False,
    present: np.ndarray | None = None,
    adjust_domain_lonely: bool = False,
) -> np.ndarray:
    """Covariance matrix (or its diagonal) of the estimated totals from deepest-stage unit totals.

    ``T``: the totals, or one array of them per stage (see :func:`calibrated_unit_totals`).

    ``present``: the rows of the domain being estimated, where the lonely-PSU rules look at
    the domain as R does (R estimates a domain on a subset that has only the domain's rows):
    under "average" the other strata are scaled up by the number of strata with rows in the
    domain over those of them that are not lonely; with ``adjust_domain_lonely`` (R's
    ``options(survey.adjust.domain.lonely = TRUE)``) a stratum with several PSUs of which one
    has rows in the domain is centred at the average PSU total under "adjust" and left out
    (the others scaled up) under "average". Where every stratum drops out under "average",
    the variance cannot be estimated and is NaN (R: NaN too).
    """
    L = design.deepest
    per_stage = [np.asarray(t, dtype=float) for t in T] if isinstance(T, list) else None
    if per_stage is None:
        T = np.asarray(T, dtype=float)
        per_stage = [T] * (L + 1)
    per_stage = [t[:, None] if t.ndim == 1 else t for t in per_stage]
    p = per_stage[0].shape[1]
    deep_units = design.stages[L].units
    first_deep = first_rows(deep_units)
    V = np.zeros(p) if diagonal else np.zeros((p, p))
    multiplier_rows = np.ones(design.n)  # product of sampling fractions of the stages above
    for s in range(L + 1):
        st = design.stages[s]
        first_unit_row = first_rows(st.units)
        # totals of stage-s units: aggregate the deep-unit totals upwards
        deep_to_s = st.units[first_deep]
        n_s_units = first_unit_row.size
        U = np.zeros((n_s_units, p))
        np.add.at(U, deep_to_s, per_stage[s])
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
        domain_lonely = np.zeros_like(lonely)
        stratum_present = np.ones(n_strata_codes, dtype=bool)
        if present is not None:
            unit_present = np.bincount(st.units[present], minlength=n_s_units) > 0
            n_sub = np.bincount(
                strata, weights=unit_present.astype(float), minlength=n_strata_codes
            )
            stratum_present = n_sub > 0
            if adjust_domain_lonely:
                domain_lonely = (n_sub[strata] == 1) & (n_h > 1)
        if design.lonely_psu == "adjust" and (lonely.any() or domain_lonely.any()):
            # R survey >= 4.3: a lonely PSU deviates from the average PSU total over all
            # strata (within its parent unit at later stages), not from zero
            parent = (
                design.stages[s - 1].units[rows] if s > 0 else np.zeros(rows.size, dtype=np.int64)
            )
            n_par = int(parent.max()) + 1
            parent_sums = np.zeros((n_par, p))
            np.add.at(parent_sums, parent, U)
            parent_units = np.bincount(parent, minlength=n_par).astype(float)
            centre = parent_sums[parent] / parent_units[parent][:, None]
            dev = np.where((lonely | domain_lonely)[:, None], U - centre, dev)
        if lonely.any() and design.lonely_psu == "fail" and np.any(scale[lonely] > 0):
            bad = int(np.flatnonzero(lonely & (scale > 0))[0])
            raise DataError(
                f"stratum {design.stratum_label(s, int(rows[bad]))} has only one PSU at stage {s + 1}; "
                "choose lonely_psu='remove', 'certainty', 'average' or 'adjust'"
            )
        weight = scale * mult
        if design.lonely_psu == "average" and domain_lonely.any():
            lonely = lonely | domain_lonely  # R: scale NA, the stratum drops out
        if design.lonely_psu == "average" and lonely.any():
            # R: lonely strata drop out and the others are scaled up, within each parent unit
            parent = (
                design.stages[s - 1].units[rows] if s > 0 else np.zeros(rows.size, dtype=np.int64)
            )
            stratum_first = first_rows(strata)
            seen = stratum_first >= 0
            s_parent = parent[stratum_first[seen]]
            s_in = stratum_present[np.flatnonzero(seen)].astype(float)  # strata of the domain
            s_lonely = lonely[stratum_first[seen]] & (scale[stratum_first[seen]] > 0)
            n_par = int(parent.max()) + 1
            nstrat = np.bincount(s_parent, weights=s_in, minlength=n_par)
            nok = nstrat - np.bincount(s_parent, weights=s_lonely * s_in, minlength=n_par)
            # every stratum of the domain dropped out: no variance can be estimated (R: NaN)
            factor = np.where(
                nok > 0, nstrat / np.maximum(nok, 1), np.where(nstrat > 0, np.nan, 0.0)
            )
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
