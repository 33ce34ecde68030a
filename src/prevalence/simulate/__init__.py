"""Seeded generators of synthetic data with known truth."""

from .areas import AreaPopulation, simulate_areas
from .capture import CapturePopulation, simulate_captures
from .case_lists import NAME_POOR, CaseListPopulation, simulate_case_lists
from .network import NetworkPopulation, RDSScenario, ScaleUpScenario, simulate_network
from .programme import (
    ProgrammeLists,
    ProgrammeSurvey,
    simulate_programme_lists,
    simulate_programme_survey,
)
from .scenarios import CaptureScenario, SurveyScenario
from .sources import SourcesPopulation, simulate_sources
from .stratified import StratifiedCaptureScenario

__all__ = [
    "AreaPopulation",
    "CapturePopulation",
    "CaseListPopulation",
    "NAME_POOR",
    "CaptureScenario",
    "NetworkPopulation",
    "RDSScenario",
    "ScaleUpScenario",
    "SourcesPopulation",
    "ProgrammeLists",
    "ProgrammeSurvey",
    "SurveyScenario",
    "StratifiedCaptureScenario",
    "simulate_areas",
    "simulate_captures",
    "simulate_case_lists",
    "simulate_network",
    "simulate_programme_lists",
    "simulate_programme_survey",
    "simulate_sources",
]
