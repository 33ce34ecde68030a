"""Illicit profits from forced labour: the second half of the definition of success.

The ILO's "Profits and Poverty" method (2014; 2024): profit per victim is what a free worker
would be paid for the same work less what the victim is paid (forced labour exploitation),
or revenue less costs and payments to the victim (forced commercial sexual exploitation);
totals are victims times profit per victim, summed over regions and sectors. Here both
factors carry their uncertainty.

Layers, top to bottom (a module imports only from the layers below it):

* :mod:`~prevalence.profits.totals` (:class:`IllicitProfits`, :class:`ProfitResult`) and
  :mod:`~prevalence.profits.per_victim` (:class:`ForcedLabourProfit`,
  :class:`SexualExploitationProfit`, from a survey of victims);
* :mod:`~prevalence.profits.tables`: :class:`ProfitTable` (profit per victim by stratum);
* :mod:`~prevalence.profits.assumptions` (:class:`ProfitAssumption`, published or assumed
  figures) and :mod:`~prevalence.profits.published` (the ILO's figures and their
  arithmetic);
* :mod:`~prevalence.profits.money`: currency, price year and deflation.

``tests/test_layers.py`` enforces the order.
"""

from .assumptions import ProfitAssumption
from .money import deflate_estimate, money_scale
from .per_victim import ForcedLabourProfit, SexualExploitationProfit
from .published import PUBLISHED, reproduce_published
from .tables import ProfitTable
from .totals import IllicitProfits, ProfitResult

__all__ = [
    "ForcedLabourProfit",
    "IllicitProfits",
    "ProfitAssumption",
    "ProfitResult",
    "ProfitTable",
    "SexualExploitationProfit",
    "deflate_estimate",
    "money_scale",
    "PUBLISHED",
    "reproduce_published",
]
