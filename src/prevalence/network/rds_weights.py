"""Weights, standard errors and homophily of respondent-driven sampling estimators.

* RDS-I (Salganik and Heckathorn 2004): a Markov chain over the outcome's groups from the
  recruitment transitions; group shares are its stationary distribution over the groups'
  harmonic mean degrees.
* RDS-II (Volz and Heckathorn 2008): weights inversely proportional to degree.
* Gile's successive-sampling estimator (Gile 2011): weights are inverse inclusion
  probabilities under successive sampling (:mod:`~prevalence.network.successive`).

All follow R's ``RDS`` 0.9-10 (``compute.weights``, ``EL.se``, ``homophily.estimates``)
formula by formula; the comments say where R's choices are unusual and kept on purpose.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import EstimationError
from .recruitment import Recruitment

__all__ = [
    "transition_counts",
    "stationary_distribution",
    "rds1_weights",
    "rds2_weights",
    "el_std_error",
    "weighted_variance",
    "population_homophily",
    "recruitment_homophily",
]


def transition_counts(groups: np.ndarray, recruiter: np.ndarray, n_groups: int) -> np.ndarray:
    """Recruiter-group by recruit-group counts (``RDS``'s ``count.transitions``).

    ``groups`` holds codes ``0..n_groups-1`` and ``-1`` for a missing outcome; seeds and
    respondents whose recruiter's outcome is missing do not count. A group that recruited
    nobody gets 0.1 in every cell of its row, as R does, so the chain stays defined.
    """
    rec = recruiter >= 0
    a = groups[recruiter[rec]]
    b = groups[rec]
    ok = (a >= 0) & (b >= 0)
    t = np.zeros((n_groups, n_groups))
    np.add.at(t, (a[ok], b[ok]), 1.0)
    empty = t.sum(axis=1) == 0
    t[empty] = 0.1
    return t


def stationary_distribution(transitions: np.ndarray) -> np.ndarray:
    """Stationary distribution of the chain with these (row) transition counts.

    Raises :class:`EstimationError` when the chain is periodic or the distribution is not
    unique (R returns ``NA`` there).
    """
    mle = transitions / transitions.sum(axis=1, keepdims=True)
    values, vectors = np.linalg.eig(mle.T)
    tol = math.sqrt(np.finfo(float).eps)
    if np.count_nonzero(np.abs(values + 1.0) < tol) == 1:
        raise EstimationError("RDS-I: the recruitment Markov chain is periodic")
    one = np.flatnonzero(np.abs(values - 1.0) < tol)
    if one.size != 1:
        raise EstimationError(
            "RDS-I: the recruitment Markov chain has no unique stationary distribution "
            "(some groups never recruit each other)"
        )
    v = np.real(vectors[:, one[0]])
    return v / v.sum()


def rds1_weights(
    groups: np.ndarray,
    recruitment: Recruitment,
    population_size: float | None,
) -> np.ndarray:
    """RDS-I weights (``rds.I.weights``; not smoothed).

    Each group's share is ``(q_g / h_g) / sum(q / h)`` with ``q`` the stationary
    distribution of the recruitment chain and ``h_g`` the group's harmonic mean degree; a
    respondent's weight is the group's share over its number of respondents. Respondents with
    a missing outcome get weight 0.
    """
    n = groups.size
    if np.unique(groups[groups >= 0]).size <= 1:
        # one group among the respondents (everyone has the trait, or nobody): there is no
        # recruitment between groups to weight by, and every respondent counts alike
        w = np.full(n, 1.0 / n)
    else:
        n_groups = int(groups.max()) + 1
        q = stationary_distribution(transition_counts(groups, recruitment.recruiter, n_groups))
        deg = recruitment.degree
        counts = np.bincount(groups[groups >= 0], minlength=n_groups).astype(float)
        inv = np.bincount(groups[groups >= 0], weights=1.0 / deg[groups >= 0], minlength=n_groups)
        h = counts / inv
        share = (q / h) / np.sum(q / h)
        w = np.zeros(n)
        ok = groups >= 0
        w[ok] = share[groups[ok]] / counts[groups[ok]]
    if population_size is not None:
        w = population_size * w / w.sum()
    return w


def rds2_weights(degree: np.ndarray, population_size: float | None) -> np.ndarray:
    """RDS-II (Volz-Heckathorn) weights ``1 / (n d_i / sum d)`` (``vh.weights``).

    Without a population size R leaves them on this scale (they average about one); with
    one they are scaled to sum to it.
    """
    d = np.asarray(degree, dtype=float)
    w = 1.0 / (d.size * d / d.sum())
    if population_size is not None:
        w = population_size * w / w.sum()
    return w


def weighted_variance(x: np.ndarray, weights: np.ndarray) -> float:
    """``sum w (x - xbar)^2 / (sum w - 1)`` (Hmisc's ``wtd.var``, which ``RDS`` uses for
    design effects; it depends on the weights' scale, and is kept so for agreement)."""
    sw = weights.sum()
    xbar = np.sum(weights * x) / sw
    return float(np.sum(weights * (x - xbar) ** 2) / (sw - 1.0))


def el_std_error(
    weights: np.ndarray, outcome: np.ndarray, population_size: float | None, n_total: int
) -> float:
    """The standard error ``RDS`` reports with its point estimates (``EL.se``, second order).

    Pairwise weights ``w_i w_j`` are capped at ten times their median; the variance of the
    pairwise-weighted mean of ``(y_i + y_j) / 2`` over pairs ``i > j`` is
    ``4 sum_i G_i^2 / (sum_{i>j} w_ij^2)^2`` with
    ``G_i = sum_{j<i} w_ij^2 ((y_i + y_j)/2 - estimate)``; a population size adds the
    finite-population factor ``(N - n) / (N - 1)`` with ``n`` all respondents (missing
    outcomes included, as R). The pairs are processed in blocks of rows, so memory stays
    linear in ``n`` apart from the median.
    """
    ok = np.isfinite(weights) & np.isfinite(outcome)
    w = weights[ok]
    y = outcome[ok].astype(float)
    m = w.size
    if m < 2 or not np.any(w > 0):
        return math.nan  # no pairs of weighted respondents: no standard error
    # median of all m*m pairwise products (diagonal included, as R's median(outer(w, w)))
    median = _median_of_products(w)
    cap = 10.0 * median
    # pass 1: the pairwise estimate; pass 2: G_i and the denominator
    num = den = 0.0
    block = max(1, 4_000_000 // max(m, 1))
    for start in range(1, m, block):
        rows = np.arange(start, min(m, start + block))
        wij = np.minimum(np.outer(w[rows], w), cap)
        lower = np.arange(m)[None, :] < rows[:, None]
        oij = 0.5 * (y[rows][:, None] + y[None, :])
        num += float(np.sum(oij * wij * lower))
        den += float(np.sum(wij * lower))
    est = num / den
    g_sq = 0.0
    wv = 0.0
    for start in range(1, m, block):
        rows = np.arange(start, min(m, start + block))
        wij = np.minimum(np.outer(w[rows], w), cap)
        lower = np.arange(m)[None, :] < rows[:, None]
        oij = 0.5 * (y[rows][:, None] + y[None, :])
        w2 = wij * wij * lower
        g = np.sum(w2 * (oij - est), axis=1)
        g_sq += float(np.sum(g * g))
        wv += float(np.sum(w2))
    var = 4.0 * g_sq / wv**2
    if population_size is not None:
        var = (population_size - n_total) * var / (population_size - 1.0)
    return math.sqrt(var)


def _median_of_products(w: np.ndarray) -> float:
    """Median of ``w_i * w_j`` over all ordered pairs (``i == j`` included).

    Up to 3,000 respondents the products are formed. Beyond that each order statistic is
    found by bisection on sorted weights (counting the pairs below a value costs one
    ``searchsorted``), to a relative precision of 1e-15: the median is only used as a cap,
    so this changes no result beyond rounding, and needs no m*m array.
    """
    m = w.size
    if m <= 3000:
        return float(np.median(np.outer(w, w)))
    s = np.sort(w)

    def kth(k: int) -> float:  # the (0-based) k-th smallest product
        lo, hi = s[0] * s[0] * (1 - 1e-12), s[-1] * s[-1]
        while hi - lo > 1e-15 * hi:
            mid = 0.5 * (lo + hi)
            if int(np.searchsorted(s, mid / s, side="right").sum()) > k:
                hi = mid
            else:
                lo = mid
        return float(hi)

    total = m * m
    if total % 2:
        return kth(total // 2)
    return 0.5 * (kth(total // 2 - 1) + kth(total // 2))


def population_homophily(
    indicator: np.ndarray, weights: np.ndarray, recruitment: Recruitment
) -> float:
    """Population homophily of a binary trait (``homophily.estimates``, not recruitment).

    The ties of each respondent to either group are estimated from the share of their
    recruits in it times their degree; respondents who recruited nobody get weight 0. The
    estimate is ``2 p d0 (1 - p) d1 / (s01 d)`` with the weighted prevalence ``p``, group mean
    degrees ``d0``, ``d1``, mean degree ``d`` and mean cross-group ties ``s01``.
    """
    rec = recruitment.recruiter
    n = indicator.size
    n_rec = np.bincount(rec[rec >= 0], minlength=n).astype(float)
    ones = np.bincount(rec[rec >= 0], weights=indicator[rec >= 0], minlength=n)
    deg = recruitment.degree
    has = n_rec > 0
    w = np.where(has, weights, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        deg1 = np.where(has, ones * deg / n_rec, 0.0)
        deg0 = np.where(has, (n_rec - ones) * deg / n_rec, 0.0)

    def ht(v: np.ndarray) -> float:
        return float(np.sum(w * v) / np.sum(w))

    p = ht(indicator)
    d0 = ht(deg * (indicator == 0)) / (1 - p)
    d1 = ht(deg * (indicator == 1)) / p
    dbar = ht(deg)
    s01 = ht((indicator == 1) * deg0 + (indicator == 0) * deg1)
    return 2 * p * d0 * (1 - p) * d1 / (s01 * dbar)


def recruitment_homophily(groups: np.ndarray, recruitment: Recruitment) -> float:
    """Recruitment homophily: observed within-group recruitments over those expected from the
    margins of the transition table (``homophily.estimates(recruitment=TRUE)``)."""
    n_groups = int(groups.max()) + 1
    rec = recruitment.recruiter >= 0
    a = groups[recruitment.recruiter[rec]]
    b = groups[rec]
    ok = (a >= 0) & (b >= 0)
    t = np.zeros((n_groups, n_groups))
    np.add.at(t, (a[ok], b[ok]), 1.0)
    expected = np.sum(t.sum(axis=1) * t.sum(axis=0)) / t.sum()
    return float(np.trace(t) / expected)
