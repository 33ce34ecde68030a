"""Programme impact: difference in differences, targets and trends, for every estimator.

Layers, top to bottom: :mod:`~prevalence.impact.did` (:class:`DifferenceInDifferences`) and
:mod:`~prevalence.impact.trend` (:class:`Trend`), the estimators; :mod:`~prevalence.impact.cells`,
how four cells combine (one design's covariance, or independent draws);
:mod:`~prevalence.impact.results`, the result objects. Probabilities of reaching a target
live in :mod:`prevalence.core.probability`, since every comparison answers them.
"""

from .did import DifferenceInDifferences
from .results import DiDResult, TrendResult
from .trend import Trend

__all__ = ["DiDResult", "DifferenceInDifferences", "Trend", "TrendResult"]
