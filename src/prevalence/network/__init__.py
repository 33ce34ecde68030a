"""Hidden-population surveys: network scale-up (NSUM) and respondent-driven sampling (RDS).

Layers, top to bottom (a module imports only from the layers below it):

* diagnostics: :mod:`~prevalence.network.diagnostics` (RDS convergence, bottlenecks, the
  recruitment tree);
* estimators: :mod:`~prevalence.network.scaleup` (:class:`ScaleUp`),
  :mod:`~prevalence.network.bayes_scaleup` (:class:`BayesianScaleUp`, PyMC),
  :mod:`~prevalence.network.generalized` (:class:`GeneralizedScaleUp`) and
  :mod:`~prevalence.network.rds` (:class:`RDS`) and :mod:`~prevalence.network.sspse`
  (:class:`SSPSE`, the population size from an RDS sample, compiled);
* statistics: :mod:`~prevalence.network.consistency` (:class:`Consistency`, the internal
  consistency check of a scale-up survey) and :mod:`~prevalence.network.rds_weights`
  (RDS-I, RDS-II weights, R's standard error, homophily);
* data: :mod:`~prevalence.network.answers` (answers to "how many X do you know?", top-coding,
  known-population degrees), :mod:`~prevalence.network.recruitment` (the checked
  recruitment forest) and :mod:`~prevalence.network.successive` (successive-sampling
  inclusion probabilities, compiled).

``tests/test_layers.py`` enforces the order.
"""

from .bayes_scaleup import BayesianScaleUp
from .consistency import Consistency
from .diagnostics import (
    bottleneck_table,
    convergence_table,
    plot_bottleneck,
    plot_convergence,
    plot_recruitment_tree,
)
from .generalized import GeneralizedScaleUp
from .rds import RDS, RDS_ESTIMATORS, RDS_INTERVALS
from .recruitment import Recruitment
from .scaleup import SCALEUP_INTERVALS, ScaleUp
from .sspse import SSPSE, size_prior_weights
from .successive import SuccessiveSampling, successive_sampling

__all__ = [
    "BayesianScaleUp",
    "Consistency",
    "GeneralizedScaleUp",
    "RDS",
    "RDS_ESTIMATORS",
    "RDS_INTERVALS",
    "Recruitment",
    "ScaleUp",
    "SCALEUP_INTERVALS",
    "SSPSE",
    "size_prior_weights",
    "SuccessiveSampling",
    "successive_sampling",
    "bottleneck_table",
    "convergence_table",
    "plot_bottleneck",
    "plot_convergence",
    "plot_recruitment_tree",
]
