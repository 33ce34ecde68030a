"""Model selection for log-linear MSE and the bootstrap that repeats it.

* Exhaustive search (``bic`` / ``aic``) over every hierarchical model up to a maximum order,
  as MultipleSystemsEstimation's ``estimate_population_bic``: models without a finite
  maximum likelihood estimate (Fienberg-Rinaldo) or with non-identifiable parameters are
  skipped; ``BIC = k log(n) - 2 loglik`` and ``AIC = 2k - 2 loglik`` with ``k`` counting every
  term of the model.
* Stepwise selection of Chan, Silverman and Vincent (2021), as
  ``estimate_population_stepwise``: start from independence and add the admissible
  interaction whose observed margin is least compatible with the current fit (one-sided
  Poisson p-value) while that p-value is below the threshold.
* The multinomial bootstrap of Silverman, Chan and Vincent (2024): every replicate repeats
  the selection (among the ``n_top`` best models of the original data, or among all of
  them); a delete-one jackknife gives the acceleration of the BCa interval.

All fits go through :mod:`prevalence.mse.engine`, many models and count vectors at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ...core.bootstrap import bca_interval, jackknife_acceleration
from ...core.errors import EstimationError
from ...core.progress import Progress
from ..algebra.hierarchical import canonical_string, enumerate_model_terms
from ..data.captures import CaptureHistories
from ..kernels.engine import FitStatus, best_fit, cell_margins, fit_models, pack_models
from .search import (
    _exact_ok,
    boundary_terms,
    fit_checked,
    information_criterion,
    neighbour_models,
    penalty,
)

__all__ = [
    "ModelSet",
    "SelectionResult",
    "bca_interval",
    "bootstrap_counts",
    "jackknife_counts",
    "select_exhaustive",
    "stepwise_terms",
    "default_max_order",
    "default_n_top",
    "vary_n_top",
]

CRITERIA = ("bic", "aic")


def default_max_order(n_lists: int) -> int:
    """Default highest interaction order of the exhaustive search.

    ``n_lists - 1`` up to five lists, 2 from six lists on (32,768 models for six lists).
    """
    return n_lists - 1 if n_lists <= 5 else 2


def default_n_top(n_lists: int) -> int | None:
    """R's default number of best models kept in the bootstrap (``None``: all)."""
    if n_lists <= 3:
        return None
    return 20 if n_lists == 4 else 100


@dataclass(frozen=True)
class ModelSet:
    """A list of hierarchical models (term tuples) packed for the batched engine."""

    n_lists: int
    terms: tuple[tuple[int, ...], ...]
    table: np.ndarray
    lengths: np.ndarray

    @classmethod
    def from_terms(cls, n_lists: int, terms: Sequence[tuple[int, ...]]) -> ModelSet:
        terms = tuple(tuple(m) for m in terms)
        table, lengths = pack_models(list(terms))
        return cls(n_lists, terms, table, lengths)

    @classmethod
    def all(cls, n_lists: int, max_order: int) -> ModelSet:
        return cls.from_terms(n_lists, enumerate_model_terms(n_lists, max_order))

    def subset(self, index: np.ndarray | Sequence[int]) -> ModelSet:
        idx = np.asarray(index, dtype=np.int64)
        return ModelSet(
            self.n_lists, tuple(self.terms[i] for i in idx), self.table[idx], self.lengths[idx]
        )

    def name(self, k: int) -> str:
        return canonical_string(self.terms[k], self.n_lists)

    def __len__(self) -> int:
        return len(self.terms)


@dataclass(frozen=True)
class SelectionResult:
    """Outcome of a model search on the original data."""

    models: ModelSet  # valid models, best first
    criterion: np.ndarray  # their criterion values
    N: np.ndarray  # their estimates
    betas: np.ndarray  # their coefficients (warm starts for the bootstrap)
    table: pd.DataFrame  # every valid model's fit, sorted by the criterion
    n_invalid: int  # models skipped (no finite MLE or not identifiable)

    @property
    def best_terms(self) -> tuple[int, ...]:
        return self.models.terms[0]


def select_exhaustive(
    captures: CaptureHistories,
    models: ModelSet,
    criterion: str = "bic",
) -> SelectionResult:
    """Fit every model of ``models`` to ``captures`` and rank the valid ones by ``criterion``."""
    t = captures.n_lists
    y = np.asarray(captures.cell_counts, dtype=float)
    n = float(captures.n_observed)
    # pairs that hit the iteration limit without a verdict are decided exactly, refitted
    res, _ = fit_checked(models.terms, y, t, packed=(models.table, models.lengths))
    valid = res["status"][:, 0] == FitStatus.OK
    loglik = res["loglik"][:, 0]
    k_all = models.lengths.astype(float)
    bic = information_criterion("bic", loglik, k_all, n)
    aic = information_criterion("aic", loglik, k_all, n)
    crit = bic if criterion == "bic" else aic
    idx = np.flatnonzero(valid)
    idx = idx[np.argsort(crit[idx], kind="stable")]
    # the chosen model must also pass the exact linear-programming check (as R requires)
    while idx.size and not _exact_ok(y, models.terms[idx[0]], t):
        idx = idx[1:]
    if idx.size == 0:
        raise EstimationError(
            "no model in the search has a finite, identifiable maximum likelihood estimate on these data"
        )
    chosen = models.subset(idx)
    # the criterion's weight (Burnham and Anderson's exp(-delta / 2), normalised): the
    # `weight` column every details["models"] table has (a posterior probability there)
    delta = crit[idx] - crit[idx[0]]
    weight = np.exp(-0.5 * delta)
    table = pd.DataFrame(
        {
            "model": [chosen.name(k) for k in range(len(chosen))],
            "N": res["N"][idx, 0],
            "weight": weight / weight.sum(),
            "deviance": res["deviance"][idx, 0],
            "df": res["n_cells"][idx, 0] - res["n_estimated"][idx, 0],
            "AIC": aic[idx],
            "BIC": bic[idx],
            "order": [max(bin(u).count("1") for u in chosen.terms[k]) for k in range(len(chosen))],
        }
    )
    return SelectionResult(
        models=chosen,
        criterion=crit[idx],
        N=res["N"][idx, 0],
        betas=res["beta"][idx, 0, :],
        table=table,
        n_invalid=int(len(models) - idx.size),
    )


# ---------------------------------------------------------------------------- stepwise
def _fitted_cells(terms: Sequence[int], beta: np.ndarray, t: int) -> np.ndarray:
    """Fitted values of every cell (0 for the unobserved cell and for removed cells)."""
    n_cells = 1 << t
    eta = np.zeros(n_cells)
    removed = np.zeros(n_cells, dtype=bool)
    cells = np.arange(n_cells)
    for u, b in zip(terms, beta, strict=False):
        if np.isfinite(b):
            eta[u] += b
        else:
            removed |= (cells & u) == u
    for j in range(t):
        bit = 1 << j
        hi = cells[(cells & bit) != 0]
        eta[hi] += eta[hi ^ bit]
    mu = np.exp(eta)
    mu[removed] = 0.0
    mu[0] = 0.0
    return mu


def stepwise_terms(
    y: np.ndarray, t: int, p_threshold: float = 0.02, max_order: int | None = 2
) -> tuple[int, ...]:
    """Chan, Silverman and Vincent's stepwise selection; returns the chosen model's terms.

    ``max_order=None`` allows interactions of any order.
    """
    y = np.asarray(y, dtype=float)
    top = t if max_order is None else min(int(max_order), t)
    eligible = {u for u in range(1, 1 << t) if 2 <= bin(u).count("1") <= top}
    current = [0] + [1 << j for j in range(t)]

    def fit(models: list[list[int]]) -> dict[str, np.ndarray]:
        table, lengths = pack_models([tuple(m) for m in models])
        return fit_models(table, lengths, y[None, :], t, return_betas=True)

    if p_threshold <= 0:
        return tuple(current)
    if p_threshold >= 1:
        full = current + sorted(eligible, key=lambda u: (bin(u).count("1"), u))
        if fit([full])["status"][0, 0] == FitStatus.OK:
            return tuple(full)
    res = fit([current])
    ymarg = cell_margins(y[None, :], t)[0]
    for _ in range(len(eligible)):
        cands = [c for c in boundary_terms(current, t) if c in eligible]
        if not cands:
            break
        mu = _fitted_cells(current, res["beta"][0, 0, : len(current)], t)
        mumarg = cell_margins(mu[None, :], t)[0]
        pstar = mumarg[cands]
        nstar = ymarg[cands]
        pval = np.minimum(stats.poisson.cdf(nstar, pstar), stats.poisson.sf(nstar - 1, pstar))
        cand_fits = fit([current + [c] for c in cands])
        pval[cand_fits["status"][:, 0] != FitStatus.OK] = 1.0
        pmin = pval.min()
        if pmin >= p_threshold:
            break
        jbest = int(np.flatnonzero(pval == pmin)[0])
        current = current + [cands[jbest]]
        res = {k: v[jbest : jbest + 1] for k, v in cand_fits.items()}
    return tuple(current)


# ---------------------------------------------------------------------------- bootstrap
def bootstrap_counts(y: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Multinomial resamples of the observed counts (same total), one per row."""
    y = np.asarray(y, dtype=float)
    n = int(round(y.sum()))
    Y = np.zeros((n_boot, y.size))
    Y[:, 1:] = rng.multinomial(n, y[1:] / n, size=n_boot)
    return Y


def jackknife_counts(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Delete-one data sets: one per non-empty cell; returns (counts, weights = cell counts)."""
    y = np.asarray(y, dtype=float)
    cells = np.flatnonzero(y > 0)
    Y = np.repeat(y[None, :], cells.size, axis=0)
    Y[np.arange(cells.size), cells] -= 1.0
    return Y, y[cells]


def run_replicates(
    procedure: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    Y: np.ndarray,
    *,
    progress: bool | None = None,
    label: str = "bootstrap",
    chunk: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``procedure`` (count matrix -> (N, model index)) to the rows of ``Y`` in chunks."""
    B = Y.shape[0]
    if chunk is None:
        chunk = max(1, min(B, 50))
    N = np.empty(B)
    idx = np.empty(B, dtype=np.int64)
    with Progress(B, label, enabled=progress) as bar:
        for start in range(0, B, chunk):
            stop = min(B, start + chunk)
            N[start:stop], idx[start:stop] = procedure(Y[start:stop])
            bar.update(stop - start)
    return N, idx


#: Maps a matrix of count vectors to (estimates, index of the selected model) per row.
Procedure = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def candidate_procedure(models: ModelSet, criterion: str, starts: np.ndarray | None) -> Procedure:
    """Selection among a fixed candidate set, for a matrix of count vectors."""

    def procedure(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pen = penalty(criterion, Y.sum(axis=1))
        N, _, k, _ = best_fit(models.table, models.lengths, Y, models.n_lists, pen, starts=starts)
        return N, k

    return procedure


def degree2_order(models: ModelSet, max_order: int) -> np.ndarray:
    """Indices of ``models`` (ranked best first) in R's degree-2 neighbourhood order.

    A model's degree-2 rank is the smallest rank among itself and its neighbours in the set
    (:func:`prevalence.mse.search.neighbour_models`); ties keep the original rank, as
    MultipleSystemsEstimation's ``.degree2_order``.
    """

    def key(terms: Sequence[int]) -> frozenset[int]:
        return frozenset(int(u) for u in terms)

    rank = {key(m): i for i, m in enumerate(models.terms)}
    d2 = np.empty(len(models), dtype=np.int64)
    for i, m in enumerate(models.terms):
        near = [
            rank[key(n)] for n in neighbour_models(m, models.n_lists, max_order) if key(n) in rank
        ]
        d2[i] = min([i, *near])
    return np.lexsort((np.arange(len(models)), d2))


def vary_n_top(
    captures: CaptureHistories,
    n_top_max: int = 20,
    *,
    criterion: str = "bic",
    max_order: int | None = None,
    degree: int = 1,
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = None,
    probs: Sequence[float] = (0.025, 0.1, 0.9, 0.975),
) -> pd.DataFrame:
    """BCa limits when the bootstrap selects among the ``n_top`` best models, for every ``n_top``.

    The analysis of Silverman, Chan and Vincent (2024, section 2.5), as R's
    ``vary_ntop_bca``: the models are ranked on the original data; every bootstrap and
    jackknife data set is fitted with the ``n_top_max`` best, and for each ``n_top`` the
    replicate's estimate comes from the best of the first ``n_top`` of them. All rows share one
    set of bootstrap replicates.

    ``degree=2`` ranks the models by R's neighbourhood ordering (section 5.1 of the paper,
    ``vary_ntop_bca(degree = 2)``): a model's degree-2 rank is the best BIC rank among itself
    and its neighbours (one term added or one generator removed, main effects kept), ties
    broken by its own BIC rank. The point estimate stays the BIC-best model's.

    Returns a DataFrame with columns ``n_top``, ``model`` (the model added at that rank) and one
    column per probability in ``probs``.
    """
    if degree not in (1, 2):
        raise ValueError(f"degree must be 1 or 2, got {degree!r}")
    t = captures.n_lists
    order = default_max_order(t) if max_order is None else int(max_order)
    sel = select_exhaustive(captures, ModelSet.all(t, order), criterion)
    ranking = np.arange(len(sel.models))
    if degree == 2:
        ranking = degree2_order(sel.models, order)
    K = min(int(n_top_max), len(sel.models))
    models, starts = sel.models.subset(ranking[:K]), sel.betas[ranking[:K]]
    y = np.asarray(captures.cell_counts, dtype=float)
    rng = np.random.default_rng(seed) if not isinstance(seed, np.random.Generator) else seed
    Y = bootstrap_counts(y, n_boot, rng)
    Yj, weights = jackknife_counts(y)

    def cumulative(Ym: np.ndarray) -> np.ndarray:
        res = fit_models(models.table, models.lengths, Ym, t, starts=starts)
        pen = penalty(criterion, Ym.sum(axis=1))
        crit = pen[None, :] * models.lengths[:, None] - 2.0 * res["loglik"]
        crit[res["status"] != FitStatus.OK] = np.inf
        out = np.full((K, Ym.shape[0]), np.nan)
        best = np.full(Ym.shape[0], np.inf)
        best_N = np.full(Ym.shape[0], np.nan)
        for k in range(K):
            better = crit[k] < best
            best = np.where(better, crit[k], best)
            best_N = np.where(better, res["N"][k], best_N)
            out[k] = best_N
        return out

    boot = cumulative(Y)
    jack = cumulative(Yj)
    rows: list[dict[Any, Any]] = []  # the limits are keyed by their probabilities
    for k in range(K):
        accel = jackknife_acceleration(jack[k], weights)
        limits, _ = bca_interval(boot[k], float(sel.N[0]), accel, probs)
        rows.append(
            {
                "n_top": k + 1,
                "model": models.name(k),
                **dict(zip(probs, limits.tolist(), strict=True)),
            }
        )
    return pd.DataFrame(rows)
