"""Design-based tests of association in a two-way table (R's ``svychisq``).

Pearson's X^2 on the weighted table scaled to the sample size, with the Rao-Scott
corrections for the design (Rao and Scott 1984; Thomas and Rao 1987), as R survey's
``svychisq.survey.design``:

* ``"F"`` (R's default): X^2 / tr(Delta) against F(d0, d0 nu), ``d0 = tr(Delta)^2 /
  tr(Delta^2)`` (the second-order correction), ``nu`` the design degrees of freedom;
* ``"Chisq"``: X^2 / mean(diag(Delta)) against chi-square((r-1)(c-1)) (first-order);

where ``Delta`` is the generalised design effect matrix of the interaction contrasts,
``(C' D^-1 C / N)^-1 C' D^-1 V D^-1 C``: ``V`` the design covariance of the cell
proportions, ``D`` their diagonal, ``C`` the interaction columns of the saturated model made
orthogonal to the main effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import DataError

__all__ = ["TableTest", "rao_scott"]


@dataclass(frozen=True)
class TableTest:
    """The result of a test of association: statistic, degrees of freedom, p-value."""

    statistic: float
    p_value: float
    ndf: float
    ddf: float | None
    method: str
    pearson: float  # Pearson's X^2 on the scaled weighted table
    table: pd.DataFrame  # the weighted table scaled to the sample size

    def __str__(self) -> str:
        df = f"ndf = {self.ndf:.4g}" + (f", ddf = {self.ddf:.4g}" if self.ddf else "")
        return (
            f"{self.method}: statistic = {self.statistic:.5g}, {df}, p-value = {self.p_value:.4g}"
        )


def _main_effects(nr: int, nc: int) -> tuple[np.ndarray, np.ndarray]:
    """R's model.matrix(~rows + cols) and the interaction columns, cells with rows fastest."""
    rows = np.tile(np.arange(nr), nc)
    cols = np.repeat(np.arange(nc), nr)
    r_dummies = (rows[:, None] == np.arange(1, nr)[None, :]).astype(float)
    c_dummies = (cols[:, None] == np.arange(1, nc)[None, :]).astype(float)
    X1 = np.column_stack([np.ones(nr * nc), r_dummies, c_dummies])
    # interactions in R's order: row 2..nr within column 2, then column 3...
    inter = np.column_stack(
        [r_dummies[:, i] * c_dummies[:, j] for j in range(nc - 1) for i in range(nr - 1)]
    )
    return X1, inter


def rao_scott(design: Any, row: str, column: str, statistic: str = "F") -> TableTest:
    """Rao-Scott test of independence of ``row`` and ``column`` in ``design`` (R's ``svychisq``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from prevalence.survey import SurveyDesign
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"a": rng.integers(0, 2, 200), "b": rng.integers(0, 3, 200),
    ...                    "w": rng.uniform(1, 2, 200), "psu": np.arange(200) // 4})
    >>> test = SurveyDesign(df, weights="w", clusters="psu").chisq("a", "b")
    >>> test.method, 0 < test.p_value < 1
    ('Pearson X^2: Rao & Scott adjustment (F)', True)
    """
    if statistic not in ("F", "Chisq"):
        raise ValueError(f"statistic must be 'F' or 'Chisq', got {statistic!r}")
    data = design.data
    for name in (row, column):
        if not isinstance(name, str) or name not in data.columns:
            raise DataError(f"unknown column {name!r}; the data have columns {list(data.columns)}")
    keep = data[row].notna().to_numpy() & data[column].notna().to_numpy()
    if design._domain is not None:
        keep &= design._domain
    keep &= design.weights != 0
    r_levels = np.sort(data.loc[keep, row].unique())
    c_levels = np.sort(data.loc[keep, column].unique())
    nr, nc = len(r_levels), len(c_levels)
    if nr < 2 or nc < 2:
        raise DataError(
            f"a test of association needs at least two levels in each of {row!r} ({nr}) and "
            f"{column!r} ({nc})"
        )
    r_code = pd.Categorical(data[row], categories=r_levels).codes
    c_code = pd.Categorical(data[column], categories=c_levels).codes
    cell = np.where(keep, r_code + nr * c_code, -1)  # rows fastest, as R's interaction()
    names = [f"cell {k}" for k in range(nr * nc)]
    indicators = {n: (cell == k).astype(float) for k, n in enumerate(names)}
    sub = design.with_columns(**indicators)
    if not keep.all():
        sub = sub.subset(keep)
    table = sub.mean(names, vcov=True)
    p = table.values.to_numpy()
    V = table.vcov.to_numpy()
    N = int(keep.sum())
    nu = float(design.degf(keep))
    weighted = np.bincount(cell[keep], weights=design.weights[keep], minlength=nr * nc)
    scaled = (weighted * N / weighted.sum()).reshape(nc, nr).T  # svytable(..., Ntotal = N)
    expected = np.outer(scaled.sum(axis=1), scaled.sum(axis=0)) / scaled.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.nansum((scaled - expected) ** 2 / expected))
    X1, inter = _main_effects(nr, nc)
    Q, _ = np.linalg.qr(X1)
    C = inter - Q @ (Q.T @ inter)  # qr.resid
    inv_p = np.where(p == 0, 0.0, 1.0 / np.where(p == 0, 1.0, p))
    denom = C.T @ (inv_p[:, None] * C) / N
    numr = C.T @ (inv_p[:, None] * V * inv_p[None, :]) @ C
    delta = np.linalg.solve(denom, numr)
    trace = float(np.trace(delta))
    d0 = trace**2 / float(np.trace(delta @ delta))
    frame = pd.DataFrame(scaled, index=r_levels, columns=c_levels)
    if statistic == "F":
        value = pearson / trace
        return TableTest(
            value,
            float(stats.f.sf(value, d0, d0 * nu)),
            d0,
            d0 * nu,
            "Pearson X^2: Rao & Scott adjustment (F)",
            pearson,
            frame,
        )
    value = pearson / float(np.mean(np.diag(delta)))
    return TableTest(
        pearson,
        float(stats.chi2.sf(value, delta.shape[1])),
        float(delta.shape[1]),
        None,
        "Pearson X^2: Rao & Scott adjustment (chi-square)",
        pearson,
        frame,
    )
