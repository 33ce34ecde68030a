"""Validation and preparation of the tidy area-by-period frame for the hierarchical models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import DataError

__all__ = ["AreaData", "prepare"]


@dataclass(frozen=True)
class AreaData:
    """Model-ready arrays, one entry per row of the frame (an area in a period)."""

    frame: pd.DataFrame
    area_labels: list
    period_labels: list
    area: np.ndarray  # area index per row
    period: np.ndarray  # period index per row
    kind: str  # "counts" or "direct"
    scale: str  # "logit" or "log": the scale of the linear predictor
    cases: np.ndarray | None
    trials: np.ndarray | None
    theta_hat: np.ndarray | None  # direct estimate on the model scale
    theta_se: np.ndarray | None
    direct: np.ndarray  # direct prevalence estimate per row
    X: np.ndarray  # standardised covariates (rows x k)
    population: np.ndarray | None
    programme: np.ndarray | None = None  # 1 for rows of programme areas, 0 otherwise

    @property
    def n_areas(self) -> int:
        return len(self.area_labels)

    @property
    def n_periods(self) -> int:
        return len(self.period_labels)


def _numeric(frame: pd.DataFrame, col: str, role: str) -> np.ndarray:
    if col not in frame.columns:
        raise DataError(
            f"unknown {role} column {col!r}; the frame has columns {list(frame.columns)}"
        )
    s = pd.to_numeric(frame[col], errors="coerce")
    bad = s.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{role} column {col!r} has a missing or non-numeric value at row {pos} ({frame[col].iloc[pos]!r})"
        )
    v = s.to_numpy(dtype=float)
    if not np.all(np.isfinite(v)):
        pos = int(np.flatnonzero(~np.isfinite(v))[0])
        raise DataError(f"{role} column {col!r} is not finite at row {pos}")
    return v


def prepare(
    frame: pd.DataFrame,
    *,
    area: str,
    period: str | None,
    cases: str | None,
    trials: str | None,
    estimate: str | None,
    std_error: str | None,
    population: str | None,
    covariates: Sequence[str],
    scale: str,
) -> AreaData:
    """Check the frame and turn it into arrays; every problem raises :class:`DataError`."""
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    if len(frame) == 0:
        raise DataError("the frame has no rows")
    frame = frame.reset_index(drop=True)
    counts_given = cases is not None or trials is not None
    direct_given = estimate is not None or std_error is not None
    if counts_given == direct_given:
        raise DataError(
            "give either cases= and trials= (counts) or estimate= and std_error= (direct estimates)"
        )
    for col, role in ((area, "area"), (period, "period")):
        if col is None:
            continue
        if col not in frame.columns:
            raise DataError(
                f"unknown {role} column {col!r}; the frame has columns {list(frame.columns)}"
            )
        if frame[col].isna().any():
            pos = int(np.flatnonzero(frame[col].isna().to_numpy())[0])
            raise DataError(f"{role} column {col!r} has a missing value at row {pos}")
    area_codes, area_labels = pd.factorize(frame[area], sort=True)
    if period is not None:
        period_codes, period_labels = pd.factorize(frame[period], sort=True)
    else:
        period_codes, period_labels = np.zeros(len(frame), dtype=np.int64), pd.Index([None])
    key = pd.Series(area_codes * len(period_labels) + period_codes)
    if key.duplicated().any():
        pos = int(np.flatnonzero(key.duplicated().to_numpy())[0])
        what = f"area {frame[area].iloc[pos]!r}" + (
            f" in period {frame[period].iloc[pos]!r}" if period else ""
        )
        raise DataError(
            f"{what} appears more than once (row {pos}): give one row per area and period"
        )
    if period is not None:
        present = np.zeros((len(area_labels), len(period_labels)), dtype=bool)
        present[area_codes, period_codes] = True
        missing = [
            (area_labels[a], period_labels[t]) for a, t in zip(*np.nonzero(~present), strict=True)
        ]
        if missing:
            raise DataError(
                f"{len(missing)} area-period combinations are missing, e.g. area {missing[0][0]!r} in period "
                f"{missing[0][1]!r}: every area needs a row for every period"
            )
    if counts_given:
        if cases is None or trials is None:
            raise DataError("counts need both cases= and trials=")
        y = _numeric(frame, cases, "cases")
        n = _numeric(frame, trials, "trials")
        for test, msg in (
            (y < 0, "cases must not be negative"),
            (n <= 0, "trials must be positive"),
            (y > n, "cases exceed trials"),
        ):
            if test.any():
                pos = int(np.flatnonzero(test)[0])
                raise DataError(f"{msg}: row {pos} has cases={y[pos]:g}, trials={n[pos]:g}")
        kind, theta_hat, theta_se, direct = "counts", None, None, y / n
    else:
        if estimate is None or std_error is None:
            raise DataError("direct estimates need both estimate= and std_error=")
        est = _numeric(frame, estimate, "estimate")
        se = _numeric(frame, std_error, "std_error")
        if np.any(se <= 0):
            pos = int(np.flatnonzero(se <= 0)[0])
            raise DataError(
                f"standard errors must be positive: row {pos} has {se[pos]:g} (an area with a zero standard "
                "error usually has an estimate of 0 or 1: use the counts model, cases= and trials=)"
            )
        if scale == "logit":
            if np.any((est <= 0) | (est >= 1)):
                pos = int(np.flatnonzero((est <= 0) | (est >= 1))[0])
                raise DataError(
                    f"estimate at row {pos} is {est[pos]:g}: the logit scale needs prevalences strictly between "
                    "0 and 1 (use the counts model for areas with no or only cases)"
                )
            theta_hat = np.log(est / (1 - est))
            theta_se = se / (est * (1 - est))
        elif scale == "log":
            if np.any(est <= 0):
                pos = int(np.flatnonzero(est <= 0)[0])
                raise DataError(
                    f"estimate at row {pos} is {est[pos]:g}: the log scale needs positive estimates"
                )
            theta_hat, theta_se = np.log(est), se / est
        else:
            raise DataError(f"scale must be 'logit' or 'log', got {scale!r}")
        kind, y, n, direct = "direct", None, None, est
    cov_cols = list(covariates)
    if cov_cols:
        X = np.column_stack([_numeric(frame, c, "covariate") for c in cov_cols])
        sd = X.std(axis=0)
        if np.any(sd == 0):
            raise DataError(f"covariate {cov_cols[int(np.flatnonzero(sd == 0)[0])]!r} is constant")
        X = (X - X.mean(axis=0)) / sd
    else:
        X = np.zeros((len(frame), 0))
    pop = None
    if population is not None:
        pop = _numeric(frame, population, "population")
        if np.any(pop <= 0):
            pos = int(np.flatnonzero(pop <= 0)[0])
            raise DataError(f"population must be positive: row {pos} has {pop[pos]:g}")
    return AreaData(
        frame=frame,
        area_labels=list(area_labels),
        period_labels=list(period_labels),
        area=area_codes.astype(np.int64),
        period=np.asarray(period_codes, dtype=np.int64),
        kind=kind,
        scale="logit" if kind == "counts" else scale,
        cases=y,
        trials=n,
        theta_hat=theta_hat,
        theta_se=theta_se,
        direct=direct,
        X=X,
        population=pop,
    )
