"""The four cells of a difference in differences, combined into the DiD and the ratio of ratios.

Two ways, depending on where the cells come from:

* :func:`from_table`: the cells are domain estimates of one survey design
  (:class:`~prevalence.survey.DomainTable`), with the covariance between them (shared PSUs,
  the same people at two times). The DiD is a linear contrast; the ratio of ratios gets a
  delta-method interval on the log scale. Both use the full covariance, so a panel's
  positive correlation between periods narrows them.
* :func:`from_independent`: the cells are separate estimates (four data sets, any
  estimator). Their draws (bootstrap replicates or posterior draws) are combined draw by
  draw; a cell without draws contributes draws of a log-normal approximation matched to its
  interval (as :func:`~prevalence.core.compare.compare_estimates`). Intervals are equal-tailed
  percentiles of the combined draws: no normal approximation where draws exist.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from ..core.compare import (
    DEFAULT_COMPARISON_DRAWS,
    combined_draws_kind,
    compare_correlated,
    compare_estimates,
    draws_for,
    same_scale,
)
from ..core.errors import EstimationError
from ..core.intervals import critical_value, percentile_interval
from ..core.random import SeedLike, as_generator
from ..core.results import Comparison, Estimate
from ..survey.table import DomainTable

__all__ = ["CELLS", "from_table", "from_independent", "change_between"]

CELLS = (
    ("programme", "baseline"),
    ("programme", "endline"),
    ("comparison", "baseline"),
    ("comparison", "endline"),
)
DID_COEFFICIENTS = {CELLS[0]: -1.0, CELLS[1]: 1.0, CELLS[2]: 1.0, CELLS[3]: -1.0}


def from_table(
    table: DomainTable,
    names: Mapping[tuple[str, str], str],
    level: float,
    *,
    independent_periods: bool = False,
) -> tuple[Estimate, Estimate, dict[str, Comparison]]:
    """DiD, ratio of ratios and each group's change from one design's cell estimates.

    ``names`` maps each cell to its name in ``table``. ``independent_periods=True`` drops
    the covariance between the baseline and endline cells (what treating two waves of a
    panel as independent samples would give; for comparison only). Intervals use t with the
    design's degrees of freedom (normal for a table without them), as ``svyciprop`` and
    ``svyglm`` do; R's ``confint(svycontrast(...))`` would use the normal quantile.
    """
    idx = [table.names.index(names[c]) for c in CELLS]
    theta = table.values.to_numpy(dtype=float)[idx]
    V = table.vcov.to_numpy(dtype=float)[np.ix_(idx, idx)]
    if independent_periods:
        period = np.array([0, 1, 0, 1])
        V = np.where(period[:, None] == period[None, :], V, 0.0)
    z = critical_value(level, table.degf)
    how = "one survey design, covariance between cells" + (
        " (periods treated as independent)" if independent_periods else ""
    )
    c = np.array([DID_COEFFICIENTS[k] for k in CELLS])
    did = float(c @ theta)
    se = math.sqrt(max(float(c @ V @ c), 0.0))
    did_est = Estimate(
        did,
        did - z * se,
        did + z * se,
        level,
        f"difference in differences ({how}, {_interval_name(table.degf)})",
        None,
        {"std_error": se, "source": how},
        scale=table.statistic,
    )
    ror_est = _log_ratio_of_ratios(theta, V, level, how, table.degf)
    changes = {}
    for g, (b, e) in {"programme": (0, 1), "comparison": (2, 3)}.items():
        changes[g] = change_between(theta, V, b, e, level, how, table.statistic, table.degf)
    return did_est, ror_est, changes


def _interval_name(degf: float | None) -> str:
    return "normal interval" if degf is None else f"t interval, {degf:g} design df"


def _log_ratio_of_ratios(
    theta: np.ndarray, V: np.ndarray, level: float, how: str, degf: float | None
) -> Estimate:
    if np.any(theta <= 0):
        nan = math.nan
        return Estimate(
            nan, nan, nan, level, "ratio of ratios undefined (a cell estimate is not positive)"
        )
    grad = np.array([-1.0, 1.0, 1.0, -1.0]) / theta
    log_r = float(np.log(theta) @ np.array([-1.0, 1.0, 1.0, -1.0]))
    se = math.sqrt(max(float(grad @ V @ grad), 0.0))
    z = critical_value(level, degf)
    return Estimate(
        math.exp(log_r),
        math.exp(log_r - z * se),
        math.exp(log_r + z * se),
        level,
        f"ratio of ratios ({how}, log-scale delta-method {_interval_name(degf)})",
        None,
        {"std_error_log": se, "source": how},
        scale="ratio",
    )


def change_between(
    theta: np.ndarray,
    V: np.ndarray,
    b: int,
    e: int,
    level: float,
    how: str,
    scale: str,
    degf: float | None,
) -> Comparison:
    """Baseline ``b`` against endline ``e`` of correlated estimates ``theta`` with covariance ``V``."""
    z = critical_value(level, degf)

    def cell(i: int) -> Estimate:
        se = math.sqrt(max(V[i, i], 0.0))
        return Estimate(
            theta[i],
            theta[i] - z * se,
            theta[i] + z * se,
            level,
            "cell estimate",
            None,
            {"std_error": se},
            scale=scale,
        )

    return compare_correlated(
        cell(b), cell(e), V[b, b], V[e, e], V[b, e], level=level, how=how, df=degf
    )


def from_independent(
    cells: Mapping[tuple[str, str], Estimate],
    level: float,
    *,
    seed: SeedLike = None,
    n_draws: int | None = None,
    joint: bool = False,
) -> tuple[Estimate, Estimate, dict[str, Comparison]]:
    """DiD, ratio of ratios and each group's change from four independent cell estimates.

    ``joint=True``: the cells' draws come from one joint posterior (draw ``i`` of every
    cell is the same posterior draw); they are then combined index by index, never
    resampled.
    """
    ests = [cells[c] for c in CELLS]
    if joint:
        sizes_joint = {0 if e.draws is None else e.draws.size for e in ests}
        if len(sizes_joint) != 1 or 0 in sizes_joint:
            raise ValueError("joint cells need draws of the same length")
        n_draws = sizes_joint.pop()
    scale = same_scale(ests, "a difference in differences")
    rng = as_generator(seed)
    sizes = {e.draws.size for e in ests if e.draws is not None and e.draws.size > 0}
    own = [e.draws is not None and e.draws.size > 0 for e in ests]
    if n_draws is None:
        n_draws = sizes.pop() if (len(sizes) == 1 and all(own)) else DEFAULT_COMPARISON_DRAWS
    if n_draws < 2:
        raise ValueError(f"n_draws must be at least 2, got {n_draws}")
    try:
        pb, pe, cb, ce = (draws_for(e, n_draws, rng)[0] for e in ests)
    except EstimationError as err:
        raise EstimationError(f"cannot combine the cells: {err}") from None
    kind = combined_draws_kind(ests, own)
    how = {
        "posterior": "one joint posterior" if joint else "independent cells, posterior draws",
        "bootstrap": "independent cells, bootstrap replicates",
        "approximation": "independent cells, log-normal approximations to each cell",
        "mixed": "independent cells, draws and approximations combined",
    }[kind]
    v = [e.value for e in ests]
    did_draws = (pe - pb) - (ce - cb)
    lo, hi = percentile_interval(did_draws, level)
    did = Estimate(
        (v[1] - v[0]) - (v[3] - v[2]),
        lo,
        hi,
        level,
        f"difference in differences ({how}, percentile interval)",
        did_draws,
        {"std_error": float(np.std(did_draws, ddof=1)), "n_draws": n_draws, "source": how},
        draws_kind=kind,
        scale=scale,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ror_draws = (pe / pb) / (ce / cb)
    ror_draws = np.where(np.isfinite(ror_draws) & (ror_draws > 0), ror_draws, np.nan)
    bad = int(np.count_nonzero(np.isnan(ror_draws)))
    lo, hi = percentile_interval(ror_draws, level)
    ror_value = (v[1] / v[0]) / (v[3] / v[2]) if min(v) > 0 else math.nan
    ror = Estimate(
        ror_value,
        lo,
        hi,
        level,
        f"ratio of ratios ({how}, percentile interval)",
        ror_draws,
        {"n_draws": n_draws, "source": how},
        (f"{bad} of {n_draws} draws had a cell at or below zero; the ratio ignores them",)
        if bad
        else (),
        draws_kind=kind,
        scale="ratio",
    )
    rng_changes = as_generator(rng.integers(2**63))
    changes = {
        "programme": compare_estimates(ests[0], ests[1], seed=rng_changes, n_draws=n_draws),
        "comparison": compare_estimates(ests[2], ests[3], seed=rng_changes, n_draws=n_draws),
    }
    if joint:  # equal-length draws were paired index by index: say so instead of "independent"
        changes = {
            g: Comparison(
                c.baseline,
                c.endline,
                _relabel(c.difference, "change endline - baseline (one joint posterior)"),
                _relabel(c.ratio, "ratio endline / baseline (one joint posterior)"),
            )
            for g, c in changes.items()
        }
    return did, ror, changes


def _relabel(est: Estimate, method: str) -> Estimate:
    details = {k: v for k, v in est.details.items() if k != "independent"}
    details["source"] = "one joint posterior"
    return replace(est, method=method, details=details)
