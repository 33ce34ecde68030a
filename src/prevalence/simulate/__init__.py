"""Seeded generators of synthetic data with known truth."""

from .areas import AreaPopulation, simulate_areas
from .capture import CapturePopulation, simulate_captures
from .scenarios import CaptureScenario, SurveyScenario

__all__ = [
    "AreaPopulation",
    "CapturePopulation",
    "CaptureScenario",
    "SurveyScenario",
    "simulate_areas",
    "simulate_captures",
]
