"""Multiple systems estimation (capture-recapture) from several incomplete lists."""

from .captures import CaptureHistories
from .closed import CLOSED_MODELS, ClosedPopulationMSE, closed_population_table
from .existence import ModelCheck, check_model
from .loglinear import LogLinearMSE
from .models import HierarchicalModel, hierarchical_models

__all__ = [
    "CLOSED_MODELS",
    "ClosedPopulationMSE",
    "closed_population_table",
    "CaptureHistories",
    "HierarchicalModel",
    "LogLinearMSE",
    "ModelCheck",
    "check_model",
    "hierarchical_models",
]
