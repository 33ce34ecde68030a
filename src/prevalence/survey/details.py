"""What ``Estimate.details`` holds for a survey statistic and for
:class:`~prevalence.SurveyPrevalence`: typed schemas (see :mod:`prevalence.mse.details` for
the keys shared across families)."""

# no `from __future__ import annotations`: TypedDict reads NotRequired from real annotations
from typing import Any, NotRequired, TypedDict

__all__ = ["SurveyStatisticDetails", "SurveyPrevalenceDetails"]


class SurveyStatisticDetails(TypedDict):
    """``details`` of one survey statistic (``Design.mean``, ``proportion``, ``total``,
    ``ratio``... for one variable and domain).

    Attributes
    ----------
    statistic : str
        ``"mean"``, ``"proportion"``, ``"total"`` or ``"ratio"``.
    variable : str
        The variable (for a ratio, its numerator).
    std_error : float
        Standard error from the design (Taylor or replicate variance).
    variance : float
        Its square.
    n_observed : int
        Respondents with an answer in the domain.
    degf : int
        Design degrees of freedom (R's ``degf``), used by t intervals.
    design : str
        The design in words.
    deff : float, optional
        With ``deff=True`` or ``"replace"``: the design effect, as R's ``deff``.
    domain : optional
        For a domain estimate: its label.
    """

    statistic: str
    variable: str
    std_error: float
    variance: float
    n_observed: int
    degf: int
    design: str
    deff: NotRequired[float]
    domain: NotRequired[Any]


class SurveyPrevalenceDetails(SurveyStatisticDetails):
    """``details`` of :class:`~prevalence.SurveyPrevalence`: the proportion's details
    (:class:`SurveyStatisticDetails`) and, when ``population`` is given, the count.

    Attributes
    ----------
    population : float, optional
        The population the prevalence applies to.
    count : float, optional
        population x prevalence.
    count_lower : float, optional
        The interval's lower limit times the population.
    count_upper : float, optional
        The interval's upper limit times the population.
    count_std_error : float, optional
        The standard error times the population.
    """

    population: NotRequired[float]
    count: NotRequired[float]
    count_lower: NotRequired[float]
    count_upper: NotRequired[float]
    count_std_error: NotRequired[float]
