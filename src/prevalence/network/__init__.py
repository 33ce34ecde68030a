"""Hidden-population surveys: network scale-up (NSUM) and respondent-driven sampling (RDS).

Layers, top to bottom (a module imports only from the layers below it):

* estimators: :mod:`~prevalence.network.scaleup` (:class:`ScaleUp`);
* statistics: :mod:`~prevalence.network.consistency` (:class:`Consistency`, the internal
  consistency check of a scale-up survey);
* data: :mod:`~prevalence.network.answers` (answers to "how many X do you know?", top-coding,
  known-population degrees).

``tests/test_layers.py`` enforces the order.
"""

from .consistency import Consistency
from .scaleup import SCALEUP_INTERVALS, ScaleUp

__all__ = ["Consistency", "ScaleUp", "SCALEUP_INTERVALS"]
