"""The methodologist's workbench: simulation studies and stratified estimation."""

from .linkage import CaseListScenario, LinkedCaseLists, LinkedEstimate
from .stratified import Stratified
from .study import StudyResult, study, summarise

__all__ = [
    "CaseListScenario",
    "LinkedCaseLists",
    "LinkedEstimate",
    "Stratified",
    "StudyResult",
    "study",
    "summarise",
]
