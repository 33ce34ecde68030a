"""Bayesian model averaging over decomposable graphical models (Madigan and York 1997), as R ``dga``.

For every decomposable graph on the lists (see :mod:`prevalence.mse.graphs`) and every number
of unobserved people ``m`` on a grid, the joint posterior weight is

    p(G, m | y) ∝ p(G) p(N) N! / (m! Π y_c!) · Π_C ML(C, m) / Π_S ML(S, m),

with a hyper-Dirichlet prior (parameter ``delta`` per cell of the full table, hence
``delta · 2^(t - |C|)`` per cell of a clique margin), ``N = n + m`` and, by default,
``p(N) ∝ 1/N``. The clique and separator marginal likelihoods depend on ``m`` only through the
margin's all-zero cell, so the whole (graphs x grid) table is one matrix product per block of
the grid. The posterior of ``N`` is exact on the grid; no sampling is involved.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numba as nb
import numpy as np
import pandas as pd
from scipy.special import gammaln

from ..core.checks import positive_number, whole_number
from ..core.errors import DataError, EstimationError, EstimationWarning
from ..core.estimator import Estimator
from ..core.intervals import REPORTED_PROBS, check_level
from ..core.random import SeedLike, as_generator
from ..core.results import Estimate
from .algebra.graphs import MAX_GRAPH_LISTS, DecomposableGraph, decomposable_graphs
from .data.captures import CaptureHistories, as_captures
from .details import DecomposableBMADetails

__all__ = ["DecomposableBMA", "grid_quantile"]

N_PRIORS = ("inverse", "uniform")
POINTS = ("median", "mean")
_NEGLIGIBLE = 60.0  # graphs whose weight stays below exp(-60) of the largest count as 0
_CHUNKS = 64  # grid chunks accumulated in parallel
# the largest grid x margins table a fit allocates: a guard against a memory blow-up with very
# large lists, where the default grid of 15 n values of N is tens of millions long
MAX_GRID_BYTES = 2_000_000_000


def grid_quantile(values: np.ndarray, probs: np.ndarray, q: float) -> float:
    """The first grid value whose cumulative probability reaches ``q`` (as ``dga``).

    Examples
    --------
    >>> grid_quantile(np.array([10, 11, 12]), np.array([0.2, 0.5, 0.3]), 0.5)
    11.0
    """
    cum = np.cumsum(probs)
    k = int(np.searchsorted(cum, q * cum[-1] * (1 - 1e-12), side="left"))
    return float(values[min(k, len(values) - 1)])


class DecomposableBMA(Estimator):
    """Population size by model averaging over all decomposable graphical models (R ``dga``).

    Parameters
    ----------
    delta : float, optional
        Hyper-Dirichlet prior count per cell of the full ``2^t`` table. Default ``2**-t``
        (one pseudo-observation spread over the table), as recommended for ``dga``.
    max_missing : int, optional
        Largest number of unobserved people on the grid ``0, 1, ..., max_missing``. Default 15
        times the number observed. A warning says when the posterior has not vanished at the end.
    n_prior : {"inverse", "uniform"} or callable
        Prior of ``N``: ``1/N`` (default, as ``dga``), flat, or a function taking the array of
        ``N`` values and returning log prior weights.
    graph_prior : callable, optional
        Log prior weight of a :class:`~prevalence.mse.graphs.DecomposableGraph`; default equal
        weights.
    point : {"median", "mean"}
        Which posterior summary is the point estimate (default the median).
    level : float
        Level of the equal-tailed posterior interval (default 0.95).
    n_draws : int
        Number of draws from the exact posterior of ``N`` kept as ``draws`` (for
        :meth:`compare`); default 4000.
    seed : int or Generator, optional
        Seed of those draws.

    Notes
    -----
    Up to six lists (18,154 graphs); ``dga`` itself goes to five. Quantiles are the first grid
    value whose cumulative posterior reaches the level, as ``dga``. ``details`` holds the
    posterior mean and quantiles, the posterior of ``N`` on the grid and a table of the graphs
    with their posterior probabilities and conditional posterior means.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence import CaptureHistories, DecomposableBMA
    >>> df = pd.DataFrame({"A": [1, 0, 1, 1, 0, 1, 0], "B": [0, 1, 1, 0, 1, 1, 0],
    ...                    "C": [0, 0, 0, 1, 1, 1, 1], "count": [40, 30, 12, 20, 9, 5, 25]})
    >>> est = DecomposableBMA(seed=1).fit(CaptureHistories.from_counts(df))
    >>> est.value > 141
    True
    """

    input_kinds = ("captures", "records", "case_lists")
    details_schema = DecomposableBMADetails
    #: What the method assumes, in words (the run report's methods section).
    assumptions = (
        "Bayesian model averaging over all decomposable graphical log-linear models of the "
        "lists (Madigan and York 1997; R dga). Assumes a closed population and correct "
        "matching; the dependence between lists is one of the decomposable graphs, weighted "
        "by their posterior probability."
    )

    def __init__(
        self,
        delta: float | None = None,
        *,
        max_missing: int | None = None,
        n_prior: str | Callable[[np.ndarray], np.ndarray] = "inverse",
        graph_prior: Callable[[DecomposableGraph], float] | None = None,
        point: str = "median",
        level: float = 0.95,
        n_draws: int = 4000,
        seed: SeedLike = None,
    ) -> None:
        delta = None if delta is None else positive_number("delta", delta)
        max_missing = None if max_missing is None else whole_number("max_missing", max_missing)
        if not callable(n_prior) and n_prior not in N_PRIORS:
            raise ValueError(f"n_prior must be one of {N_PRIORS} or a function, got {n_prior!r}")
        if graph_prior is not None and not callable(graph_prior):
            raise ValueError("graph_prior must be a function of a DecomposableGraph")
        if point not in POINTS:
            raise ValueError(f"point must be one of {POINTS}, got {point!r}")
        n_draws = whole_number("n_draws", n_draws, 0)
        self.delta = None if delta is None else float(delta)
        self.max_missing = None if max_missing is None else int(max_missing)
        self.n_prior = n_prior
        self.graph_prior = graph_prior
        self.point = point
        self.level = check_level(level)
        self.n_draws = int(n_draws)
        self.seed = seed

    # ------------------------------------------------------------------ fitting
    def fit(self, data: CaptureHistories | pd.DataFrame) -> Estimate:
        """Average over every decomposable graph and return the posterior of ``N``."""
        captures = as_captures(data)
        t = captures.n_lists
        if t < 3 or t > MAX_GRAPH_LISTS:
            raise DataError(
                f"DecomposableBMA needs 3 to {MAX_GRAPH_LISTS} lists, got {t} ({list(captures.lists)})"
            )
        y = np.asarray(captures.cell_counts, dtype=float)
        n = float(captures.n_observed)
        delta = self.delta if self.delta is not None else 2.0**-t
        top = self.max_missing if self.max_missing is not None else int(15 * n)
        need = (top + 1) * (2**t + 4) * 8  # the grid x margins table and a few grid vectors
        if need > MAX_GRID_BYTES:
            raise DataError(
                f"DecomposableBMA would hold a grid of {top + 1:,} values of N for {2**t} "
                f"margins (about {need / 1e9:.1f} GB, limit {MAX_GRID_BYTES / 1e9:.0f} GB): give "
                "max_missing, the largest number of unobserved people worth considering "
                f"(default 15 x the {n:,.0f} observed)"
            )
        missing = np.arange(top + 1, dtype=float)
        N = n + missing
        graphs = decomposable_graphs(t)
        coef, n_factors = _graph_coefficients(graphs, t)
        const, zero_cell, alpha = _margin_terms(y, t, delta)

        # terms that depend on m only (one row), shared by every graph
        common = gammaln(N + 1) - gammaln(y[1:] + 1).sum() - gammaln(missing + 1)
        common = common + self._log_prior_n(N)
        normaliser = gammaln(delta * 2**t) - gammaln(N + delta * 2**t)
        graph_log_prior = np.array(
            [0.0 if self.graph_prior is None else float(self.graph_prior(g)) for g in graphs]
        )
        if not np.all(np.isfinite(graph_log_prior) | (graph_log_prior == -np.inf)):
            raise ValueError("graph_prior returned a value that is not a log weight")

        base = coef @ const + graph_log_prior  # per graph
        # log marginal likelihood of every subset's margin, grid point by grid point
        comp_t = np.ascontiguousarray(
            gammaln(zero_cell[None, :] + missing[:, None] + alpha[None, :])
        )  # grid x subsets
        idx, sgn = _sparse_terms(coef)
        per_m = np.ascontiguousarray(common)
        norm = np.ascontiguousarray(normaliser)
        block_max = _graph_maxima(idx, sgn, n_factors, base, comp_t, norm, per_m)
        shift = float(block_max.max())
        if not np.isfinite(shift):
            raise EstimationError(
                "every graph and value of N has zero prior or posterior weight; check n_prior "
                "and graph_prior"
            )
        # blocks of the grid where a graph's joint weight stays below exp(-60) of the largest
        # cannot move any figure: skip them (and graphs that are negligible everywhere)
        keep = block_max > shift - _NEGLIGIBLE
        alive = np.flatnonzero(keep.any(axis=0))
        post, mass, mean_n = _accumulate(
            idx[alive],
            sgn[alive],
            n_factors[alive],
            base[alive],
            comp_t,
            norm,
            per_m,
            N,
            shift,
            np.ascontiguousarray(keep[:, alive]),
        )
        model_mass = np.zeros(len(graphs))
        model_n = np.zeros(len(graphs))
        model_mass[alive] = mass
        model_n[alive] = mean_n
        total = post.sum()
        post /= total
        log_evidence = math.log(total) + shift  # log of the unnormalised joint weights' sum
        return self._estimate(captures, graphs, delta, N, post, model_mass, model_n, log_evidence)

    def _log_prior_n(self, N: np.ndarray) -> np.ndarray:
        if callable(self.n_prior):
            out = np.asarray(self.n_prior(N.copy()), dtype=float)
            if out.shape != N.shape or np.any(np.isnan(out)):
                raise ValueError(
                    "n_prior must return one log prior weight (not NaN) for every value of N"
                )
            return out
        if self.n_prior == "inverse":
            return -np.log(N)
        return np.zeros_like(N)

    def _estimate(
        self,
        captures: CaptureHistories,
        graphs: tuple[DecomposableGraph, ...],
        delta: float,
        N: np.ndarray,
        post: np.ndarray,
        model_mass: np.ndarray,
        model_n: np.ndarray,
        log_evidence: float,
    ) -> Estimate:
        notes: list[str] = []
        tail = post[int(0.95 * len(post)) :].sum()
        if tail > 1e-3:
            notes.append(
                f"the posterior of N still has {tail:.2g} of its mass in the top 5% of the grid "
                f"(up to {int(N[-1])}); raise max_missing"
            )
        mean = float(np.dot(N, post))
        a = (1.0 - self.level) / 2.0
        quantiles = {f"{100 * q:g}%": grid_quantile(N, post, q) for q in REPORTED_PROBS}
        median = quantiles["50%"]
        lower = grid_quantile(N, post, a)
        upper = grid_quantile(N, post, 1.0 - a)
        model_prob = model_mass / model_mass.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            model_mean = np.where(model_mass > 0, model_n / model_mass, np.nan)
        order = np.argsort(-model_prob, kind="stable")
        table = pd.DataFrame(
            {
                "model": [graphs[k].model_string() for k in order],
                "N": model_mean[order],  # posterior mean of N given the graph
                "weight": model_prob[order],  # the graph's posterior probability
                "generators": [graphs[k].generators(captures.lists) for k in order],
            }
        )
        draws = None
        if self.n_draws:
            rng = as_generator(self.seed)
            cum = np.cumsum(post)
            idx = np.searchsorted(cum, rng.random(self.n_draws) * cum[-1], side="right")
            draws = N[np.minimum(idx, len(N) - 1)]
        details = {
            "delta": delta,
            "n_observed": captures.n_observed,
            "posterior_mean": mean,
            "posterior_median": median,
            "quantiles": quantiles,
            "posterior": pd.DataFrame({"N": N.astype(np.int64), "probability": post}),
            "models": table,
            "n_graphs": len(graphs),
            "max_missing": int(N[-1] - N[0]),
            "n_prior": self.n_prior if isinstance(self.n_prior, str) else "user function",
            "log_evidence_unnormalised": log_evidence,
        }
        for w in notes:
            warnings.warn(w, EstimationWarning, stacklevel=3)
        value = median if self.point == "median" else mean
        return Estimate(
            value=value,
            lower=lower,
            upper=upper,
            level=self.level,
            method=(
                f"decomposable graphical model averaging ({len(graphs)} graphs, "
                f"delta={delta:g}), posterior {self.point} and equal-tailed interval"
            ),
            draws=draws,
            draws_kind="posterior",
            interval_method="credible",
            scale="count",
            details=details,
            warnings=tuple(notes),
        )


def _graph_coefficients(
    graphs: tuple[DecomposableGraph, ...], t: int
) -> tuple[np.ndarray, np.ndarray]:
    """+1 per clique and -1 per separator, over the ``2^t - 1`` non-empty subsets (column s-1)."""
    coef = np.zeros((len(graphs), 2**t - 1))
    n_factors = np.empty(len(graphs))
    for g, graph in enumerate(graphs):
        for c in graph.cliques:
            coef[g, c - 1] += 1.0
        for s in graph.separators:
            coef[g, s - 1] -= 1.0
        n_factors[g] = len(graph.cliques) - len(graph.separators)
    return coef, n_factors


def _margin_terms(y: np.ndarray, t: int, delta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each non-empty subset of lists: the m-free part of its Dirichlet log marginal
    likelihood, the observed count of its all-zero cell, and its prior count per cell."""
    codes = np.arange(2**t)
    const = np.empty(2**t - 1)
    zero = np.empty(2**t - 1)
    alpha = np.empty(2**t - 1)
    for s in range(1, 2**t):
        size = bin(s).count("1")
        a = delta * 2.0 ** (t - size)
        margin = np.bincount(codes & s, weights=y, minlength=2**t)
        cells = codes[(codes & ~s) == 0]  # sub-masks of s: the cells of the margin
        rest = margin[cells[cells != 0]]
        const[s - 1] = float(np.sum(gammaln(rest + a)) - 2**size * gammaln(a))
        zero[s - 1] = margin[0]
        alpha[s - 1] = a
    return const, zero, alpha


def _sparse_terms(coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each graph's cliques and separators as padded lists of subset indices and signs."""
    width = max(1, int((coef != 0).sum(axis=1).max()))
    idx = np.full((coef.shape[0], width), -1, dtype=np.int64)
    sgn = np.zeros((coef.shape[0], width))
    for g in range(coef.shape[0]):
        nz = np.flatnonzero(coef[g])
        idx[g, : len(nz)] = nz
        sgn[g, : len(nz)] = coef[g, nz]
    return idx, sgn


@nb.njit(cache=True, inline="always")
def _log_weight(
    g: int,
    m: int,
    idx: np.ndarray,
    sgn: np.ndarray,
    n_factors: np.ndarray,
    base: np.ndarray,
    comp_t: np.ndarray,
    norm: np.ndarray,
    per_m: np.ndarray,
) -> float:  # pragma: no cover
    v = base[g] + n_factors[g] * norm[m] + per_m[m]
    for j in range(idx.shape[1]):
        k = idx[g, j]
        if k < 0:
            break
        v += sgn[g, j] * comp_t[m, k]
    return v


@nb.njit(cache=True, parallel=True)
def _graph_maxima(
    idx: np.ndarray,
    sgn: np.ndarray,
    n_factors: np.ndarray,
    base: np.ndarray,
    comp_t: np.ndarray,
    norm: np.ndarray,
    per_m: np.ndarray,
) -> np.ndarray:  # pragma: no cover
    G = idx.shape[0]
    M = comp_t.shape[0]
    chunks = min(_CHUNKS, M)
    size = (M + chunks - 1) // chunks
    best = np.full((chunks, G), -np.inf)
    for c in nb.prange(chunks):
        for m in range(c * size, min(M, (c + 1) * size)):
            for g in range(G):
                v = _log_weight(g, m, idx, sgn, n_factors, base, comp_t, norm, per_m)
                if v > best[c, g]:
                    best[c, g] = v
    return best


@nb.njit(cache=True, parallel=True)
def _accumulate(
    idx: np.ndarray,
    sgn: np.ndarray,
    n_factors: np.ndarray,
    base: np.ndarray,
    comp_t: np.ndarray,
    norm: np.ndarray,
    per_m: np.ndarray,
    N: np.ndarray,
    shift: np.ndarray,
    keep: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    G = idx.shape[0]
    M = comp_t.shape[0]
    post = np.zeros(M)
    chunks = min(_CHUNKS, M)
    mass = np.zeros((chunks, G))
    mean_n = np.zeros((chunks, G))
    size = (M + chunks - 1) // chunks
    for c in nb.prange(chunks):
        for m in range(c * size, min(M, (c + 1) * size)):
            s = 0.0
            for g in range(G):
                if not keep[c, g]:
                    continue
                w = np.exp(
                    _log_weight(g, m, idx, sgn, n_factors, base, comp_t, norm, per_m) - shift
                )
                s += w
                mass[c, g] += w
                mean_n[c, g] += w * N[m]
            post[m] = s
    return post, mass.sum(axis=0), mean_n.sum(axis=0)
