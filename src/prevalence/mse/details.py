"""What ``Estimate.details`` holds for each multiple systems estimator: one typed schema each.

Keys shared across families mean the same thing everywhere: ``n_observed`` is the number of
people (or respondents) observed, ``std_error`` the standard error of the value,
``coefficients`` a table with columns ``term, estimate, std_error, lower, upper``, ``models``
a table of candidate models with columns ``model, N, weight`` (then the method's own),
``diagnostics`` the MCMC convergence mapping of :func:`prevalence.core.mcmc.convergence_diagnostics`
and ``idata`` the draws as ArviZ ``InferenceData``. ``tests/core/test_details_schema.py``
fits every estimator in its configurations and checks its details against its schema.
"""

# no `from __future__ import annotations`: TypedDict reads NotRequired from real annotations
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import numpy as np
import pandas as pd

from ..core.bootstrap import Jackknife

__all__ = [
    "PosteriorSummaryDetails",
    "LogLinearDetails",
    "ClosedPopulationDetails",
    "LatentClassDetails",
    "DecomposableBMADetails",
    "BayesThresholdDetails",
    "PooledStratifiedDetails",
    "PooledStratumDetails",
]


class PosteriorSummaryDetails(TypedDict):
    """The posterior summary every Bayesian estimator of this family reports.

    Attributes
    ----------
    n_observed : int
        People on at least one list.
    posterior_mean : float
        Posterior mean of the population size N.
    posterior_median : float
        Posterior median of N.
    quantiles : dict of str to float
        Posterior quantiles of N at 2.5, 10, 50, 90 and 97.5%, keyed as R prints them ("2.5%").
    """

    n_observed: int
    posterior_mean: float
    posterior_median: float
    quantiles: dict[str, float]


class LogLinearDetails(TypedDict):
    """``details`` of :class:`~prevalence.LogLinearMSE`.

    Attributes
    ----------
    model : str
        The fitted model's generating class, as R writes it ("[12,3]").
    model_terms : str
        The model's terms with the list names.
    lists : tuple of str
        The lists, in the order of the capture histories.
    n_observed : int
        People on at least one list.
    unobserved : float
        Estimated number of people on no list (N minus n_observed).
    std_error : float
        Standard error of N (Poisson-model delta method).
    deviance : float
        Residual deviance of the Poisson log-linear fit.
    df : int
        Residual degrees of freedom.
    loglik : float
        Log-likelihood of the fit (MultipleSystemsEstimation's form).
    AIC : float
        Akaike information criterion.
    BIC : float
        Bayesian information criterion.
    coefficients : DataFrame
        One row per term: term, estimate, std_error, lower, upper (Wald); terms fixed at minus
        infinity (an empty margin) last, without standard error.
    infinite_terms : tuple of str
        Terms fixed at minus infinity.
    fitted : DataFrame
        The observed capture patterns with their counts and fitted values.
    converged : bool
        Whether the Newton iteration converged.
    iterations : int
        Newton iterations used.
    multinomial_estimate : float, optional
        With ``interval="profile"``: the multinomial (profile) maximum likelihood estimate.
    selection : str, optional
        With model selection: the rule (``"bic"``, ``"aic"``, ``"stepwise"``, ``"aic-wald"``).
    max_order : int, optional
        With model selection: the highest interaction order searched.
    models : DataFrame, optional
        With an exhaustive search: every valid model (model, N, weight, deviance, df, AIC, BIC,
        order), best first; weight is the criterion's weight, exp(-delta/2) normalised.
    n_models : int, optional
        With a search: the models in the search space.
    n_models_skipped : int, optional
        With an exhaustive search: models without a finite, identifiable estimate.
    search : dict, optional
        With a downhill or multi-start search: its record (starts, models fitted, optimum).
    p_threshold : float, optional
        With a stepwise rule: the p-value threshold used.
    bootstrap : dict, optional
        With a bootstrap interval: replicates, failures, BCa constants, the BCa quantiles at
        2.5, 10, 50, 90 and 97.5% and at the level's limits, the models chosen in the
        replicates and their frequencies.
    jackknife : Jackknife, optional
        With a bootstrap interval: the jackknife behind the BCa acceleration.
    bca : dict, optional
        With ``interval="bootstrap"``: the BCa bias correction and acceleration.
    """

    model: str
    model_terms: str
    lists: tuple[str, ...]
    n_observed: int
    unobserved: float
    std_error: float
    deviance: float
    df: int
    loglik: float
    AIC: float
    BIC: float
    coefficients: pd.DataFrame
    infinite_terms: tuple[str, ...]
    fitted: pd.DataFrame
    converged: bool
    iterations: int
    multinomial_estimate: NotRequired[float]
    selection: NotRequired[str]
    max_order: NotRequired[int]
    models: NotRequired[pd.DataFrame]
    n_models: NotRequired[int]
    n_models_skipped: NotRequired[int]
    search: NotRequired[dict[str, Any]]
    p_threshold: NotRequired[float]
    bootstrap: NotRequired[dict[str, Any]]
    jackknife: NotRequired[Jackknife]
    bca: NotRequired[dict[str, float]]


class ClosedPopulationDetails(TypedDict):
    """``details`` of :class:`~prevalence.ClosedPopulationMSE` (Rcapture's models).

    Attributes
    ----------
    model : str
        The model's name as Rcapture prints it ("Mth Chao (LB)").
    lists : tuple of str
        The lists (capture occasions).
    n_observed : int
        People on at least one list.
    std_error : float
        Standard error of N, as Rcapture's ``closedp``.
    deviance : float
        Residual deviance.
    df : int
        Residual degrees of freedom.
    AIC : float
        Akaike information criterion, as Rcapture.
    BIC : float
        Bayesian information criterion, as Rcapture.
    coefficients : DataFrame
        One row per named design column: term, estimate, std_error, lower, upper.
    converged : bool
        Whether the Poisson fit converged.
    interval : str
        The interval used: ``"profile"`` or ``"wald"`` (``"none"`` for none).
    multinomial_estimate : float, optional
        With a profile interval: the multinomial maximum likelihood estimate.
    sigma : float, optional
        With ``h="Normal"``: the standard deviation of the normal random effect.
    std_error_rcapture : float, optional
        With ``h="Normal"``: the standard error of N as Rcapture 1.4-4 prints it (from half
        the inverse information).
    """

    model: str
    lists: tuple[str, ...]
    n_observed: int
    std_error: float
    deviance: float
    df: int
    AIC: float
    BIC: float
    coefficients: pd.DataFrame
    converged: bool
    interval: str
    multinomial_estimate: NotRequired[float]
    sigma: NotRequired[float]
    std_error_rcapture: NotRequired[float]


class LatentClassDetails(PosteriorSummaryDetails):
    """``details`` of :class:`~prevalence.LatentClassMSE` (LCMCR's model), besides the
    posterior summary (:class:`PosteriorSummaryDetails`).

    Attributes
    ----------
    K : int
        Latent classes in the truncated stick-breaking prior.
    a_alpha : float
        Shape of the Gamma prior on the stick-breaking concentration.
    b_alpha : float
        Rate of that prior.
    burnin : int
        Sweeps discarded per chain (after the sampler's fixed warm-up).
    samples : int
        Draws kept per chain.
    thinning : int
        Sweeps per kept draw.
    chains : int
        Chains run.
    sweeps_per_chain : int
        All sweeps per chain (warm-up, burn-in and thinned samples).
    trace : DataFrame
        chain, draw, N, alpha and occupied_classes of every kept draw.
    idata : InferenceData
        The draws (N, alpha, occupied_classes) for ArviZ.
    seconds : float
        Sampling time.
    diagnostics : mapping
        Convergence of N (:func:`~prevalence.core.mcmc.convergence_diagnostics`).
    """

    K: int
    a_alpha: float
    b_alpha: float
    burnin: int
    samples: int
    thinning: int
    chains: int
    sweeps_per_chain: int
    trace: pd.DataFrame
    idata: Any
    seconds: float
    diagnostics: Mapping[str, Any]


class DecomposableBMADetails(PosteriorSummaryDetails):
    """``details`` of :class:`~prevalence.DecomposableBMA` (dga's model averaging), besides the
    posterior summary (:class:`PosteriorSummaryDetails`).

    Attributes
    ----------
    delta : float
        The hyper-Dirichlet prior's concentration per cell.
    posterior : DataFrame
        The posterior of N on its grid: N, probability.
    models : DataFrame
        Every graph, most probable first: model, N (posterior mean of N given the graph),
        weight (the graph's posterior probability), generators.
    n_graphs : int
        Decomposable graphs averaged over.
    max_missing : int
        Largest number of unobserved people on the grid.
    n_prior : str
        The prior on N (``"inverse"``, ``"uniform"`` or ``"user function"``).
    log_evidence_unnormalised : float
        Log of the summed unnormalised posterior mass.
    """

    delta: float
    posterior: pd.DataFrame
    models: pd.DataFrame
    n_graphs: int
    max_missing: int
    n_prior: str
    log_evidence_unnormalised: float


class BayesThresholdDetails(PosteriorSummaryDetails):
    """``details`` of :class:`~prevalence.BayesThresholdMSE` (Silverman's thresholded
    log-linear model, SparseMSE), besides the posterior summary
    (:class:`PosteriorSummaryDetails`).

    Attributes
    ----------
    model : str
        The model kept after thresholding.
    retained : list of str
        The pairwise interactions kept.
    threshold_statistics : dict of str to float
        The thresholding statistic of every pairwise interaction.
    coefficients : DataFrame
        Posterior of each term: term, estimate (mean), std_error (sd), lower, upper
        (equal-tailed), mode.
    prior : str
        ``"proper"`` or ``"improper"``.
    prior_variance : float
        Variance of the normal prior on the coefficients.
    threshold : float
        The threshold the statistics are compared with.
    acceptance : list of float
        Metropolis acceptance rate per chain.
    chains : int
        Chains run.
    samples : int
        Draws kept per chain.
    seconds : float
        Sampling time.
    idata : InferenceData
        The draws (N, coefficient by term) for ArviZ.
    diagnostics : mapping
        Convergence of N (:func:`~prevalence.core.mcmc.convergence_diagnostics`).
    eligible_triples : list of str, optional
        With ``max_order=3``: the three-way interactions considered.
    retained_triples : list of str, optional
        With ``max_order=3``: those kept.
    triple_threshold_statistics : dict of str to float, optional
        With ``max_order=3``: their statistics.
    minus_infinite_effects : list of str, optional
        With the improper prior: the effects fixed at minus infinity (empty margins).
    """

    model: str
    retained: list[str]
    threshold_statistics: dict[str, float]
    coefficients: pd.DataFrame
    prior: str
    prior_variance: float
    threshold: float
    acceptance: list[float]
    chains: int
    samples: int
    seconds: float
    idata: Any
    diagnostics: Mapping[str, Any]
    eligible_triples: NotRequired[list[str]]
    retained_triples: NotRequired[list[str]]
    triple_threshold_statistics: NotRequired[dict[str, float]]
    minus_infinite_effects: NotRequired[list[str]]


class PooledStratifiedDetails(TypedDict):
    """``details`` of :class:`~prevalence.PooledStratifiedMSE` (the total over the strata).

    Attributes
    ----------
    strata : DataFrame
        One row per stratum: its levels, n_observed, value, lower, upper, rhat, ess_bulk and
        the lists absent there.
    by_stratum : dict of label to Estimate
        Each stratum's estimate (their draws are one joint posterior; details as
        :class:`PooledStratumDetails`).
    stratum_draws : ndarray
        Posterior draws of every stratum's size (draws x strata).
    labels : list
        The strata, in the order of the columns of ``stratum_draws``.
    posterior_id : str
        Marks the strata's draws as one posterior (comparisons pair them).
    n_observed : int
        People on at least one list, over the strata.
    diagnostics : mapping
        Convergence of the stratum sizes and their total together
        (:func:`~prevalence.core.mcmc.convergence_diagnostics`).
    sampler : str
        ``"nutpie"`` or ``"pymc"``.
    priors : dict
        The prior scales used.
    idata : InferenceData
        The PyMC posterior.
    """

    strata: pd.DataFrame
    by_stratum: dict[Any, Any]
    stratum_draws: np.ndarray
    labels: list[Any]
    posterior_id: str
    n_observed: int
    diagnostics: Mapping[str, Any]
    sampler: str
    priors: dict[str, Any]
    idata: Any


class PooledStratumDetails(TypedDict):
    """``details`` of one stratum's estimate in ``details["by_stratum"]`` of
    :class:`~prevalence.PooledStratifiedMSE`.

    Attributes
    ----------
    stratum : label
        The stratum.
    n_observed : int
        People on at least one list in the stratum.
    posterior_id : str
        The fit's posterior, shared by its strata (comparisons pair their draws).
    diagnostics : mapping
        Convergence of the stratum's size
        (:func:`~prevalence.core.mcmc.convergence_diagnostics`).
    """

    stratum: Any
    n_observed: int
    posterior_id: str
    diagnostics: Mapping[str, Any]
