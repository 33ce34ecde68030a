"""Model searches for many lists: greedy (downhill) search, several starts, the UK rule.

An exhaustive search fits every hierarchical model, which stops being possible at about six
lists (32,768 pairwise models; 2**28 for eight). The searches here fit a few hundred:

* :func:`downhill_search`: MultipleSystemsEstimation's ``downhill_fit`` (Silverman, Chan and
  Vincent 2024, section 5.2). Start from the independence model; at each step fit every
  neighbour not seen before (add one admissible term up to ``max_order``, or drop one
  generator that is not a main effect) and move to the best if it lowers the criterion; stop
  when no neighbour is better, after ``max_steps`` moves (R: 20) or when none is left.
  Models without a finite, identifiable estimate count as infinitely bad, as R's
  ``checkid = TRUE``.
* :func:`multistart_search`: the same search from the independence model and from every
  model with a single pairwise interaction, keeping the best local optimum; R's main-effects
  start misses the exhaustive optimum on the five-list UK data, which this finds.
* :func:`aic_wald_terms`: the stepwise rule of the first UK estimate (Silverman 2014; Bales,
  Hesketh and Silverman 2015): add the admissible interaction that most lowers AIC while the
  Wald test of its coefficient has a p-value below the threshold (0.05).
* :func:`exhaustive_size`: how many models an exhaustive search would fit and about how long
  it would take, so that a search too large is refused at once.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ...core.errors import DataError
from ..algebra.design import reduced_design
from ..algebra.existence import check_design
from ..algebra.hierarchical import HierarchicalModel, canonical_string
from ..kernels.engine import FitStatus, fit_models, pack_models

__all__ = [
    "SearchResult",
    "aic_wald_terms",
    "downhill_search",
    "exhaustive_size",
    "multistart_search",
    "neighbour_models",
    "information_criterion",
    "penalty",
    "MAX_EXHAUSTIVE_MODELS",
]

#: Largest exhaustive search allowed (six lists with pairwise interactions: 32,768 models).
MAX_EXHAUSTIVE_MODELS = 100_000
# Seconds per model and observable cell of the batched engine on the project's 2-core
# reference machine (32,768 six-list models in 1.1 s), used only to state the cost of a
# refused search.
_SECONDS_PER_MODEL_CELL = 5.3e-7
# Model counts with interactions above order two, computed once by enumeration with
# prevalence.mse.models.enumerate_model_terms (the pairwise counts are 2**(t choose 2)).
_KNOWN_COUNTS = {
    (3, 2): 8,
    (4, 3): 113,
    (5, 3): 6212,
    (5, 4): 6893,
    (6, 3): 3_702_013,
    (6, 4): 7_741_776,
    (6, 5): 7_785_061,
}


def exhaustive_size(n_lists: int, max_order: int) -> tuple[int, bool, float]:
    """Number of hierarchical models an exhaustive search fits, and its rough cost.

    Returns ``(count, exact, seconds)``: ``exact`` is False when ``count`` is a lower bound
    (the pairwise models alone); ``seconds`` is the estimated time on a 2-core machine.

    Examples
    --------
    >>> exhaustive_size(6, 2)[:2]
    (32768, True)
    >>> exhaustive_size(8, 2)[0]
    268435456
    """
    t, k = int(n_lists), int(max_order)
    pairwise = 2 ** (t * (t - 1) // 2)
    if k <= 1:
        count, exact = 1, True
    elif k == 2:
        count, exact = pairwise, True
    elif (t, k) in _KNOWN_COUNTS:
        count, exact = _KNOWN_COUNTS[(t, k)], True
    elif t <= 5:
        count, exact = _KNOWN_COUNTS[(t, min(k, t - 1))], True
    else:
        # seven or more lists beyond pairs: more than the pairwise models and more than the
        # models of six of the lists
        count, exact = max(pairwise, _KNOWN_COUNTS[(6, 5)]), False
    seconds = count * (2**t - 1) * _SECONDS_PER_MODEL_CELL
    return count, exact, seconds


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} hours"
    if seconds < 2 * 365 * 86400:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / (365 * 86400):.0f} years"


def check_exhaustive(n_lists: int, max_order: int, criterion: str = "bic") -> None:
    """Refuse an exhaustive search beyond :data:`MAX_EXHAUSTIVE_MODELS` models, with its cost."""
    count, exact, seconds = exhaustive_size(n_lists, max_order)
    if count <= MAX_EXHAUSTIVE_MODELS:
        return
    many = f"{count:,}" if exact else f"more than {count:,}"
    raise DataError(
        f"an exhaustive {criterion.upper()} search over hierarchical models of {n_lists} lists "
        f"with interactions up to order {max_order} would fit {many} models (about "
        f"{_duration(seconds)} on a 2-core machine; the limit is {MAX_EXHAUSTIVE_MODELS:,}). "
        'Use search="downhill" (the greedy search of Silverman, Chan and Vincent 2024, seconds) '
        'or search="multistart" (several starts), select="stepwise" or select="aic-wald", '
        "a smaller max_order, or fewer lists (CaptureHistories.merge / omit)"
    )


# ---------------------------------------------------------------------------- neighbours
def _sorted_terms(terms: set[int]) -> tuple[int, ...]:
    return tuple(sorted(terms, key=lambda u: (bin(u).count("1"), u)))


def boundary_terms(current: Sequence[int], t: int) -> list[int]:
    """Terms not in ``current`` whose facets all are, in MultipleSystemsEstimation's order.

    Adding any of them keeps a model hierarchical (R's ``boundary_captures``); candidates are
    met in the order of ``current``, each term's lists in increasing order.
    """
    cur = set(current)
    seen: list[int] = []
    seen_set: set[int] = set()
    for u in current:
        for j in range(t):
            if not u >> j & 1:
                c = u | (1 << j)
                if c not in seen_set:
                    seen_set.add(c)
                    seen.append(c)
    return [
        c
        for c in seen
        if c not in cur and all((c & ~(1 << j)) in cur for j in range(t) if c >> j & 1)
    ]


def neighbour_models(terms: Sequence[int], t: int, max_order: int) -> list[tuple[int, ...]]:
    """Models one step away: drop one non-main-effect generator, or add one admissible term.

    As MultipleSystemsEstimation's ``find_neighbour_hierarchies(keepmaineffects = TRUE)``:
    the removals first, then the additions of terms whose facets are all in the model, up to
    ``max_order``.

    Examples
    --------
    >>> [canonical_string(m, 3) for m in neighbour_models((0, 1, 2, 4), 3, 2)]
    ['[12,3]', '[13,2]', '[23,1]']
    """
    cur = set(int(u) for u in terms)
    removals = [
        _sorted_terms(cur - {g})
        for g in HierarchicalModel(tuple(cur), t).generators  # R's canonical order
        if bin(g).count("1") >= 2
    ]
    additions = [
        _sorted_terms(cur | {c})
        for c in boundary_terms(_sorted_terms(cur), t)
        if bin(c).count("1") <= max_order
    ]
    return removals + additions


# ---------------------------------------------------------------------------- evaluation
@functools.lru_cache(maxsize=200_000)
def _exact_ok_cached(terms: tuple[int, ...], t: int, zero_cells: bytes) -> bool:
    # The linear-programming check depends on the counts only through which cells are empty:
    # caching on that pattern makes the check cheap inside bootstrap loops.
    y = np.frombuffer(zero_cells, dtype=np.bool_).astype(float)
    y = 1.0 - y
    lists = tuple(f"L{j + 1}" for j in range(t))
    return check_design(reduced_design(y, HierarchicalModel(terms, t)), lists).ok


def _exact_ok(y: np.ndarray, terms: tuple[int, ...], t: int) -> bool:
    """R's existence and identifiability check (``check_extended_MLE``) of one model."""
    return _exact_ok_cached(tuple(int(u) for u in terms), t, (np.asarray(y) == 0).tobytes())


def fit_checked(
    models: Sequence[tuple[int, ...]],
    Y: np.ndarray,
    t: int,
    packed: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Fit every model to every count vector with the batched engine, deciding the pairs that
    hit the iteration limit exactly (R's linear-programming check) and refitting those that
    pass with a patient iteration limit. ``packed`` is the models' (table, lengths) when
    already packed. Returns the engine's (K, B) results (with coefficients) and the lengths."""
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    table, lengths = pack_models(list(models)) if packed is None else packed
    res = fit_models(table, lengths, Y, t, return_betas=True)
    for k, b in zip(*np.nonzero(res["status"] == FitStatus.NOT_CONVERGED), strict=True):
        if _exact_ok(Y[b], tuple(models[k]), t):
            again = fit_models(
                table[k : k + 1],
                lengths[k : k + 1],
                Y[b : b + 1],
                t,
                max_iter=2000,
                return_betas=True,
            )
            for key, value in again.items():
                res[key][k, b] = value[0, 0]
    return res, lengths


def evaluate_models(
    Y: np.ndarray, models: Sequence[tuple[int, ...]], t: int, penalty: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Criterion ``penalty * k - 2 loglik`` and N of each model on each count vector.

    ``Y`` is one count vector or a (B, 2**t) matrix; returns (K, B) arrays ``criterion``
    (``inf`` where the engine finds no finite, identifiable estimate) and ``N``, and the
    (K, B, pmax) coefficients. Pairs that hit the iteration limit are decided exactly and
    refitted patiently, as in the exhaustive search.
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    res, lengths = fit_checked(models, Y, t)
    valid = res["status"] == FitStatus.OK
    pen = np.broadcast_to(np.asarray(penalty, dtype=float), (Y.shape[0],))
    crit = np.where(valid, pen[None, :] * lengths[:, None] - 2.0 * res["loglik"], np.inf)
    N = np.where(valid, res["N"], np.nan)
    return crit, N, res["beta"]


@dataclass(frozen=True)
class SearchResult:
    """Outcome of a model search on one count vector.

    Attributes
    ----------
    terms : tuple of int
        The chosen model's terms (bit masks), empty when no model was valid.
    criterion : float
        Its criterion value (BIC or AIC; ``inf`` when none was valid).
    N : float
        Its population estimate.
    n_models : int
        Models fitted during the search.
    steps : int
        Moves made (summed over starts for a multi-start search).
    stopped_at_limit : bool
        True when a search stopped because it reached ``max_steps``.
    starts : int
        Number of starting models.
    path : tuple of str
        The models visited, start first (the best start's path for a multi-start search).
    """

    terms: tuple[int, ...]
    criterion: float
    N: float
    n_models: int
    steps: int
    stopped_at_limit: bool
    starts: int = 1
    path: tuple[str, ...] = field(default=())


def penalty(criterion: str, n: np.ndarray | float) -> np.ndarray:
    """Per-parameter penalty: ``log n`` for BIC, 2 for AIC (``n`` the number observed)."""
    n = np.asarray(n, dtype=float)
    if criterion == "bic":
        return np.log(n)
    if criterion == "aic":
        return np.full_like(n, 2.0)
    raise ValueError(f"criterion must be 'bic' or 'aic', got {criterion!r}")


def information_criterion(
    criterion: str, loglik: np.ndarray | float, k: np.ndarray | float, n: float
) -> np.ndarray:
    """``penalty * k - 2 loglik``, MultipleSystemsEstimation's AIC and BIC: ``k`` counts every
    parameter of the model, including those fixed at minus infinity, and BIC's ``n`` is the
    number observed. The one definition the log-linear estimators report and select with.

    >>> float(information_criterion("aic", -10.0, 3, 100.0))
    26.0
    """
    k_arr = np.asarray(k, dtype=float)
    return penalty(criterion, n) * k_arr - 2.0 * np.asarray(loglik, dtype=float)


def _independence(t: int, extra: Sequence[int] = ()) -> tuple[int, ...]:
    return _sorted_terms(set([0] + [1 << j for j in range(t)] + [int(u) for u in extra]))


def downhill_batch(
    Y: np.ndarray,
    t: int,
    *,
    criterion: str = "bic",
    max_order: int = 2,
    start: Sequence[int] | None = None,
    max_steps: int = 20,
    exact: bool = True,
) -> list[SearchResult]:
    """:func:`downhill_search` on every row of ``Y`` at once.

    Count vectors that have followed the same path so far have seen the same models, so
    they are fitted together: one batched engine call per distinct path and step (bootstrap
    replicates mostly share the first steps).

    With ``exact=True`` every model moved to must also pass R's linear-programming check
    (``check_extended_MLE``), as ``downhill_fit(checkid = TRUE)``; it costs milliseconds per
    move. ``exact=False`` (bootstrap replicates) relies on the engine alone, which accepts a
    fit only once Newton's steps have shrunk below 1e-6 (where no maximum exists they stay
    near one unit): in 6,517 moves over 300 bootstrap replicates each of NewOrl, UKdat, Ned,
    NewOrl_5 and Western the two never disagreed.
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    B = Y.shape[0]
    pen = penalty(criterion, Y[:, 1:].sum(axis=1))
    first = _independence(t, start or ())
    crit0, N0, _ = evaluate_models(Y, [first], t, pen)
    out: list[SearchResult | None] = [None] * B
    best_crit = crit0[0].copy()
    best_N = N0[0].copy()
    n_models = np.ones(B, dtype=np.int64)
    ok = np.array(
        [np.isfinite(crit0[0, b]) and (not exact or _exact_ok(Y[b], first, t)) for b in range(B)]
    )
    for b in np.flatnonzero(~ok):
        out[b] = SearchResult((), math.inf, math.nan, 1, 0, False, 1, ())
    # a group: rows that share a path; (rows, path of models, models seen)
    groups: list[tuple[np.ndarray, list[tuple[int, ...]], set[tuple[int, ...]]]] = []
    if ok.any():
        groups.append((np.flatnonzero(ok), [first], {first}))
    step = 0
    while groups:
        next_groups = []
        for rows, path, seen in groups:
            current = path[-1]
            path_names = tuple(canonical_string(m, t) for m in path)

            def finish(
                b: int,
                at_limit: bool,
                current: tuple[int, ...] = current,
                path_names: tuple[str, ...] = path_names,
            ) -> None:
                out[b] = SearchResult(
                    current,
                    float(best_crit[b]),
                    float(best_N[b]),
                    int(n_models[b]),
                    len(path_names) - 1,
                    at_limit,
                    1,
                    path_names,
                )

            cands = (
                []
                if step == max_steps
                else [m for m in neighbour_models(current, t, max_order) if m not in seen]
            )
            if not cands:
                for b in rows:
                    finish(b, step == max_steps)
                continue
            crit, N, _ = evaluate_models(Y[rows], cands, t, pen[rows])
            n_models[rows] += len(cands)
            seen_next = seen | set(cands)
            moves: dict[int, list[int]] = {}
            for i, b in enumerate(rows):
                chosen = -1
                for k in np.argsort(crit[:, i], kind="stable"):
                    if not crit[k, i] < best_crit[b]:
                        break
                    if not exact or _exact_ok(Y[b], cands[k], t):
                        chosen = int(k)
                        break
                if chosen < 0:
                    finish(b, False)
                    continue
                best_crit[b], best_N[b] = crit[chosen, i], N[chosen, i]
                moves.setdefault(chosen, []).append(int(b))
            for k, members in moves.items():
                next_groups.append((np.array(members), path + [cands[k]], seen_next))
        groups = next_groups
        step += 1
    return [r for r in out if r is not None]


def downhill_search(
    y: np.ndarray,
    t: int,
    *,
    criterion: str = "bic",
    max_order: int = 2,
    start: Sequence[int] | None = None,
    max_steps: int = 20,
) -> SearchResult:
    """Greedy search from ``start`` (default: independence), as R's ``downhill_fit``.

    Parameters
    ----------
    y : array of length ``2**t``
        Counts indexed by capture pattern (entry 0 ignored).
    t : int
        Number of lists.
    criterion : {"bic", "aic"}
    max_order : int
        Highest interaction order of the models visited.
    start : sequence of int, optional
        Interaction terms added to the independence model to start from (closed under facets).
    max_steps : int
        Largest number of moves (R's ``niter = 20``).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.zeros(8); y[[1, 2, 3, 4, 5, 6, 7]] = [30, 40, 20, 50, 10, 12, 4]
    >>> downhill_search(y, 3).path[0]
    '[1,2,3]'
    """
    return downhill_batch(
        np.asarray(y, dtype=float)[None, :],
        t,
        criterion=criterion,
        max_order=max_order,
        start=start,
        max_steps=max_steps,
    )[0]


def _starts(t: int) -> list[tuple[int, ...]]:
    starts: list[tuple[int, ...]] = [()]
    for i in range(t):
        for j in range(i + 1, t):
            starts.append(((1 << i) | (1 << j),))
    return starts


def multistart_batch(
    Y: np.ndarray,
    t: int,
    *,
    criterion: str = "bic",
    max_order: int = 2,
    max_steps: int = 20,
    exact: bool = True,
) -> list[SearchResult]:
    """:func:`multistart_search` on every row of ``Y`` (``exact`` as :func:`downhill_batch`)."""
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    starts = _starts(t)
    runs = [
        downhill_batch(
            Y,
            t,
            criterion=criterion,
            max_order=max_order,
            start=s,
            max_steps=max_steps,
            exact=exact,
        )
        for s in starts
    ]
    out = []
    for b in range(Y.shape[0]):
        best: SearchResult | None = None
        for run in runs:
            r = run[b]
            if r.terms and (best is None or r.criterion < best.criterion - 1e-9):
                best = r
        if best is None:
            best = SearchResult((), math.inf, math.nan, 0, 0, False)
        out.append(
            dataclasses.replace(
                best,
                n_models=sum(run[b].n_models for run in runs),
                steps=sum(run[b].steps for run in runs),
                stopped_at_limit=any(run[b].stopped_at_limit for run in runs),
                starts=len(starts),
            )
        )
    return out


def multistart_search(
    y: np.ndarray,
    t: int,
    *,
    criterion: str = "bic",
    max_order: int = 2,
    max_steps: int = 20,
) -> SearchResult:
    """Downhill search from the independence model and from each single-interaction model.

    The best local optimum wins (ties: the independence start first, then the starts in list
    order). Costs about ``t (t - 1) / 2 + 1`` downhill searches.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.zeros(8); y[[1, 2, 3, 4, 5, 6, 7]] = [30, 40, 20, 50, 10, 12, 4]
    >>> multistart_search(y, 3).starts
    4
    """
    return multistart_batch(
        np.asarray(y, dtype=float)[None, :],
        t,
        criterion=criterion,
        max_order=max_order,
        max_steps=max_steps,
    )[0]


# ---------------------------------------------------------------------------- the UK rule
def aic_wald_terms(
    y: np.ndarray, t: int, p_threshold: float = 0.05, max_order: int = 2
) -> tuple[int, ...]:
    """The stepwise rule of the first UK estimate; returns the chosen model's terms.

    Start from independence. At each step fit every admissible interaction (facets in the
    model, order up to ``max_order``) added to the current model; take the one with the
    lowest AIC; add it when it lowers the AIC and the Wald test of its coefficient (two-sided,
    from the Poisson information matrix) has a p-value below ``p_threshold``, otherwise stop.
    A term whose margin is empty (estimate minus infinity) has no Wald test and is never added.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.zeros(8); y[[1, 2, 3, 4, 5, 6, 7]] = [30, 40, 20, 50, 10, 12, 4]
    >>> canonical_string(aic_wald_terms(y, 3), 3)  # 12: AIC 48.33 -> 43.78, p = 0.010
    '[12,3]'
    """
    y = np.asarray(y, dtype=float)
    current = _independence(t)
    crit0, _, _ = evaluate_models(y, [current], t, 2.0)
    best = float(crit0[0, 0])
    while True:
        cur = set(current)
        adds = [
            m
            for m in neighbour_models(current, t, max_order)
            if len(m) > len(current) and bin(next(iter(set(m) - cur))).count("1") >= 2
        ]
        if not adds:
            return current
        crit, _, betas = evaluate_models(y, adds, t, 2.0)
        k = int(np.argmin(crit[:, 0]))
        if not crit[k, 0] < best:
            return current
        term = next(iter(set(adds[k]) - cur))
        if _wald_p(y, adds[k], betas[k, 0], term, t) >= p_threshold:
            return current
        current, best = adds[k], float(crit[k, 0])


def _wald_p(y: np.ndarray, terms: tuple[int, ...], beta: np.ndarray, term: int, t: int) -> float:
    """Two-sided Wald p-value of ``term`` in the fitted model (1 when it is minus infinity)."""
    design = reduced_design(y, HierarchicalModel(terms, t))
    where = np.flatnonzero(design.terms == term)
    if where.size == 0:
        return 1.0
    coef = np.asarray(beta[: len(terms)], dtype=float)
    by_term = dict(zip(terms, coef, strict=True))
    b = np.array([by_term[int(u)] for u in design.terms])
    mu = np.exp(design.X @ b)
    info = (design.X * mu[:, None]).T @ design.X
    cov = np.linalg.inv(info)
    j = int(where[0])
    z = b[j] / math.sqrt(cov[j, j])
    return float(2.0 * stats.norm.sf(abs(z)))
