"""From case records to estimation-ready data: pseudonymisation at the source, normalisation
of identifying fields (and, to come, linkage and deduplication of case lists).

Layers, top to bottom: :mod:`~prevalence.linkage.uncertainty` (estimates combined over
linkage configurations) above :mod:`~prevalence.linkage.link` (Fellegi-Sunter linkage and
deduplication with Splink, people and capture histories, drawn configurations) above
:mod:`~prevalence.linkage.pseudonymise` (keyed hashes of each list's records, run by each data
holder) above :mod:`~prevalence.linkage.normalise` (canonical names, dates of birth and sex)
and :mod:`~prevalence.linkage.schema` (the standard case-record schema, pandera).
"""

from .link import LinkageResult, link_case_lists
from .normalise import PartialDate, normalise_name, normalise_sex, parse_date
from .pseudonymise import key_check, pseudonymise
from .schema import map_codes, validate_case_records
from .uncertainty import estimate_with_linkage_uncertainty

__all__ = [
    "LinkageResult",
    "estimate_with_linkage_uncertainty",
    "link_case_lists",
    "PartialDate",
    "key_check",
    "map_codes",
    "validate_case_records",
    "normalise_name",
    "normalise_sex",
    "parse_date",
    "pseudonymise",
]
