"""What ``Estimate.details`` holds for :class:`~prevalence.HierarchicalPrevalence`: a typed
schema (see :mod:`prevalence.mse.details` for the keys shared across families)."""

# no `from __future__ import annotations`: TypedDict reads NotRequired from real annotations
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import numpy as np
import pandas as pd

__all__ = ["HierarchicalDetails"]


class HierarchicalDetails(TypedDict):
    """``details`` of :class:`~prevalence.HierarchicalPrevalence`.

    Attributes
    ----------
    areas : DataFrame
        One row per area and period: area, period, value, lower, upper, direct (the area's
        own estimate), rhat, ess_bulk, ess_tail (and count columns with a population).
    national : DataFrame
        One row per period: value, lower, upper (and count, count_lower, count_upper).
    weights : str
        How areas are weighted into the national figure.
    idata : InferenceData
        The posterior.
    diagnostics : mapping
        Convergence of every area prevalence
        (:func:`~prevalence.core.mcmc.convergence_diagnostics`).
    sampler : str
        ``"nutpie"`` or ``"pymc"``.
    priors : dict
        The prior scales used.
    model : str
        ``"binomial counts"`` or ``"Fay-Herriot (direct estimates)"``.
    n_areas : int
        Areas.
    n_periods : int
        Periods.
    national_draws : ndarray
        Posterior draws of the national prevalence (periods x draws).
    programme_effect : DataFrame, optional
        With a programme column: the programme's effect per period after the first (value,
        lower, upper, probability_negative).
    group_draws : dict, optional
        With a programme column: draws of the programme and comparison areas' prevalence by
        period.
    change : dict, optional
        With two or more periods: the change from the first period to the last, national
        (value, lower, upper) and by area (a DataFrame).
    """

    areas: pd.DataFrame
    national: pd.DataFrame
    weights: str
    idata: Any
    diagnostics: Mapping[str, Any]
    sampler: str
    priors: dict[str, Any]
    model: str
    n_areas: int
    n_periods: int
    national_draws: np.ndarray
    programme_effect: NotRequired[pd.DataFrame]
    group_draws: NotRequired[dict[Any, Any]]
    change: NotRequired[dict[str, Any]]
