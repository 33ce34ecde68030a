"""Statistical definitions: questionnaire answers turned into the indicators that
international standards define (the ICLS 2018 forced labour classification), ready for
:class:`~prevalence.survey.SurveyPrevalence` and the impact tools.

Layers: ``forced_labour`` (the rules) above ``mapping`` (which items make which dimension).
"""

from .forced_labour import INDICATORS, ForcedLabourClassification, classify_forced_labour
from .mapping import ICLS_2018_MAPPING, ForcedLabourMapping

__all__ = [
    "INDICATORS",
    "ICLS_2018_MAPPING",
    "ForcedLabourClassification",
    "ForcedLabourMapping",
    "classify_forced_labour",
]
