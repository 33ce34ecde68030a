"""What every survey design on a Dask frame shares: the statistics, computed from cell sums.

:class:`DaskDesign` offers ``total``, ``mean``, ``ratio`` and ``proportion`` (with ``by=``,
``vcov=``, ``df=``, every interval method), ``subset`` and ``with_columns``, as the in-memory
designs do. Each statistic asks its design for the in-memory design on the cell sums of the
variables it needs (``_cells``: :class:`~prevalence.survey.design.DaskSurveyDesign` for
Taylor designs, :class:`~prevalence.survey.replicate.DaskReplicateDesign` for replicate
weights shipped with the data) and asks that design the same question; the cell sums come
from one pass over the data (:func:`prevalence.survey.outofcore.sum_cells`). What needs the
rows themselves (design effects, GLMs, calibration, quantiles) is refused with a message.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.errors import DataError
from .estimation import RatioStatistic, check_ci
from .outofcore import (
    INSIDE,
    WEIGHT,
    CellSums,
    Condition,
    Replicates,
    Variable,
    is_dask_frame,
    sum_cells,
)

__all__ = ["DaskDesign", "IN_MEMORY_ONLY", "Source"]

Columns = str | Sequence[str]
#: Where a statistic's numerator and denominator come from: variable names of the cell sums
#: (``WEIGHT`` for the sum of the weights; None for a total, which has no denominator).
Source = tuple[str, str | None]

#: Statistics and operations that need the rows in memory.
IN_MEMORY_ONLY = (
    "glm",
    "predictive_margins",
    "calibrate",
    "rake",
    "poststratify",
    "declare_calibrated",
    "quantile",
    "variance",
    "chisq",
    "with_weights",
    "with_degf",
)


def as_list(x: Columns | None) -> list[str]:
    """A column or columns as a list."""
    if x is None:
        return []
    return [x] if isinstance(x, str) else [str(c) for c in x]


class DaskDesign:
    """The statistics of a survey design on a Dask DataFrame (see the module's text).

    Not built directly: :class:`~prevalence.survey.SurveyDesign` and
    :meth:`~prevalence.survey.ReplicateDesign.from_weights` return one when given a Dask
    frame.
    """

    data: Any
    _weights: str
    _conditions: tuple[Condition, ...] = ()

    def _cells(
        self,
        variables: dict[str, Variable],
        by: Columns | None,
        na_rm: bool,
        binary: Sequence[str],
        sources: Sequence[Source],
    ) -> Any:
        """The in-memory design on the cell sums of ``variables`` (and the domains of ``by``),
        restricted to the subset; ``sources`` says which sums each statistic column uses."""
        raise NotImplementedError

    def __getattr__(self, name: str) -> Any:
        if name in IN_MEMORY_ONLY:
            raise DataError(
                f"{name}() needs the rows in memory: it is not available on a Dask frame; use "
                "the in-memory design on data.compute() (or on the columns it needs)"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def n(self) -> int:
        """Number of rows (one pass over the data)."""
        return int(len(self.data))

    def subset(self, condition: Any) -> Any:
        """The design restricted to a domain, with the whole design's variance (as the
        in-memory ``subset``): ``condition`` is an expression over the columns
        (``"region == 'north'"``) or a function of a pandas frame returning true/false per
        row, applied to each partition in turn. Subsets of subsets combine."""
        if isinstance(condition, str):
            try:
                self.data._meta.eval(condition)
            except Exception as exc:  # pandas raises many kinds for a bad expression
                raise DataError(f"cannot evaluate the subset {condition!r}: {exc}") from None
        elif not callable(condition):
            raise DataError(
                "the subset of a Dask design is an expression over the columns or a function "
                f"of a (pandas) frame, got {type(condition).__name__}"
            )
        new = copy.copy(self)
        new._conditions = self._conditions + (condition,)
        return new

    def with_columns(self, **columns: Any) -> Any:
        """The same design with columns added or replaced (``dask.DataFrame.assign``)."""
        new = copy.copy(self)
        new.data = self.data.assign(**columns)
        return new

    # ------------------------------------------------------------------ checks
    def _check_frame(self, data: Any) -> None:
        if not is_dask_frame(data):
            raise DataError(
                f"{type(self).__name__} expects a Dask DataFrame, got {type(data).__name__}"
            )

    def _check_columns(self, role: str, columns: Sequence[str]) -> None:
        missing = [c for c in columns if c not in self.data.columns]
        if missing:
            what = f"{role} column(s)" if role else "column(s)"
            raise DataError(
                f"unknown {what} {missing}; the data have columns {list(self.data.columns)}"
            )

    def _numeric(self, column: str) -> Variable:
        self._check_columns("", [column])
        if self.data[column].dtype.kind not in "biuf":
            raise DataError(
                f"column {column!r} must be numeric, it holds {self.data[column].dtype}"
            )
        return (column, None)

    def _sum(
        self,
        design_columns: Sequence[str],
        variables: dict[str, Variable],
        by: Columns | None,
        na_rm: bool,
        binary: Sequence[str],
        replicates: Replicates | None = None,
    ) -> CellSums:
        """The cell sums of ``variables`` by the design's columns and the domains of ``by``
        (one pass over the data)."""
        by_columns = as_list(by)
        self._check_columns("by", by_columns)
        keys = list(dict.fromkeys(list(design_columns) + by_columns))
        clash = sorted(set(keys) & set(variables))
        if clash:
            raise DataError(f"column {clash[0]!r} is both a design or domain column and a variable")
        return sum_cells(
            self.data,
            weights=self._weights,
            keys=keys,
            variables=variables,
            conditions=self._conditions,
            check_missing=() if na_rm else tuple(variables),
            binary=binary,
            replicates=replicates,
        )

    def _restricted(self, design: Any, cells: CellSums) -> Any:
        """The in-memory design on the cells restricted to the subset (when there is one)."""
        if not self._conditions:
            return design
        inside = cells.frame[INSIDE].to_numpy(dtype=bool)
        if not inside.any():
            described = " & ".join(
                c if isinstance(c, str) else "(function)" for c in self._conditions
            )
            raise DataError(f"the subset {described} keeps no row")
        return design.subset(inside)

    @staticmethod
    def _no_deff(deff: Any) -> None:
        if deff:
            raise DataError(
                "deff= needs the rows in memory (the variance under simple random sampling); "
                "use the in-memory design on data.compute()"
            )

    # ------------------------------------------------------------------ statistics
    def total(
        self, column: Columns, *, by: Columns | None = None, na_rm: bool = False, **options: Any
    ) -> Any:
        """Estimated population total (as the in-memory ``total``: ``level``, ``df``,
        ``output``, ``vcov`` as there; ``deff`` needs the rows in memory)."""
        self._no_deff(options.pop("deff", False))
        cols = as_list(column)
        cells = self._cells(
            {c: self._numeric(c) for c in cols}, by, na_rm, (), [(c, None) for c in cols]
        )
        return cells.total(column, by=by, na_rm=na_rm, **options)

    def mean(
        self, column: Columns, *, by: Columns | None = None, na_rm: bool = False, **options: Any
    ) -> Any:
        """Estimated population mean (as the in-memory ``mean``)."""
        self._no_deff(options.pop("deff", False))
        cols = as_list(column)
        cells = self._cells(
            {c: self._numeric(c) for c in cols}, by, na_rm, (), [(c, WEIGHT) for c in cols]
        )
        return cells.mean(column, by=by, na_rm=na_rm, **options)

    def ratio(
        self,
        numerator: Columns,
        denominator: Columns,
        *,
        by: Columns | None = None,
        na_rm: bool = False,
        **options: Any,
    ) -> Any:
        """Ratio of two population totals (as the in-memory ``ratio``)."""
        self._no_deff(options.pop("deff", False))
        nums, dens = as_list(numerator), as_list(denominator)
        cols = list(dict.fromkeys(nums + dens))
        # the pairs in the in-memory order: numerators within denominators
        sources: list[Source] = [(a, b) for b in dens for a in nums]
        cells = self._cells({c: self._numeric(c) for c in cols}, by, na_rm, (), sources)
        return cells.ratio(numerator, denominator, by=by, na_rm=na_rm, **options)

    def proportion(
        self,
        column: Columns,
        value: Any = None,
        *,
        by: Columns | None = None,
        ci: str = "logit",
        level: float = 0.95,
        deff: bool | str = False,
        df: str | float | None = None,
        na_rm: bool = False,
        output: str = "frame",
        vcov: bool = False,
    ) -> Any:
        """Estimated population proportion with its interval (as the in-memory
        ``proportion``; every ``ci``)."""
        self._no_deff(deff)
        variables: dict[str, Variable] = {}
        for c in as_list(column):
            self._check_columns("", [c])
            if value is None:
                variables[c] = self._numeric(c)
            else:
                variables[f"{c} == {value!r}"] = (c, value)
        binary = tuple(variables) if value is None else ()
        sources: list[Source] = [(v, WEIGHT) for v in variables]
        cells = self._cells(variables, by, na_rm, binary, sources)
        shares = cells.data[list(variables)].to_numpy(dtype=float)
        ok = ~np.isnan(shares).any(axis=1)
        stat = RatioStatistic(
            "proportion", np.where(ok[:, None], shares, 0.0), np.ones_like(shares), tuple(variables)
        )
        return cells._estimate(stat, ok, by, level, check_ci(ci), False, df, output, vcov)

    def degf(self) -> int:
        """Design degrees of freedom (R's ``degf``; one pass over the design columns)."""
        return int(self._cells({}, None, True, (), []).degf())
