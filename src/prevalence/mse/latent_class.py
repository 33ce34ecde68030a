"""Bayesian non-parametric latent class MSE (Manrique-Vallier 2016), as R ``LCMCR``."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from ..core.checks import positive_number, whole_number
from ..core.errors import EstimationWarning
from ..core.estimator import Estimator
from ..core.intervals import check_level
from ..core.mcmc import (
    chain_diagnostics,
    convergence_diagnostics,
    convergence_warnings,
    inference_data,
    posterior_summary,
)
from ..core.parallel import chain_generators, map_threads
from ..core.random import SeedLike, as_generator
from ..core.results import Estimate
from .data.captures import CaptureHistories, as_captures
from .details import LatentClassDetails
from .kernels.latent_class_sampler import WARMUP, run_chain

__all__ = ["LatentClassMSE"]

POINTS = ("median", "mean")


class LatentClassMSE(Estimator):
    """Population size from the non-parametric latent class model of Manrique-Vallier (2016).

    People fall into up to ``K`` latent classes with stick-breaking (truncated Dirichlet
    process) weights; within a class the lists catch people independently. The model
    captures heterogeneous catchability and the list dependence it induces, which is why
    human-rights statisticians use it (R ``LCMCR``). The posterior is sampled by the Gibbs
    scheme of the paper with data augmentation for the unobserved people and the prior
    ``p(N) ∝ 1/N`` (see :mod:`prevalence.mse.latent_class_sampler`).

    Parameters
    ----------
    K : int
        Truncation level: the largest number of latent classes (default 10).
    a_alpha, b_alpha : float
        Gamma prior (shape, rate) of the stick-breaking concentration ``alpha`` (default 0.25,
        0.25, as ``LCMCR``).
    burnin : int
        Gibbs sweeps discarded per chain after a 500-sweep warm-up (default 10,000).
    samples : int
        Draws kept per chain (default 1,000).
    thinning : int
        Sweeps between kept draws (default 10). ``LCMCR``'s settings are one chain of
        ``burnin``, then ``samples * thinning`` sweeps.
    chains : int
        Independent chains (default 2), run in parallel threads; their draws are pooled and
        compared for R-hat.
    point : {"median", "mean"}
        Posterior summary reported as the estimate (default the median).
    level : float
        Level of the equal-tailed posterior interval (default 0.95).
    seed : int or Generator, optional
        The same seed gives the same draws, whatever ``n_jobs``.
    n_jobs : int, optional
        Threads running the chains (default: one per chain up to the number of CPUs).

    Notes
    -----
    ``details`` holds the posterior mean and quantiles of ``N``, the trace (``N``, ``alpha``
    and the number of occupied classes for every kept draw of every chain), R-hat and
    effective sample sizes of ``N``. Warnings say when the chains disagree (R-hat above 1.01),
    when the effective sample size of ``N`` is below 400, and when all ``K`` classes are often
    occupied (the truncation may bind: raise ``K``).

    Examples
    --------
    >>> from prevalence import LatentClassMSE
    >>> from prevalence.simulate import simulate_captures
    >>> lists = {"A": 0.3, "B": 0.3, "C": 0.3, "D": 0.3}
    >>> captures = simulate_captures(1000, lists, seed=1).captures
    >>> est = LatentClassMSE(burnin=2000, samples=500, thinning=5, seed=1).fit(captures)
    >>> est.draws.size
    1000
    """

    input_kinds = ("captures", "records", "case_lists")
    details_schema = LatentClassDetails
    #: What the method assumes, in words (the run report's methods section).
    assumptions = (
        "A non-parametric latent class model (Manrique-Vallier 2016, R LCMCR): people fall "
        "into unobserved classes within which the lists are independent. Assumes a closed "
        "population and correct matching; handles heterogeneity of catchability, less so "
        "direct dependence between lists."
    )

    def __init__(
        self,
        K: int = 10,
        a_alpha: float = 0.25,
        b_alpha: float = 0.25,
        *,
        burnin: int = 10_000,
        samples: int = 1_000,
        thinning: int = 10,
        chains: int = 2,
        point: str = "median",
        level: float = 0.95,
        seed: SeedLike = None,
        n_jobs: int | None = None,
    ) -> None:
        self.K = whole_number("K", K)
        self.a_alpha = positive_number("a_alpha", a_alpha)
        self.b_alpha = positive_number("b_alpha", b_alpha)
        self.burnin = whole_number("burnin", burnin, 0)
        self.samples = whole_number("samples", samples, 2)
        self.thinning = whole_number("thinning", thinning)
        self.chains = whole_number("chains", chains)
        if point not in POINTS:
            raise ValueError(f"point must be one of {POINTS}, got {point!r}")
        self.point = point
        self.level = check_level(level)
        self.seed = seed
        self.n_jobs = None if n_jobs is None else whole_number("n_jobs", n_jobs)

    def fit(self, data: CaptureHistories | pd.DataFrame) -> Estimate:
        """Sample the posterior of the population size."""
        captures = as_captures(data)
        t = captures.n_lists
        y = captures.cell_counts
        codes = np.flatnonzero(y > 0)
        cells = np.ascontiguousarray(((codes[:, None] >> np.arange(t)) & 1).astype(np.int64))
        freq = np.ascontiguousarray(y[codes].astype(np.int64))
        root = int(as_generator(self.seed).integers(2**63))
        gens = chain_generators(root, self.chains)
        start = time.perf_counter()

        def one(gen: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            return run_chain(
                gen,
                cells,
                freq,
                self.K,
                self.a_alpha,
                self.b_alpha,
                self.burnin,
                self.samples,
                self.thinning,
            )

        results = map_threads(one, gens, self.n_jobs)
        seconds = time.perf_counter() - start
        N = np.stack([r[0] for r in results]).astype(float)
        alphas = np.stack([r[1] for r in results])
        occupied = np.stack([r[2] for r in results])
        return self._estimate(captures, N, alphas, occupied, seconds)

    def _estimate(
        self,
        captures: CaptureHistories,
        N: np.ndarray,
        alphas: np.ndarray,
        occupied: np.ndarray,
        seconds: float,
    ) -> Estimate:
        draws = N.ravel()
        diag = chain_diagnostics(N)
        notes = convergence_warnings(diag, "N", "raise burnin, samples or thinning")
        full = float(np.mean(occupied >= self.K))
        if self.K > 1 and full > 0.05:
            notes.append(
                f"all K={self.K} latent classes are occupied in {100 * full:.0f}% of the draws; "
                "the truncation may bind: raise K"
            )
        a = (1.0 - self.level) / 2.0
        lower, upper = np.quantile(draws, [a, 1.0 - a])
        trace = pd.DataFrame(
            {
                "chain": np.repeat(np.arange(N.shape[0]), N.shape[1]),
                "draw": np.tile(np.arange(N.shape[1]), N.shape[0]),
                "N": draws,
                "alpha": alphas.ravel(),
                "occupied_classes": occupied.ravel(),
            }
        )
        details = {
            "n_observed": captures.n_observed,
            **posterior_summary(draws),
            "K": self.K,
            "a_alpha": self.a_alpha,
            "b_alpha": self.b_alpha,
            "burnin": self.burnin,
            "samples": self.samples,
            "thinning": self.thinning,
            "chains": int(N.shape[0]),
            "sweeps_per_chain": WARMUP + self.burnin + self.samples * self.thinning,
            "trace": trace,
            "idata": inference_data(
                {"N": N, "alpha": alphas, "occupied_classes": occupied.astype(np.int64)}
            ),
            "seconds": seconds,
            "diagnostics": convergence_diagnostics(**diag),
        }
        for w in notes:
            warnings.warn(w, EstimationWarning, stacklevel=3)
        value = details["posterior_median"] if self.point == "median" else details["posterior_mean"]
        return Estimate(
            value=value,
            lower=float(lower),
            upper=float(upper),
            level=self.level,
            method=(
                f"latent class MSE (K={self.K}, {N.shape[0]} chain(s) x {self.samples} draws), "
                f"posterior {self.point} and equal-tailed interval"
            ),
            draws=draws,
            draws_kind="posterior",
            interval_method="credible",
            scale="count",
            details=details,
            warnings=tuple(notes),
        )
