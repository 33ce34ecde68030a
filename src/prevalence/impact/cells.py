"""The four cells of a difference in differences, combined into the DiD and the ratio of ratios.

Two ways, depending on where the cells come from:

* :func:`from_table`: the cells are domain estimates of one survey design
  (:class:`~prevalence.survey.DomainTable`), with the covariance between them (shared PSUs,
  the same people at two times). The DiD is a linear contrast; the ratio of ratios gets a
  delta-method interval on the log scale. Both use the full covariance, so a panel's
  positive correlation between periods narrows them.
* :func:`from_independent`: the cells are separate estimates (four data sets, any
  estimator), combined by the rule of :func:`~prevalence.core.compare.combine_independent`:
  a BCa interval when all four are BCa bootstraps, otherwise equal-tailed percentiles of
  draws matched to each cell's own interval (posterior draws as they are). No normal
  approximation where draws exist.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from ..core.compare import (
    combine_independent,
    compare_correlated,
    compare_estimates,
    note_zero_width,
    same_scale,
)
from ..core.errors import EstimationError
from ..core.intervals import critical_value
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
    did_est = note_zero_width(
        did_est,
        "difference in differences",
        "no sampling variance (no cell estimate has any: all respondents alike, say)",
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
        first = int(np.flatnonzero(theta <= 0)[0])
        return Estimate(
            nan,
            nan,
            nan,
            level,
            "ratio of ratios undefined (a cell estimate is not positive)",
            warnings=(
                f"the ratio of ratios is undefined: the {CELLS[first][0]} estimate at "
                f"{CELLS[first][1]} is {theta[first]:g}; the difference in differences is "
                "defined",
            ),
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


def _did(pb: Any, pe: Any, cb: Any, ce: Any) -> Any:
    return (pe - pb) - (ce - cb)


def _ratio_of_ratios(pb: Any, pe: Any, cb: Any, ce: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (pe / pb) / (ce / cb)
    return np.where(np.isfinite(r) & (r > 0), r, np.nan)


def from_independent(
    cells: Mapping[tuple[str, str], Estimate],
    level: float,
    *,
    seed: SeedLike = None,
    n_draws: int | None = None,
    joint: bool = False,
) -> tuple[Estimate, Estimate, dict[str, Comparison]]:
    """DiD, ratio of ratios and each group's change from four independent cell estimates.

    The rule of :func:`~prevalence.core.compare.combine_independent`: a BCa interval when
    all four cells are BCa bootstraps (bias correction from the DiD's replicates,
    acceleration from the four jackknives), otherwise the percentile interval of draws
    matched to each cell's own interval. ``joint=True``: the cells' draws come from one
    joint posterior (draw ``i`` of every cell is the same posterior draw); they are then
    combined index by index, never resampled.
    """
    ests = [cells[c] for c in CELLS]
    scale = same_scale(ests, "a difference in differences")
    rng = as_generator(seed)
    try:
        out = combine_independent(
            ests,
            {"did": _did, "ratio of ratios": _ratio_of_ratios},
            level=level,
            rng=rng,
            n_draws=n_draws,
            paired=joint,
        )
    except EstimationError as err:
        raise EstimationError(f"cannot combine the cells: {err}") from None
    d, r = out["did"], out["ratio of ratios"]
    how = {
        "posterior": "one joint posterior" if joint else "independent cells, posterior draws",
        "bootstrap": "independent cells, bootstrap replicates",
        "approximation": "independent cells, approximations matched to each cell's interval",
        "mixed": "independent cells, draws and approximations combined",
    }[d.draws_kind]
    did = d.estimate(
        level,
        f"difference in differences ({how}, {d.interval_text})",
        scale,
        std_error=float(np.nanstd(d.draws, ddof=1)),
        source=how,
    )
    ror = r.estimate(
        level,
        f"ratio of ratios ({how}, {r.interval_text})",
        "ratio",
        source=how,
    )
    if min(e.value for e in ests) <= 0:
        ror = replace(ror, value=math.nan)
    n_used = d.draws.size
    rng_changes = as_generator(int(rng.integers(2**63)))
    changes = {
        "programme": compare_estimates(ests[0], ests[1], seed=rng_changes, n_draws=n_used),
        "comparison": compare_estimates(ests[2], ests[3], seed=rng_changes, n_draws=n_used),
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
