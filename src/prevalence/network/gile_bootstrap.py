"""Gile's (2011) successive-sampling bootstrap for RDS.

Each replicate rebuilds a synthetic population from the sample (units of each degree and
group in the numbers the SS weights imply, ties between groups from the observed
recruitments and the SS estimates), then reruns a respondent-driven sample on it: the seeds
drawn with probability proportional to degree, each respondent recruiting a number of
recruits drawn from the observed numbers, each recruit's group from the remaining ties and
the recruit from that group with probability proportional to degree, without replacement.
The replicate's estimate weights the new sample by the original inclusion probabilities.

The steps follow R ``RDS`` 0.9-10's ``SSBS.estimates`` with ``fast = TRUE`` and the compiled
``bsC`` routine (its default); a replicate's recruitment cannot be vectorised, so it is
compiled with numba.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from .recruitment import Recruitment
from .successive import SS_INFINITY, SuccessiveSampling, adjust_class_counts, successive_sampling

__all__ = ["GileBootstrap", "gile_bootstrap"]


@nb.njit(cache=True)
def _pick(cum: np.ndarray, r: float) -> int:  # pragma: no cover - compiled
    for j in range(cum.size):
        if r <= cum[j]:
            return j
    return cum.size - 1


@nb.njit(cache=True)
def _replicates(
    gen: np.random.Generator,
    nbyclass0: np.ndarray,
    ideg: np.ndarray,
    idis: np.ndarray,
    props2: np.ndarray,
    offby: np.ndarray,
    N: int,
    tempties: np.ndarray,
    pis: np.ndarray,
    recruit_counts: np.ndarray,
    n: int,
    n0: int,
    G: int,
    B: int,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    C = nbyclass0.size
    est = np.zeros((B, G))
    nm = np.zeros(B)
    # cumulative counts of the positive numbers of recruits (1, 2, ...)
    maxr = 1
    for v in recruit_counts:
        if v > maxr:
            maxr = v
    crefs = np.zeros(maxr)
    for v in recruit_counts:
        if v > 0:
            crefs[v - 1] += 1.0
    for k in range(1, maxr):
        crefs[k] += crefs[k - 1]
    nbyclass = np.empty(C, dtype=np.int64)
    pclass = np.empty(C)
    cdif = np.empty(C)
    nprob = np.empty(C)
    ntt = np.empty((G, G))
    nprop = np.empty(G)
    row = np.empty(G)
    sample = np.empty(n, dtype=np.int64)
    for b in range(B):
        for j in range(C):
            nbyclass[j] = nbyclass0[j]
        for i in range(G):
            for j in range(G):
                ntt[i, j] = tempties[i, j]
        # spread the rounding error of the class counts (as bsC and getinclCstacked)
        u = np.empty(abs(offby))
        for t in range(u.size):
            u[t] = gen.random()
        adjust_class_counts(nbyclass, props2, offby, N, u)
        for j in range(C):
            pclass[j] = ideg[j] * nbyclass[j]
        # seeds: successive sampling by degree
        for i in range(n0):
            acc = 0.0
            for j in range(C):
                acc += pclass[j]
                cdif[j] = acc
            j = _pick(cdif, gen.random() * cdif[C - 1])
            sample[i] = j
            pclass[j] -= ideg[j]
        for g in range(G):
            nprop[g] = 0.0
        tot = 0.0
        for j in range(C):
            nprop[idis[j]] += nbyclass[j]
            tot += nbyclass[j]
        for g in range(G):
            nprop[g] /= tot
        for i in range(G):
            s = 0.0
            for j in range(G):
                s += ntt[i, j]
            if s <= 0.0:
                for j in range(G):
                    ntt[i, j] = nprop[j]
            s = 0.0
            for j in range(G):
                s += ntt[j, i]
            if s <= 0.0:
                for j in range(G):
                    ntt[j, i] = nprop[j]
        numberfrom = _pick(crefs, gen.random() * crefs[maxr - 1]) + 1
        active = 0
        count = 0
        for m in range(n0, n):
            thisdis = idis[sample[active]]
            acc = 0.0
            for g in range(G):
                acc += ntt[thisdis, g]
                row[g] = acc
            nextdis = _pick(row, gen.random() * row[G - 1])
            total = 0.0
            for j in range(C):
                nprob[j] = pclass[j] if idis[j] == nextdis else 0.0
                total += nprob[j]
            if total == 0.0:
                for j in range(C):
                    nprob[j] = pclass[j]
                    total += nprob[j]
            acc = 0.0
            for j in range(C):
                acc += nprob[j]
                cdif[j] = acc
            nxt = _pick(cdif, gen.random() * cdif[C - 1])
            pclass[nxt] -= ideg[nxt]
            nd = idis[nxt]
            for i in range(G):
                ntt[i, nd] *= (total - ideg[nxt]) / total
            sample[m] = nxt
            count += 1
            if count == numberfrom:
                active += 1
                count = 0
                numberfrom = _pick(crefs, gen.random() * crefs[maxr - 1]) + 1
        den = 0.0
        den2 = 0.0
        for i in range(n):
            t = 1.0 / pis[sample[i]]
            den += t
            den2 += t * t
            est[b, idis[sample[i]]] += t
        for g in range(G):
            est[b, g] /= den
        nm[b] = den * den / den2
    return est, nm


@dataclass(frozen=True)
class GileBootstrap:
    """Replicates of Gile's bootstrap.

    Attributes
    ----------
    point : ndarray
        The SS estimate of each group's share from the bootstrap's own mapping.
    replicates : ndarray
        (replicates x groups) bootstrap estimates of the group shares.
    effective_sizes : ndarray
        Each replicate's effective sample size ``(sum w)^2 / sum w^2``.
    population_size : int
        The population size the synthetic populations have: as R, a population more than
        ``1 / SS_INFINITY`` = 100 times the sample is built with ``100 n`` units.
    """

    point: np.ndarray
    replicates: np.ndarray
    effective_sizes: np.ndarray
    population_size: int


def gile_bootstrap(
    groups: np.ndarray,
    recruitment: Recruitment,
    population_size: int,
    *,
    replicates: int,
    samples: int,
    rng: np.random.Generator,
    mapping: SuccessiveSampling | None = None,
) -> GileBootstrap:
    """Gile's SS bootstrap of the share of each group (codes ``0..G-1``, no missing).

    Parameters
    ----------
    groups : array of int
        Each respondent's group.
    recruitment : Recruitment
        The recruitment forest (degrees, recruiters, seeds).
    population_size : int
        Population size.
    replicates : int
        Bootstrap replicates.
    samples : int
        Successive samples per iteration for the inclusion probabilities.
    rng : Generator
        Random numbers (passed into the compiled replicates).
    mapping : SuccessiveSampling, optional
        Inclusion probabilities already simulated for this sample and population size
        (the fit's), reused instead of simulated again.
    """
    deg = recruitment.degree
    n = deg.size
    G = int(groups.max()) + 1
    N = int(population_size)
    if N * SS_INFINITY > n:
        N = int(round(n / SS_INFINITY))
    if mapping is None or mapping.population_size != N:
        mapping = successive_sampling(deg, N, samples=samples, rng=rng)
    w = mapping.weights(deg)
    point = np.bincount(groups, weights=w, minlength=G) / w.sum()
    classes = mapping.classes
    K = classes.size
    # classes of (degree, group): degree varies fastest, as R's table(degs, dis)
    class_index = np.searchsorted(classes, deg)
    counts = np.zeros(K * G)
    np.add.at(counts, groups * K + class_index, 1.0)
    p_both = np.tile(mapping.probabilities, G)
    props = counts / p_both
    props2 = props / props.sum()
    nbyclass = np.round(N * props2).astype(np.int64)
    offby = int(N - nbyclass.sum())
    ideg = np.tile(classes, G).astype(float)
    idis = np.repeat(np.arange(G), K)
    # recruitment counts between groups, and ties implied by the SS estimates
    rec = recruitment.recruiter
    CC = np.zeros((G, G))
    has = rec >= 0
    np.add.at(CC, (groups[rec[has]], groups[has]), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        R = CC / CC.sum(axis=1, keepdims=True)
    R = np.nan_to_num(R)
    # each group's mean degree, weighted by the inverse inclusion probabilities
    mean_degree = np.bincount(groups, weights=w * deg, minlength=G) / np.maximum(
        np.bincount(groups, weights=w, minlength=G), np.finfo(float).tiny
    )
    ties = R * (mean_degree * point * N)[:, None]
    tempties = (ties + ties.T) / 2.0
    n_recruits = np.bincount(rec[has], minlength=n).astype(np.int64)
    n0 = int(recruitment.is_seed.sum())
    est, nm = _replicates(
        rng,
        nbyclass,
        ideg,
        idis,
        props2,
        offby,
        float(N),
        tempties,
        p_both,
        n_recruits,
        n,
        n0,
        G,
        int(replicates),
    )
    return GileBootstrap(point, est, nm, N)
