"""Survey-weighted prevalence with design-based inference (strata, clusters, weights, fpc)."""

from .design import SurveyDesign

__all__ = ["SurveyDesign"]
