"""Shared core: result objects, errors, the estimator base class, interval and seed helpers."""

from .compare import compare_estimates
from .errors import DataError, DataWarning, EstimationError, EstimationWarning
from .estimator import Estimator
from .results import Comparison, Estimate

__all__ = [
    "Comparison",
    "DataError",
    "DataWarning",
    "Estimate",
    "EstimationError",
    "EstimationWarning",
    "Estimator",
    "compare_estimates",
]
