"""Multiple systems estimation (capture-recapture) from several incomplete lists."""

from .bayes_threshold import BayesThresholdMSE
from .captures import CaptureHistories
from .closed import (
    CLOSED_MODELS,
    ClosedPopulationMSE,
    capture_patterns,
    closed_population_models,
    closed_population_table,
)
from .decomposable_bma import DecomposableBMA
from .existence import ModelCheck, check_model
from .graphs import DecomposableGraph, decomposable_graphs
from .latent_class import LatentClassMSE
from .loglinear import LogLinearMSE
from .models import HierarchicalModel, hierarchical_models
from .pooled import PooledStratifiedMSE
from .search import downhill_search, multistart_search

__all__ = [
    "BayesThresholdMSE",
    "CLOSED_MODELS",
    "ClosedPopulationMSE",
    "capture_patterns",
    "closed_population_models",
    "closed_population_table",
    "CaptureHistories",
    "DecomposableBMA",
    "DecomposableGraph",
    "HierarchicalModel",
    "LatentClassMSE",
    "LogLinearMSE",
    "ModelCheck",
    "PooledStratifiedMSE",
    "check_model",
    "decomposable_graphs",
    "downhill_search",
    "multistart_search",
    "hierarchical_models",
]
