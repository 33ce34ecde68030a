"""What ``Estimate.details`` holds for each hidden-population survey estimator: typed schemas
(see :mod:`prevalence.mse.details` for the keys shared across families)."""

# no `from __future__ import annotations`: TypedDict reads NotRequired from real annotations
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import numpy as np
import pandas as pd

__all__ = [
    "SSPSEDetails",
    "ScaleUpDetails",
    "GeneralizedScaleUpDetails",
    "BayesianScaleUpDetails",
    "RDSDetails",
]


class ScaleUpDetails(TypedDict):
    """``details`` of :class:`~prevalence.ScaleUp` (network scale-up, as R's
    ``networkreporting``).

    Attributes
    ----------
    hidden : str
        The column of reports about the hidden population.
    proportion : float
        Weighted reports over weighted degrees.
    unadjusted : float
        The estimate before the degree-ratio and transmission adjustments.
    sum_weighted_reports : float
        Weighted sum of the reports about the hidden population.
    sum_weighted_degree : float
        Weighted sum of the respondents' degrees.
    mean_degree : float
        Weighted mean degree.
    unweighted_estimate : float
        The estimate without the survey weights.
    killworth_std_error : float
        Killworth's binomial standard error.
    n_observed : int
        Respondents used.
    n_dropped : int
        Respondents left out for missing answers.
    total : float
        The size of the population the survey covers.
    topcode : int or None
        Reports above this were set to it.
    interval : str
        The interval used (bootstrap, replicate, linearization, killworth).
    std_error : float
        Standard error of the estimate (after the adjustments).
    degree_ratio : float, optional
        With an adjustment: the degree ratio (its value when it is an estimate).
    transmission : float, optional
        With an adjustment: the transmission rate (its value when it is an estimate).
    unadjusted_interval : tuple of float, optional
        With an uncertain adjustment: the interval before it.
    n_draws : int, optional
        With an uncertain adjustment: draws combined.
    independent : bool, optional
        With an uncertain adjustment: always True (the factors are independent estimates).
    source : str, optional
        With an uncertain adjustment: where the combined draws came from.
    """

    hidden: str
    proportion: float
    unadjusted: float
    sum_weighted_reports: float
    sum_weighted_degree: float
    mean_degree: float
    unweighted_estimate: float
    killworth_std_error: float
    n_observed: int
    n_dropped: int
    total: float
    topcode: int | None
    interval: str
    std_error: float
    degree_ratio: NotRequired[float]
    transmission: NotRequired[float]
    unadjusted_interval: NotRequired[tuple[float, float]]
    n_draws: NotRequired[int]
    independent: NotRequired[bool]
    source: NotRequired[str]


class GeneralizedScaleUpDetails(TypedDict):
    """``details`` of :class:`~prevalence.GeneralizedScaleUp` (Feehan and Salganik).

    Attributes
    ----------
    frame_reports : float
        Estimated total of the frame's reports about the hidden population.
    visibility : float
        Estimated visibility of the hidden population (from the hidden-population survey).
    n_frame : int
        Frame respondents with an answer.
    n_hidden : int
        Hidden-population respondents.
    n_observed : int
        Respondents used from both surveys (n_frame + n_hidden).
    probe_size : float
        Summed size of the probe populations.
    std_error : float
        Standard deviation of the bootstrap replicates.
    """

    frame_reports: float
    visibility: float
    n_frame: int
    n_hidden: int
    n_observed: int
    probe_size: float
    std_error: float


class BayesianScaleUpDetails(TypedDict):
    """``details`` of :class:`~prevalence.BayesianScaleUp` (PyMC).

    Attributes
    ----------
    std_error : float
        Posterior standard deviation of the hidden population's size.
    posterior_mean : float
        Its posterior mean.
    n_observed : int
        Respondents used.
    diagnostics : mapping
        Convergence of the size (:func:`~prevalence.core.mcmc.convergence_diagnostics`).
    sampler : str
        ``"nutpie"`` or ``"pymc"``.
    summary : DataFrame
        ArviZ's summary of the main parameters.
    transmission_prior : tuple or str
        The Beta prior of the transmission rate, or "fixed at 1".
    size_prior : str
        The prior on the size.
    idata : InferenceData
        The posterior.
    """

    std_error: float
    posterior_mean: float
    n_observed: int
    diagnostics: Mapping[str, Any]
    sampler: str
    summary: pd.DataFrame
    transmission_prior: Any
    size_prior: str
    idata: Any


class RDSDetails(TypedDict):
    """``details`` of :class:`~prevalence.RDS` (respondent-driven sampling, as R's ``RDS``).

    Attributes
    ----------
    estimator : str
        ``"RDS-I"``, ``"RDS-II"`` or ``"SS"``.
    std_error : float
        Standard error (R's, or of the bootstrap replicates).
    design_effect : float
        Variance over the variance under simple random sampling.
    n_observed : int
        Respondents with the outcome recorded.
    n_seeds : int
        Seeds of the recruitment forest.
    max_wave : int
        Longest recruitment chain.
    population_size : float or None
        The population size used by the SS estimator (with an estimated size: its median).
    weights : ndarray
        Each respondent's weight (with an estimated size: at its median).
    population_size_interval : tuple of float, optional
        With an estimated population size: its interval, as given.
    size_variance_share : float, optional
        With an estimated population size: the share of the estimate's variance that comes
        from not knowing the size (the variance of the estimates across the size's draws over
        the total).
    size_nodes : ndarray, optional
        The population sizes at which the estimate was computed (quantiles of the size's
        draws).
    size_node_estimates : DataFrame, optional
        The estimate and its standard error at each of those sizes.
    """

    estimator: str
    std_error: float
    design_effect: float
    n_observed: int
    n_seeds: int
    max_wave: int
    population_size: float | None
    weights: np.ndarray
    population_size_interval: NotRequired[tuple[float, float]]
    size_variance_share: NotRequired[float]
    size_nodes: NotRequired[np.ndarray]
    size_node_estimates: NotRequired[pd.DataFrame]


class SSPSEDetails(TypedDict):
    """``details`` of :class:`~prevalence.network.SSPSE` (population size from an RDS sample).

    Attributes
    ----------
    std_error : float
        Posterior standard deviation of N.
    posterior_mean : float
        Posterior mean of N.
    n_observed : int
        Respondents.
    K : int
        The cap of the degrees.
    capped : int
        Respondents whose reported degree exceeded ``K``.
    size_prior : str
        The prior on N, in words.
    prior_median : float
        The prior's median of N.
    degree_prior : mapping
        Prior mean and sd of the degree distribution and their degrees of freedom.
    mean_degree : float
        Posterior median of the population's mean degree.
    acceptance_rate : float
        Of the degree distribution's Metropolis steps.
    diagnostics : mapping
        R-hat and effective sample sizes of N (:func:`prevalence.core.mcmc`).
    idata : arviz.InferenceData
        The draws of N and of the degree distribution's mean and sd, by chain (with
        ``visibility``: also of the recruitment coefficients and the measurement scale).
    visibility : mapping, optional
        With ``visibility=True``: the measurement and recruitment model (``optimism``,
        ``overdispersion``, ``coupons``, ``recruit_time``, the posterior medians of
        ``measurement_scale``, ``beta_0``, ``beta_t``, ``beta_u``, and their priors).
    visibilities : ndarray, optional
        With ``visibility=True``: each respondent's posterior median visibility, in the
        data's row order (``sspse``'s ``visibilities``; usable as the size in RDS weights).
    """

    std_error: float
    posterior_mean: float
    n_observed: int
    K: int
    capped: int
    size_prior: str
    prior_median: float
    degree_prior: Mapping[str, Any]
    mean_degree: float
    acceptance_rate: float
    diagnostics: Mapping[str, Any]
    idata: Any
    visibility: NotRequired[Mapping[str, Any]]
    visibilities: NotRequired[np.ndarray]
