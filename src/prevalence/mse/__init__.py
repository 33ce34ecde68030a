"""Multiple systems estimation (capture-recapture) from several incomplete lists."""

from .algebra.existence import ModelCheck, check_model
from .algebra.graphs import DecomposableGraph, decomposable_graphs
from .algebra.hierarchical import HierarchicalModel, hierarchical_models
from .bayes_threshold import BayesThresholdMSE
from .closed import (
    CLOSED_MODELS,
    ClosedPopulationMSE,
    capture_patterns,
    closed_population_models,
    closed_population_table,
)
from .data.captures import CaptureHistories
from .decomposable_bma import DecomposableBMA
from .inference.search import downhill_search, multistart_search
from .latent_class import LatentClassMSE
from .loglinear import LogLinearMSE
from .pooled import PooledStratifiedMSE

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
