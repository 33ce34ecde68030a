"""The methodologist's workbench: simulation studies and stratified estimation."""

from .stratified import Stratified
from .study import StudyResult, study, summarise

__all__ = ["Stratified", "StudyResult", "study", "summarise"]
