"""Bayesian thresholding of log-linear interactions (Silverman 2020), as R
``MultipleSystemsEstimation::estimate_population_bayesthresh``."""

from __future__ import annotations

import math
import time
import warnings
from itertools import combinations

import numpy as np
import pandas as pd

from ..core.checks import positive_number, whole_number
from ..core.errors import DataError, EstimationError, EstimationWarning
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
from ..core.results import Estimate, coefficient_table
from .algebra.design import design_matrix, reduced_design
from .algebra.existence import check_design
from .algebra.hierarchical import HierarchicalModel, term_label
from .data.captures import CaptureHistories, as_captures
from .details import BayesThresholdDetails
from .kernels.bayes_threshold_sampler import posterior_mode, run_chain

__all__ = ["BayesThresholdMSE", "interaction_terms"]

PRIORS = ("proper", "improper")
MAIN_PRECISION = 1e-4  # MCMCpack's stand-in for flat priors on the intercept and main effects
MIN_ACCEPTANCE = 0.1


def interaction_terms(n_lists: int, order: int) -> list[int]:
    """Interactions of ``order`` lists as bit masks, in R's order (12, 13, 23, 14, 24, 34, ...).

    Examples
    --------
    >>> interaction_terms(4, 2)
    [3, 5, 6, 9, 10, 12]
    """
    out: list[int] = []
    for last in range(order - 1, n_lists):
        for earlier in combinations(range(last), order - 1):
            out.append(sum(1 << j for j in earlier) | (1 << last))
    return out


class BayesThresholdMSE(Estimator):
    """Population size by Bayesian thresholding of interactions (Silverman 2020, section 6).

    A Poisson log-linear model with every two-list interaction is fitted by MCMC; interactions
    whose posterior mean is less than ``threshold`` posterior standard deviations from zero are
    dropped and the model with the retained interactions is refitted. ``N`` is the number
    observed plus ``exp(intercept)``, draw by draw. Defaults are those of
    ``estimate_population_bayesthresh``: a proper N(0, ``prior_variance``) prior on the
    interactions (flat priors on intercept and main effects, approximated by variance 10^4 as
    MCMCpack does), prior variance 1, threshold 2, pairwise interactions.

    Parameters
    ----------
    prior : {"proper", "improper"}
        Prior of the interactions. With ``"improper"`` (flat) priors, interactions nobody has
        are fixed at minus infinity with their cells removed (as R), and the all-pairs model
        must have a maximum likelihood estimate (Fienberg-Rinaldo), else an error.
    prior_variance : float
        Variance of the proper prior (default 1).
    threshold : float
        Retain an interaction when ``|posterior mean / posterior sd| >= threshold`` (default 2).
    max_order : {2, 3}
        With 3, three-list interactions whose three pairs are all retained are then
        thresholded in the same way.
    burnin, samples : int
        Metropolis-Hastings iterations discarded and kept per chain (defaults 1,000 and 10,000,
        MCMCpack's).
    chains : int
        Independent chains, run in parallel threads (default 4).
    level : float
        Level of the equal-tailed posterior interval (default 0.95).
    seed : int or Generator, optional
        The same seed gives the same draws, whatever ``n_jobs``.
    n_jobs : int, optional
        Threads running the chains.

    Notes
    -----
    MCMCpack samples with a random-walk Metropolis chain; here an independence sampler with a
    multivariate t proposal from the posterior mode samples the same posterior with nearly
    independent draws (see :mod:`prevalence.mse.bayes_threshold_sampler`). ``details`` holds
    the retained interactions, the threshold statistics of every candidate, the final model,
    posterior quantiles of ``N`` at 2.5, 10, 50, 90 and 97.5% (R's ``quantiles``), acceptance
    rates, R-hat and effective sample sizes. With ``prior="improper"``, interactions nobody has
    are listed in ``minus_infinite_effects`` and stay in the final ``model`` at minus infinity.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence import BayesThresholdMSE, CaptureHistories
    >>> df = pd.DataFrame({"A": [1, 0, 1, 1, 0, 1, 0], "B": [0, 1, 1, 0, 1, 1, 0],
    ...                    "C": [0, 0, 0, 1, 1, 1, 1], "count": [40, 30, 12, 20, 9, 5, 25]})
    >>> est = BayesThresholdMSE(seed=1).fit(CaptureHistories.from_counts(df))
    >>> sorted(est.details["threshold_statistics"])
    ['A:B', 'A:C', 'B:C']
    """

    input_kinds = ("captures", "records", "case_lists")
    details_schema = BayesThresholdDetails
    #: What the method assumes, in words (the run report's methods section).
    assumptions = (
        "Bayesian log-linear multiple systems estimation in which interactions whose "
        "posterior stays near zero are removed (Silverman 2020). Assumes a closed population "
        "and correct matching; the result depends on the priors and the threshold."
    )

    def __init__(
        self,
        prior: str = "proper",
        prior_variance: float = 1.0,
        threshold: float = 2.0,
        max_order: int = 2,
        *,
        burnin: int = 1_000,
        samples: int = 10_000,
        chains: int = 4,
        proposal_df: float = 5.0,
        level: float = 0.95,
        seed: SeedLike = None,
        n_jobs: int | None = None,
    ) -> None:
        if prior not in PRIORS:
            raise ValueError(f"prior must be one of {PRIORS}, got {prior!r}")
        if max_order not in (2, 3):
            raise ValueError(f"max_order must be 2 or 3, got {max_order!r}")
        try:
            threshold = float(threshold)
        except (TypeError, ValueError):
            raise ValueError(
                f"threshold must be a non-negative number, got {threshold!r}"
            ) from None
        if not (math.isfinite(threshold) and threshold >= 0):
            raise ValueError(f"threshold must be a non-negative number, got {threshold!r}")
        self.prior = prior
        self.prior_variance = positive_number("prior_variance", prior_variance)
        self.threshold = threshold
        self.max_order = int(max_order)
        self.burnin = whole_number("burnin", burnin, 0)
        self.samples = whole_number("samples", samples, 2)
        self.chains = whole_number("chains", chains)
        self.proposal_df = positive_number("proposal_df", proposal_df)
        self.level = check_level(level)
        self.seed = seed
        self.n_jobs = None if n_jobs is None else whole_number("n_jobs", n_jobs)

    # ------------------------------------------------------------------ fitting
    def check_input(self, data: CaptureHistories | pd.DataFrame) -> list[str]:
        """Whether the lists overlap (the independence model exists)."""
        from .algebra.existence import fit_problems

        try:
            return fit_problems(as_captures(data))
        except DataError as exc:
            return [str(exc)]

    def fit(self, data: CaptureHistories | pd.DataFrame) -> Estimate:
        """Threshold the interactions and return the posterior of ``N`` under the final model."""
        captures = as_captures(data)
        t = captures.n_lists
        lists = captures.lists
        if self.max_order == 3 and t < 3:
            raise EstimationError("three-list interactions need at least three lists")
        y = np.asarray(captures.cell_counts, dtype=float)
        root = int(as_generator(self.seed).integers(2**63))
        stage_seeds = np.random.SeedSequence(root).spawn(3)
        start = time.perf_counter()
        pairs = interaction_terms(t, 2)
        # with no overlap the lists say nothing about the people on none of them, under any
        # model: the posterior is the prior's (estimates of 1e17 under the default priors)
        independence = check_design(reduced_design(y, HierarchicalModel([], t)), lists)
        if not independence.exists:
            raise EstimationError(
                "Bayesian thresholding cannot estimate N from these data: even the model "
                f"without interactions fails: {independence.reason} (no one is on two lists?)"
            )
        if self.prior == "improper":
            check = check_design(reduced_design(y, HierarchicalModel(pairs, t)), lists)
            if not check.ok:
                raise EstimationError(
                    "Bayesian thresholding with improper priors cannot be applied: the model "
                    f"with every two-list interaction fails: {check.reason}"
                )
        notes: list[str] = []
        fit1 = self._fit_model(y, t, pairs, stage_seeds[0], notes)
        pair_stats = fit1["ratios"]
        retained = [u for u in pairs if u in pair_stats and pair_stats[u] >= self.threshold]
        # improper prior: interactions nobody has stay in every later model, fixed at minus
        # infinity (their cells leave the likelihood), as R refits the table pruned at stage 1
        removed = list(fit1["infinite"])
        triple_stats: dict[int, float] = {}
        eligible: list[int] = []
        retained_triples: list[int] = []
        if self.max_order == 3:
            eligible = [
                u
                for u in interaction_terms(t, 3)
                if all((u & ~(1 << j)) in retained for j in range(t) if u >> j & 1)
            ]
        if eligible:
            ok = True
            if self.prior == "improper":
                check = check_design(
                    reduced_design(y, HierarchicalModel(retained + eligible, t)), lists
                )
                ok = check.exists
                if not ok:
                    notes.append(
                        "the maximal three-list extension fails the Fienberg-Rinaldo existence "
                        "criterion; reverting to max_order = 2"
                    )
            if ok:
                fit3 = self._fit_model(y, t, retained + eligible + removed, stage_seeds[1], notes)
                triple_stats = {u: r for u, r in fit3["ratios"].items() if u in eligible}
                retained_triples = [
                    u for u in eligible if triple_stats.get(u, 0.0) >= self.threshold
                ]
                removed += [u for u in fit3["infinite"] if u not in removed]
        final = self._fit_model(y, t, retained + retained_triples + removed, stage_seeds[2], notes)
        seconds = time.perf_counter() - start
        return self._estimate(
            captures, final, pair_stats, retained, eligible, triple_stats, retained_triples,
            removed, notes, seconds,
        )  # fmt: skip

    def _fit_model(
        self,
        y: np.ndarray,
        t: int,
        interactions: list[int],
        seed: np.random.SeedSequence,
        notes: list[str],
    ) -> dict:
        """MCMC for the model with all main effects and ``interactions``."""
        model = HierarchicalModel(interactions, t)
        if self.prior == "improper":
            design = reduced_design(y, model)
            cells, terms, X = design.cells, design.terms, design.X
            infinite = [int(u) for u in design.infinite_terms]
        else:
            cells = np.arange(1, 2**t, dtype=np.int64)
            mains = [1 << j for j in range(t)]
            terms = np.array(
                [0, *mains, *[u for u in interactions if u not in mains]], dtype=np.int64
            )
            infinite = []
            X = design_matrix(cells, terms)
        counts = y[cells]
        n = float(y.sum())
        prec = np.where(
            np.array([bin(int(u)).count("1") for u in terms]) <= 1,
            0.0 if self.prior == "improper" else MAIN_PRECISION,
            0.0 if self.prior == "improper" else 1.0 / self.prior_variance,
        )
        # R's starting values: intercept log(5n), main effects log(list total / 5n)
        start = np.zeros(len(terms))
        start[0] = math.log(5 * n)
        for k, u in enumerate(terms):
            if bin(int(u)).count("1") == 1:
                total = float(y[(np.arange(2**t) & u) == u].sum())
                start[k] = math.log(max(total, 0.5) / (5 * n))
        mode, hess, converged = posterior_mode(X, counts, prec, start)
        if not converged:
            notes.append(f"the posterior mode search did not converge for model {model}")
        try:
            cov = np.linalg.inv(hess)
            chol = np.linalg.cholesky((cov + cov.T) / 2.0)
        except np.linalg.LinAlgError:
            raise EstimationError(
                f"the posterior of model {model} is not proper here (singular information at "
                "the mode); use prior='proper'"
            ) from None
        gens = chain_generators(seed, self.chains)

        def one(gen: np.random.Generator) -> tuple[np.ndarray, float]:
            return run_chain(
                gen, X, counts, prec, mode, chol, self.proposal_df, self.burnin, self.samples
            )

        results = map_threads(one, gens, self.n_jobs)
        draws = np.stack([r[0] for r in results])  # chains x samples x terms
        acceptance = [float(r[1]) for r in results]
        flat = draws.reshape(-1, draws.shape[-1])
        mean = flat.mean(axis=0)
        sd = flat.std(axis=0, ddof=1)
        ratios = {
            int(u): float(abs(mean[k] / sd[k])) if sd[k] > 0 else math.inf
            for k, u in enumerate(terms)
            if bin(int(u)).count("1") >= 2
        }
        if min(acceptance) < MIN_ACCEPTANCE:
            notes.append(
                f"low acceptance rate of the sampler ({min(acceptance):.2f}) for model {model}: "
                "the posterior is far from normal; check the trace"
            )
        return {
            "model": model,
            "terms": terms,
            "draws": draws,
            "mean": mean,
            "sd": sd,
            "ratios": ratios,
            "infinite": infinite,
            "acceptance": acceptance,
            "mode": mode,
        }

    def _estimate(
        self,
        captures: CaptureHistories,
        final: dict,
        pair_stats: dict[int, float],
        retained: list[int],
        eligible: list[int],
        triple_stats: dict[int, float],
        retained_triples: list[int],
        removed: list[int],
        notes: list[str],
        seconds: float,
    ) -> Estimate:
        lists = captures.lists
        n = float(captures.n_observed)
        N_chains = n + np.exp(final["draws"][:, :, 0])
        draws = N_chains.ravel()
        diag = chain_diagnostics(N_chains)
        notes.extend(convergence_warnings(diag, "N", "raise samples"))
        a = (1.0 - self.level) / 2.0
        lower, upper = np.quantile(draws, [a, 1.0 - a])
        # posterior mean and sd, equal-tailed interval at the level, and the mode
        flat = final["draws"].reshape(-1, final["draws"].shape[-1])
        coef_lo, coef_hi = np.quantile(flat, [a, 1.0 - a], axis=0)
        coef = coefficient_table(
            [term_label(int(u), lists) for u in final["terms"]],
            final["mean"],
            final["sd"],
            coef_lo,
            coef_hi,
            mode=final["mode"],
        )
        details = {
            "n_observed": captures.n_observed,
            "model": final["model"].to_string(),
            "retained": [term_label(u, lists) for u in retained],
            "threshold_statistics": {term_label(u, lists): pair_stats[u] for u in pair_stats},
            **posterior_summary(draws),
            "coefficients": coef,
            "prior": self.prior,
            "prior_variance": self.prior_variance,
            "threshold": self.threshold,
            "acceptance": final["acceptance"],
            "chains": self.chains,
            "samples": self.samples,
            "seconds": seconds,
            "idata": inference_data(
                {"N": N_chains, "coefficient": final["draws"]},
                coords={"term": list(coef["term"])},
                dims={"coefficient": ["term"]},
            ),
            "diagnostics": convergence_diagnostics(**diag),
        }
        if self.max_order == 3:
            details["eligible_triples"] = [term_label(u, lists) for u in eligible]
            if triple_stats:
                details["retained_triples"] = [term_label(u, lists) for u in retained_triples]
                details["triple_threshold_statistics"] = {
                    term_label(u, lists): r for u, r in triple_stats.items()
                }
        if self.prior == "improper" and removed:
            details["minus_infinite_effects"] = [term_label(u, lists) for u in removed]
        for w in notes:
            warnings.warn(w, EstimationWarning, stacklevel=3)
        return Estimate(
            value=details["posterior_median"],
            lower=float(lower),
            upper=float(upper),
            level=self.level,
            method=(
                f"Bayesian thresholding MSE ({self.prior} prior, threshold {self.threshold:g}), "
                f"final model {details['model']}, posterior median and equal-tailed interval"
            ),
            draws=draws,
            draws_kind="posterior",
            interval_method="credible",
            scale="count",
            details=details,
            warnings=tuple(notes),
        )
