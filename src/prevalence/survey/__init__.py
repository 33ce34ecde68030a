"""Survey-weighted prevalence with design-based inference (strata, clusters, weights, fpc)."""

from .calibration import calibrate, poststratify, rake
from .design import SurveyDesign
from .prevalence import SurveyPrevalence
from .replicate import ReplicateDesign

__all__ = [
    "ReplicateDesign",
    "SurveyDesign",
    "SurveyPrevalence",
    "calibrate",
    "poststratify",
    "rake",
]
