"""What ``Estimate.details`` holds for :class:`~prevalence.synthesis.EvidenceSynthesis`: a typed
schema (see :mod:`prevalence.mse.details` for the keys shared across families)."""

# no `from __future__ import annotations`: TypedDict reads NotRequired from real annotations
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pandas as pd

__all__ = ["SynthesisDetails"]


class SynthesisDetails(TypedDict):
    """``details`` of :class:`~prevalence.synthesis.EvidenceSynthesis`.

    Attributes
    ----------
    cells : DataFrame
        One row per area and period: area, period, (population), value, lower, upper (the
        number of people), (prevalence, prevalence_lower, prevalence_upper), rhat, ess_bulk.
    national : DataFrame
        One row per period: value, lower, upper (and population, prevalence and its limits).
    by_cell : dict
        ``(area, period) ->`` :class:`~prevalence.Estimate` with posterior draws.
    by_period : dict
        ``period ->`` the total's :class:`~prevalence.Estimate` with posterior draws.
    sources : DataFrame
        Each source's figures beside the combined ones: source, area, period, given (the
        estimate as given; for lists the number seen), count (on the count scale; for lists
        the independence MSE estimate of the cell), adjusted (count divided by the source's
        posterior visibility), combined, check, p_value (two-sided posterior predictive
        p-value: of the estimate, or of the lists' Pearson statistic).
    own_estimates : DataFrame
        The lists' own independence MSE estimates by cell.
    visibility : DataFrame
        Each source's visibility: anchor, prior_lower, prior_upper, posterior value, lower,
        upper.
    conflicts : list of str
        The warnings about sources that disagree beyond their stated biases.
    posterior_id : str
        Marks every estimate of the fit as one joint posterior.
    n_areas : int
        Areas.
    n_periods : int
        Periods.
    diagnostics : mapping
        Convergence of every cell count and period total.
    sampler : str
        ``"nutpie"`` or ``"pymc"``.
    priors : dict
        The prior scales used.
    idata : InferenceData
        The posterior.
    change : dict, optional
        With two or more periods, from the first to the last: ``baseline``, ``endline``,
        ``national`` (ratio, difference, their limits, probability_decrease) and ``areas``
        (the same by area, a DataFrame).
    """

    cells: pd.DataFrame
    national: pd.DataFrame
    by_cell: dict[Any, Any]
    by_period: dict[Any, Any]
    sources: pd.DataFrame
    own_estimates: pd.DataFrame
    visibility: pd.DataFrame
    conflicts: list[str]
    posterior_id: str
    n_areas: int
    n_periods: int
    diagnostics: Mapping[str, Any]
    sampler: str
    priors: dict[str, Any]
    idata: Any
    change: NotRequired[dict[str, Any]]
