"""prevalence: how many people are hidden in a population, and did that number go down?

Three families of estimators behind one interface (``fit(data) -> Estimate`` and
``compare(baseline, endline) -> Comparison``):

* :mod:`prevalence.mse`: multiple systems estimation from several incomplete lists;
* :mod:`prevalence.survey`: survey-weighted prevalence (design-based inference);
* :mod:`prevalence.bayes`: Bayesian hierarchical models with partial pooling;
* :mod:`prevalence.network`: hidden-population surveys (network scale-up, respondent-driven
  sampling).
"""

from . import datasets  # noqa: F401  (prevalence.datasets.load)
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
from .network.bayes_scaleup import BayesianScaleUp
from .network.generalized import GeneralizedScaleUp
from .network.rds import RDS
from .network.scaleup import ScaleUp
from .survey.design import SurveyDesign
from .survey.prevalence import SurveyPrevalence
from .survey.replicate import ReplicateDesign
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
    "GeneralizedScaleUp",
    "HierarchicalPrevalence",
    "LatentClassMSE",
    "LogLinearMSE",
    "RDS",
    "ReplicateDesign",
    "ScaleUp",
    "SurveyDesign",
    "SurveyPrevalence",
    "Stratified",
    "StudyResult",
    "study",
    "__version__",
]
