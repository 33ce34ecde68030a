"""Evidence synthesis: one estimate of a hidden population from lists, surveys and network data.

:class:`EvidenceSynthesis` fits one Bayesian model to every source of the same population by
area and period (:class:`ListSource` for case lists, :class:`EstimateSource` for survey,
scale-up, RDS or any other estimates with their sampling error); see docs/synthesis.md.
"""

from .model import DEFAULT_SYNTHESIS_PRIORS
from .sources import EstimateSource, ListSource, estimates_table
from .synthesis import EvidenceSynthesis

__all__ = [
    "DEFAULT_SYNTHESIS_PRIORS",
    "EstimateSource",
    "EvidenceSynthesis",
    "ListSource",
    "estimates_table",
]
