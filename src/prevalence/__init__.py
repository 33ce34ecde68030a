"""prevalence: how many people are hidden in a population, and did that number go down?

Three families of estimators behind one interface (``fit(data) -> Estimate`` and
``compare(baseline, endline) -> Comparison``):

* :mod:`prevalence.mse`: multiple systems estimation from several incomplete lists;
* :mod:`prevalence.survey`: survey-weighted prevalence (design-based inference);
* :mod:`prevalence.bayes`: Bayesian hierarchical models with partial pooling;
* :mod:`prevalence.network`: hidden-population surveys (network scale-up, respondent-driven
  sampling).
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from ._numba_cache import choose_numba_cache

# numba caches compiled kernels next to the source, else in the user's cache directory; an
# installation where neither is writable (a read-only image, a service without a home) gets
# a cache in the temporary directory instead of "cannot cache function" errors
choose_numba_cache(os.path.dirname(__file__))

# Public names are loaded on first use (PEP 562), so that ``import prevalence`` and the
# command line start without importing numpy, pandas, scipy, statsmodels, numba or PyMC.
_LAZY: dict[str, str] = {
    "HierarchicalPrevalence": "prevalence.bayes.hierarchical",
    "DataError": "prevalence.core.errors",
    "DataWarning": "prevalence.core.errors",
    "EstimationError": "prevalence.core.errors",
    "EstimationWarning": "prevalence.core.errors",
    "Estimator": "prevalence.core.estimator",
    "Comparison": "prevalence.core.results",
    "Estimate": "prevalence.core.results",
    "BayesThresholdMSE": "prevalence.mse.bayes_threshold",
    "CaptureHistories": "prevalence.mse.data.captures",
    "ClosedPopulationMSE": "prevalence.mse.closed",
    "DecomposableBMA": "prevalence.mse.decomposable_bma",
    "LatentClassMSE": "prevalence.mse.latent_class",
    "LogLinearMSE": "prevalence.mse.loglinear",
    "PooledStratifiedMSE": "prevalence.mse.pooled",
    "BayesianScaleUp": "prevalence.network.bayes_scaleup",
    "GeneralizedScaleUp": "prevalence.network.generalized",
    "RDS": "prevalence.network.rds",
    "SSPSE": "prevalence.network.sspse",
    "ScaleUp": "prevalence.network.scaleup",
    "SurveyDesign": "prevalence.survey.design",
    "SurveyPrevalence": "prevalence.survey.prevalence",
    "ReplicateDesign": "prevalence.survey.replicate",
    "EvidenceSynthesis": "prevalence.synthesis.synthesis",
    "Stratified": "prevalence.workbench.stratified",
    "StudyResult": "prevalence.workbench.study",
    "study": "prevalence.workbench.study",
}
_SUBMODULES = (
    "bayes",
    "core",
    "datasets",
    "definitions",
    "impact",
    "linkage",
    "mse",
    "network",
    "plot",
    "profits",
    "runs",
    "simulate",
    "survey",
    "synthesis",
    "workbench",
)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"prevalence.{name}")
    raise AttributeError(f"module 'prevalence' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from . import datasets  # noqa: F401
    from .bayes.hierarchical import HierarchicalPrevalence
    from .core.errors import DataError, DataWarning, EstimationError, EstimationWarning
    from .core.estimator import Estimator
    from .core.results import Comparison, Estimate
    from .mse.bayes_threshold import BayesThresholdMSE
    from .mse.captures import CaptureHistories
    from .mse.closed import ClosedPopulationMSE
    from .mse.decomposable_bma import DecomposableBMA
    from .mse.latent_class import LatentClassMSE
    from .mse.loglinear import LogLinearMSE
    from .mse.pooled import PooledStratifiedMSE
    from .network.bayes_scaleup import BayesianScaleUp
    from .network.generalized import GeneralizedScaleUp
    from .network.rds import RDS
    from .network.scaleup import ScaleUp
    from .network.sspse import SSPSE
    from .survey.design import SurveyDesign
    from .survey.prevalence import SurveyPrevalence
    from .survey.replicate import ReplicateDesign
    from .synthesis.synthesis import EvidenceSynthesis
    from .workbench.stratified import Stratified
    from .workbench.study import StudyResult, study

__version__ = "0.1.0"

__all__ = [
    "BayesThresholdMSE",
    "BayesianScaleUp",
    "CaptureHistories",
    "ClosedPopulationMSE",
    "Comparison",
    "DataError",
    "DataWarning",
    "DecomposableBMA",
    "Estimate",
    "EstimationError",
    "EstimationWarning",
    "Estimator",
    "EvidenceSynthesis",
    "GeneralizedScaleUp",
    "HierarchicalPrevalence",
    "LatentClassMSE",
    "LogLinearMSE",
    "PooledStratifiedMSE",
    "RDS",
    "ReplicateDesign",
    "ScaleUp",
    "SSPSE",
    "SurveyDesign",
    "SurveyPrevalence",
    "Stratified",
    "StudyResult",
    "study",
    "__version__",
]
