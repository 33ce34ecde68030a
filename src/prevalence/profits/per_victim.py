"""Profit per victim from a survey of (former) victims, as the ILO's "Profits and Poverty".

* Forced labour exploitation (:class:`ForcedLabourProfit`): the wage owed for the work done
  (hours times the market wage of the victim's sector and region) less what the victim was
  paid and less legitimate costs.
* Forced commercial sexual exploitation (:class:`SexualExploitationProfit`): revenue (clients
  per day times price times days) less costs less payments to the victim.

Both are design-based means by stratum (region, sector...) of the survey of victims, with the
design's covariance. When the unit value (market wage, price) comes from a table with
standard errors (a labour force survey's wage by sector and region, say), its uncertainty is
carried along by the delta method: per stratum ``profit = sum_k value_k A_k - D`` with
``A_k`` the mean of quantity on rows of value cell ``k`` and ``D`` the mean deductions, so
``Var = J V J' + A diag(se^2) A'`` (design covariance ``V`` of the means, independent table).

A row whose payments exceed what it is owed has a negative profit: it is kept (a negative
profit is data to look at) and reported in a warning and in ``details["negative_rows"]``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError, DataWarning, EstimationError
from ..core.intervals import check_level
from ..survey.base import Design
from .money import money_scale
from .tables import ProfitTable, stratum_key

__all__ = ["ForcedLabourProfit", "SexualExploitationProfit"]


def _column(data: pd.DataFrame, name: str, what: str) -> np.ndarray:
    """A numeric, non-negative, complete column (DataError naming the column and row)."""
    if name not in data.columns:
        raise DataError(f"the survey has no column {name!r} ({what})")
    values = pd.to_numeric(data[name], errors="coerce")
    bad = values.isna() & data[name].notna()
    if bad.any():
        row = data.index[bad.to_numpy()][0]
        raise DataError(
            f"column {name!r} ({what}) is not numeric in row {row!r}: {data[name][row]!r}"
        )
    if values.isna().any():
        row = data.index[values.isna().to_numpy()][0]
        raise DataError(f"column {name!r} ({what}) is missing in row {row!r}")
    arr = values.to_numpy(dtype=float)
    if (arr < 0).any():
        row = data.index[np.flatnonzero(arr < 0)[0]]
        raise DataError(
            f"column {name!r} ({what}) is negative in row {row!r}: {arr[data.index.get_loc(row)]:g}"
        )
    return arr


def _value_table(
    table: pd.DataFrame, value: str, data: pd.DataFrame
) -> tuple[list[str], pd.DataFrame]:
    """Check a unit-value table (key columns, ``value``, optional ``std_error``)."""
    if not isinstance(table, pd.DataFrame):
        raise DataError(f"the {value} table must be a DataFrame, got {type(table).__name__}")
    if value not in table.columns:
        raise DataError(f"the {value} table needs a column {value!r}")
    keys = [c for c in table.columns if c not in (value, "std_error")]
    missing = [c for c in keys if c not in data.columns]
    if missing:
        raise DataError(f"the {value} table's key columns {missing} are not in the survey")
    if table.duplicated(keys).any():
        dup = table[table.duplicated(keys, keep=False)][keys].iloc[0].tolist()
        raise DataError(f"the {value} table has several rows for {dup}")
    v = pd.to_numeric(table[value], errors="coerce")
    if v.isna().any() or (v < 0).any():
        row = table.index[(v.isna() | (v < 0)).to_numpy()][0]
        raise DataError(f"the {value} table has a missing or negative {value} in row {row!r}")
    if "std_error" in table.columns:
        se = pd.to_numeric(table["std_error"], errors="coerce")
        if se.isna().any() or (se < 0).any():
            row = table.index[(se.isna() | (se < 0)).to_numpy()][0]
            raise DataError(f"the {value} table has a missing or negative std_error in row {row!r}")
    return keys, table.reset_index(drop=True)


class _PerVictimProfit:
    """Shared machinery: ``profit_i = quantity_i x unit value - deductions_i`` by stratum."""

    what = "profit per victim"
    unit_name = "value"

    def __init__(
        self,
        by: str | Sequence[str] | None,
        currency: str,
        year: int,
        level: float,
    ) -> None:
        self.by = () if by is None else ((by,) if isinstance(by, str) else tuple(by))
        money_scale(currency, year)
        self.currency = str(currency).upper()
        self.year = int(year)
        self.level = check_level(level)

    def _parts(self, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Per-row quantity and deductions."""
        raise NotImplementedError

    def _unit(self) -> str | pd.DataFrame:
        raise NotImplementedError

    def fit(self, design: Design) -> ProfitTable:
        """Profit per victim by stratum from a survey of victims (a ``SurveyDesign``)."""
        if not isinstance(design, Design):
            raise DataError(
                f"{type(self).__name__} fits a survey design (SurveyDesign or ReplicateDesign), "
                f"got {type(design).__name__}"
            )
        data = design.data
        for c in self.by:
            if c not in data.columns:
                raise DataError(f"the survey has no stratum column {c!r}")
            if data[c].isna().any():
                row = data.index[data[c].isna().to_numpy()][0]
                raise DataError(f"stratum column {c!r} is missing in row {row!r}")
        quantity, deductions = self._parts(data)
        unit = self._unit()
        if isinstance(unit, str):
            per_row = _column(data, unit, self.unit_name)
            table = None
            cells = np.zeros(len(data), dtype=int)
            cell_values = np.array([1.0])
            cell_se = np.array([0.0])
            columns = {"__q0": quantity * per_row}
        else:
            keys, table = _value_table(unit, self.unit_name, data)
            merged = (
                data[keys]
                .reset_index(drop=True)
                .merge(table.reset_index().rename(columns={"index": "__cell"}), on=keys, how="left")
            )
            if merged["__cell"].isna().any():
                i = int(np.flatnonzero(merged["__cell"].isna().to_numpy())[0])
                key = data[keys].iloc[i].tolist()
                raise DataError(
                    f"row {data.index[i]!r} has no {self.unit_name} in the table for {keys} = {key}"
                )
            cells = merged["__cell"].to_numpy(dtype=int)
            cell_values = table[self.unit_name].to_numpy(dtype=float)
            cell_se = (
                table["std_error"].to_numpy(dtype=float)
                if "std_error" in table.columns
                else np.zeros(len(table))
            )
            per_row = cell_values[cells]
            columns = {f"__q{k}": quantity * (cells == k) for k in range(len(table))}
        profit_rows = quantity * per_row - deductions
        notes = []
        negative = np.flatnonzero(profit_rows < 0)
        if negative.size:
            rows = [data.index[i] for i in negative[:5]]
            notes.append(
                f"{negative.size} of {len(data)} respondents were paid more than they are owed "
                f"(negative profit; rows {rows}{' ...' if negative.size > 5 else ''}); they are "
                "kept: look at them"
            )
            warnings.warn(notes[-1], DataWarning, stacklevel=2)
        K = len(columns)
        work = design.with_columns(**columns, __deductions=deductions)
        names = [*columns, "__deductions"]
        by = list(self.by) if self.by else None
        dt = work.mean(names, by=by, level=self.level, vcov=True)
        labels = dt.labels
        V = dt.vcov.to_numpy()
        vals = dt.values.to_numpy()
        if by is None:
            strata: list[Any] = ["all"]
        else:
            first = labels[labels["variable"] == names[0]]
            strata = [stratum_key(tuple(r)) for r in first[list(self.by)].itertuples(index=False)]
        S = len(strata)
        # values are variable-major: variable j, stratum s at j * S + s
        A = vals[: K * S].reshape(K, S).T  # S x K
        D = vals[K * S :]
        estimate = A @ cell_values - D
        J = np.zeros((S, (K + 1) * S))
        for s in range(S):
            for k in range(K):
                J[s, k * S + s] = cell_values[k]
            J[s, K * S + s] = -1.0
        vcov = J @ V @ J.T + (A * cell_se**2) @ A.T
        bad = [strata[i] for i in range(S) if not np.isfinite(vcov[i, i])]
        if bad:
            raise EstimationError(
                f"the survey gives no variance for the profit per victim in strata {bad} "
                "(a stratum with a single PSU, say): merge strata or set a lonely-PSU rule"
            )
        n: tuple[int, ...]
        if by is None:
            n = (len(data),)
        else:
            counts = data.groupby(list(self.by), observed=True).size()
            n = tuple(int(counts[k]) for k in strata)
        table_note = (
            ""
            if table is None
            else f", {self.unit_name}s from a table of {len(table)} cells"
            + (" with their standard errors" if cell_se.any() else " (no standard errors)")
        )
        method = f"{self.what} from a survey of victims ({design._variance_label()}{table_note})"
        return ProfitTable(
            tuple(strata),
            estimate,
            vcov,
            self.by,
            self.currency,
            self.year,
            method,
            self.level,
            n,
            None,
            tuple(notes),
            {"negative_rows": [data.index[i] for i in negative], "design_table": dt},
        )


class ForcedLabourProfit(_PerVictimProfit):
    """Annual profit per victim of forced labour exploitation from a survey of victims.

    ``profit = hours x market wage - paid - costs`` (legitimate costs the exploiter bears,
    such as food and lodging at their market value), averaged over victims by stratum.

    Parameters
    ----------
    hours : str
        Column: hours worked in the year.
    paid : str
        Column: what the victim was paid in the year.
    wage : str or DataFrame
        The market hourly wage: a column of the survey, or a table with key columns (e.g.
        ``sector``, ``region``), a ``wage`` column and optionally ``std_error`` (a labour
        force survey's estimates), whose uncertainty is then carried along.
    costs : str, optional
        Column: legitimate costs per year.
    by : str or list of str, optional
        Stratum columns (region, sector).
    currency, year : str, int
        Currency and price year of the money columns and the wage table.
    level : float
        Interval level.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence.survey import SurveyDesign
    >>> df = pd.DataFrame({"hours": [2000, 2400, 1800, 2200], "paid": [500, 0, 1200, 300],
    ...                    "sector": ["farm", "farm", "factory", "factory"], "w": [1.0] * 4})
    >>> wages = pd.DataFrame({"sector": ["farm", "factory"], "wage": [2.0, 3.0],
    ...                       "std_error": [0.1, 0.2]})
    >>> t = ForcedLabourProfit("hours", "paid", wages, by="sector").fit(
    ...     SurveyDesign(df, weights="w"))
    >>> t.to_frame()[["sector", "value"]].values.tolist()
    [['factory', 5250.0], ['farm', 4150.0]]
    """

    what = "forced labour profit per victim"
    unit_name = "wage"

    def __init__(
        self,
        hours: str,
        paid: str,
        wage: str | pd.DataFrame,
        *,
        costs: str | None = None,
        by: str | Sequence[str] | None = None,
        currency: str = "USD",
        year: int = 2021,
        level: float = 0.95,
    ) -> None:
        super().__init__(by, currency, year, level)
        self.hours, self.paid, self.wage, self.costs = hours, paid, wage, costs

    def _parts(self, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        hours = _column(data, self.hours, "hours worked")
        deductions = _column(data, self.paid, "payments to the victim")
        if self.costs is not None:
            deductions = deductions + _column(data, self.costs, "legitimate costs")
        return hours, deductions

    def _unit(self) -> str | pd.DataFrame:
        return self.wage


class SexualExploitationProfit(_PerVictimProfit):
    """Annual profit per victim of forced commercial sexual exploitation from a survey.

    ``profit = clients per day x days x price - costs - payments to the victim``, averaged
    over victims by stratum.

    Parameters
    ----------
    clients, days : str
        Columns: clients per working day, working days in the year.
    price : str or DataFrame
        Price per client: a column, or a table with key columns, a ``price`` column and
        optionally ``std_error``.
    costs, payments : str, optional
        Columns: the exploiter's costs and the share paid to the victim, per year.
    by, currency, year, level
        As :class:`ForcedLabourProfit`.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence.survey import SurveyDesign
    >>> df = pd.DataFrame({"clients": [4, 6], "days": [300, 250], "price": [20.0, 30.0],
    ...                    "costs": [5000, 8000], "payments": [1000, 2000], "w": [1.0, 1.0]})
    >>> t = SexualExploitationProfit("clients", "days", "price", costs="costs",
    ...                              payments="payments").fit(SurveyDesign(df, weights="w"))
    >>> float(t.values[0])     # (4 x 300 x 20 - 6000 + 6 x 250 x 30 - 10000) / 2
    26500.0
    """

    what = "sexual exploitation profit per victim"
    unit_name = "price"

    def __init__(
        self,
        clients: str,
        days: str,
        price: str | pd.DataFrame,
        *,
        costs: str | None = None,
        payments: str | None = None,
        by: str | Sequence[str] | None = None,
        currency: str = "USD",
        year: int = 2021,
        level: float = 0.95,
    ) -> None:
        super().__init__(by, currency, year, level)
        self.clients, self.days, self.price = clients, days, price
        self.costs, self.payments = costs, payments

    def _parts(self, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        quantity = _column(data, self.clients, "clients per day") * _column(
            data, self.days, "working days"
        )
        deductions = np.zeros(len(data))
        if self.costs is not None:
            deductions = deductions + _column(data, self.costs, "costs")
        if self.payments is not None:
            deductions = deductions + _column(data, self.payments, "payments to the victim")
        return quantity, deductions

    def _unit(self) -> str | pd.DataFrame:
        return self.price
