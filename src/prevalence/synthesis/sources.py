"""The sources of an evidence synthesis, and their data checked and turned into arrays.

A source is a specification (what its table holds and how far it is believed to see the
population: its *visibility*); its table is data, given to
:meth:`~prevalence.synthesis.EvidenceSynthesis.fit` under the source's name. Two kinds:

* :class:`ListSource`: case lists (capture histories) of each area and period, entering
  through the Poisson log-linear MSE likelihood;
* :class:`EstimateSource`: one estimate per area and period with its sampling error (a survey's
  design-based prevalence, a network scale-up or RDS count with its bootstrap interval, any
  :class:`~prevalence.Estimate`), entering through a normal or log-normal likelihood, or a
  survey prevalence through the binomial likelihood of its effective counts.

A source's visibility ``v`` is the ratio of what it measures to the truth: a household survey
that misses people in labour camps has ``v < 1``, a scale-up survey that over-counts ``v > 1``.
It is stated as a 95% prior interval (``visibility=(0.4, 0.8)``: a log-normal prior with those
2.5% and 97.5% quantiles) or the source is the anchor (``anchor=True``: ``v = 1``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from ..core.checks import column_names
from ..core.errors import DataError
from ..core.results import Estimate

__all__ = [
    "EstimateSource",
    "ListSource",
    "Prepared",
    "estimates_table",
    "prepare",
]

Z95 = 1.959963984540054  # the 97.5% normal quantile: visibility intervals are 95% intervals


def _visibility(name: str, visibility: Any, anchor: bool) -> tuple[float, float] | None:
    if anchor:
        if visibility is not None:
            raise DataError(
                f"source {name!r}: an anchor is unbiased by definition (visibility 1); give "
                "either anchor=True or visibility=(low, high), not both"
            )
        return None
    if visibility is None:
        raise DataError(
            f"source {name!r}: state its visibility, a 95% prior interval of the share of the "
            "true number it measures (visibility=(0.4, 0.8), say), or declare it the anchor "
            "(anchor=True)"
        )
    try:
        low, high = (float(v) for v in visibility)
    except (TypeError, ValueError):
        raise DataError(
            f"source {name!r}: visibility must be a pair (low, high), got {visibility!r}"
        ) from None
    if not (0 < low < high < math.inf):
        raise DataError(
            f"source {name!r}: visibility (low, high) needs 0 < low < high, got {visibility!r}"
        )
    return (low, high)


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name or name == "population":
        raise DataError(
            f"a source needs a name (a non-empty string other than 'population'), got {name!r}"
        )
    return name


@dataclass(frozen=True)
class ListSource:
    """Case lists of each area and period, through the log-linear MSE likelihood.

    Parameters
    ----------
    name : str
        The source's name: its table is given to ``fit`` under it.
    lists : sequence of str
        The 0/1 list columns (at least two).
    count : str, optional
        Column of counts when each row is a capture pattern rather than a person.
    interactions : {"none", "pairs"}
        Lists independent within an area and period (default), or pairwise list dependence
        with a shrinkage prior (``interaction_sd`` of the estimator's priors); with three
        lists the pairwise model is saturated and its size rests on that prior.
    visibility : (low, high), optional
        95% prior interval of the share of the true number the lists' population holds
        (MSE estimates the people who could be listed; those no service reaches are missed).
    anchor : bool
        The lists' MSE estimate is unbiased for the truth.

    Examples
    --------
    >>> ListSource("lists", ["police", "ngo", "shelter"], visibility=(0.5, 0.9)).lists
    ('police', 'ngo', 'shelter')
    """

    name: str
    lists: Sequence[str]
    count: str | None = None
    interactions: str = "none"
    visibility: tuple[float, float] | None = None
    anchor: bool = False
    kind: str = field(default="lists", init=False)

    def __post_init__(self) -> None:
        _name(self.name)
        lists = column_names("lists", self.lists, single=True)
        if len(lists) < 2:
            raise DataError(f"source {self.name!r}: lists needs at least two list columns")
        if len(lists) > 8:
            raise DataError(
                f"source {self.name!r}: at most 8 lists ({2**8} capture patterns), got {len(lists)}"
            )
        object.__setattr__(self, "lists", tuple(lists))
        if self.interactions not in ("none", "pairs"):
            raise DataError(
                f"source {self.name!r}: interactions must be 'none' or 'pairs', got "
                f"{self.interactions!r}"
            )
        if self.interactions == "pairs" and len(lists) < 3:
            raise DataError(f"source {self.name!r}: pairwise interactions need three lists")
        object.__setattr__(
            self, "visibility", _visibility(self.name, self.visibility, bool(self.anchor))
        )


@dataclass(frozen=True)
class EstimateSource:
    """One estimate per area and period with its sampling error.

    Parameters
    ----------
    name : str
        The source's name: its table is given to ``fit`` under it.
    estimate : str
        Column of the estimates (default ``"estimate"``).
    std_error : str, optional
        Column of their standard errors, on the likelihood's scale (for ``"lognormal"`` the
        standard error of the log estimate). Give either this or ``lower`` and ``upper``.
    lower, upper : str, optional
        Columns of interval limits at ``level``; the standard error on the likelihood's scale
        is their half-width divided by the normal quantile (on the log scale for
        ``"lognormal"``), so a skewed bootstrap or posterior interval enters as what it says.
    level : float
        The level of ``lower`` and ``upper``.
    scale : {"count", "prevalence"}
        Whether the estimates are numbers of people or shares of the population (shares need
        the population column of the synthesis).
    likelihood : {"lognormal", "normal", "binomial"}, optional
        Default: log-normal for counts (scale-up and RDS estimates are skewed), binomial for
        prevalences. ``"binomial"`` enters a survey prevalence ``p`` with standard error
        ``se`` as ``n * p`` cases in ``n`` effective trials, ``n = p (1 - p) / se^2`` (Kish's
        effective sample size, as :class:`~prevalence.HierarchicalPrevalence`'s counts model):
        a rare outcome's skewed uncertainty, which a normal likelihood misstates when a
        domain has a handful of cases. A prevalence of 0 has no such ``n``: give the
        effective sample size in ``effective_n``.
    effective_n : str, optional
        Column of effective sample sizes for ``"binomial"`` (then ``std_error`` and the
        interval are not needed).
    visibility : (low, high), optional
        95% prior interval of the ratio of what the source measures to the truth.
    anchor : bool
        The source is unbiased.

    Examples
    --------
    >>> s = EstimateSource("survey", "prevalence", "se", scale="prevalence", anchor=True)
    >>> s.likelihood
    'binomial'
    """

    name: str
    estimate: str = "estimate"
    std_error: str | None = None
    lower: str | None = None
    upper: str | None = None
    level: float = 0.95
    scale: str = "count"
    likelihood: str | None = None
    visibility: tuple[float, float] | None = None
    anchor: bool = False
    effective_n: str | None = None
    kind: str = field(default="estimates", init=False)

    def __post_init__(self) -> None:
        _name(self.name)
        if self.scale not in ("count", "prevalence"):
            raise DataError(
                f"source {self.name!r}: scale must be 'count' or 'prevalence', got {self.scale!r}"
            )
        likelihood = self.likelihood or ("lognormal" if self.scale == "count" else "binomial")
        if likelihood not in ("lognormal", "normal", "binomial"):
            raise DataError(
                f"source {self.name!r}: likelihood must be 'lognormal', 'normal' or 'binomial', "
                f"got {self.likelihood!r}"
            )
        if likelihood == "binomial" and self.scale != "prevalence":
            raise DataError(
                f"source {self.name!r}: the binomial likelihood is for prevalences "
                "(scale='prevalence')"
            )
        if self.effective_n is not None and likelihood != "binomial":
            raise DataError(f"source {self.name!r}: effective_n goes with likelihood='binomial'")
        object.__setattr__(self, "likelihood", likelihood)
        if self.effective_n is not None:
            if self.std_error is not None or self.lower is not None or self.upper is not None:
                raise DataError(
                    f"source {self.name!r}: give effective_n or the sampling error "
                    "(std_error=, or lower= and upper=), not both"
                )
        elif (self.std_error is None) == (self.lower is None and self.upper is None):
            raise DataError(
                f"source {self.name!r}: give the sampling error as std_error= or as lower= and "
                "upper= (interval columns), one of the two"
            )
        elif self.std_error is None and (self.lower is None or self.upper is None):
            raise DataError(f"source {self.name!r}: lower= and upper= go together")
        if not 0 < float(self.level) < 1:
            raise DataError(f"source {self.name!r}: level must lie in (0, 1), got {self.level!r}")
        object.__setattr__(
            self, "visibility", _visibility(self.name, self.visibility, bool(self.anchor))
        )


Source = ListSource | EstimateSource


def estimates_table(
    estimates: Mapping[tuple[Any, Any], Estimate], *, area: str = "area", period: str = "period"
) -> pd.DataFrame:
    """A source's table from estimates made elsewhere, keyed by ``(area, period)``.

    Columns ``area``, ``period`` (as named), ``estimate``, ``lower``, ``upper`` and
    ``level``: give it to an :class:`EstimateSource` with ``lower="lower", upper="upper"``.

    Examples
    --------
    >>> from prevalence import Estimate
    >>> t = estimates_table({("north", 2020): Estimate(500.0, 400.0, 640.0)}, area="region")
    >>> list(t.columns)
    ['region', 'period', 'estimate', 'lower', 'upper', 'level']
    """
    rows = []
    for key, est in estimates.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise DataError(f"estimates are keyed by (area, period), got the key {key!r}")
        if not isinstance(est, Estimate):
            raise DataError(f"the estimate for {key!r} is a {type(est).__name__}, not an Estimate")
        if not (math.isfinite(est.lower) and math.isfinite(est.upper)):
            raise DataError(
                f"the estimate for {key!r} has no interval: a source needs its sampling error"
            )
        rows.append((key[0], key[1], est.value, est.lower, est.upper, est.level))
    return pd.DataFrame(rows, columns=[area, period, "estimate", "lower", "upper", "level"])


# ---------------------------------------------------------------------- prepared arrays
@dataclass(frozen=True)
class EstimateRows:
    """Every estimate of the estimate sources, one row each (concatenated over sources)."""

    source: np.ndarray  # index into Prepared.sources
    cell: np.ndarray
    observed: np.ndarray  # on the likelihood's scale (the log for log-normal rows)
    std_error: np.ndarray  # on the likelihood's scale
    lognormal: np.ndarray  # bool
    prevalence: np.ndarray  # bool: the estimate is a share of the cell's population
    binomial: np.ndarray  # bool: effective cases in effective trials
    trials: np.ndarray  # effective trials (binomial rows; 0 elsewhere)
    value: np.ndarray  # the estimate as given


@dataclass(frozen=True)
class ListCells:
    """One list source's capture-pattern counts by cell."""

    source: int
    cell: np.ndarray  # (L,)
    counts: np.ndarray  # (L, 2^k - 1): patterns 1 .. 2^k - 1 (bit j: on list j)
    design: np.ndarray  # (2^k, q): main effects and, with pairs, pairwise products
    n_pairs: int


@dataclass(frozen=True)
class Prepared:
    """The synthesis's data as arrays: a grid of area x period cells and every source."""

    area_labels: list[Any]
    period_labels: list[Any]
    cell_area: np.ndarray
    cell_period: np.ndarray
    population: np.ndarray  # people per cell (ones without a population column)
    has_population: bool
    sources: tuple[Any, ...]
    estimates: EstimateRows
    lists: tuple[ListCells, ...]
    centre: float  # a rough log prevalence (log count without population) to centre priors

    @property
    def n_cells(self) -> int:
        return len(self.cell_area)

    @property
    def visibility_prior(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of each source's log visibility (0, 0 for anchors)."""
        mean = np.zeros(len(self.sources))
        sd = np.zeros(len(self.sources))
        for i, s in enumerate(self.sources):
            if s.visibility is not None:
                low, high = np.log(s.visibility)
                mean[i] = (low + high) / 2
                sd[i] = (high - low) / (2 * Z95)
        return mean, sd


def _cells_of(
    frame: pd.DataFrame, what: str, area: str, period: str, index: Mapping[tuple[Any, Any], int]
) -> np.ndarray:
    missing = [c for c in (area, period) if c not in frame.columns]
    if missing:
        raise DataError(f"{what} has no column {missing[0]!r}; it has {list(frame.columns)}")
    keys = list(zip(frame[area].tolist(), frame[period].tolist(), strict=True))
    cells = np.empty(len(keys), dtype=np.int64)
    for row, key in enumerate(keys):
        if key not in index:
            raise DataError(
                f"{what}, row {frame.index[row]!r}: area {key[0]!r} in period {key[1]!r} is not "
                "in the population table (every source's areas and periods must be there)"
            )
        cells[row] = index[key]
    return cells


def _numeric(frame: pd.DataFrame, column: str, what: str) -> np.ndarray:
    if column not in frame.columns:
        raise DataError(f"{what} has no column {column!r}; it has {list(frame.columns)}")
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raw = frame[column].iloc[bad[0]]
        shown = f"{float(raw):g}" if isinstance(raw, int | float | np.number) else repr(raw)
        raise DataError(
            f"{what}, column {column!r}, row {frame.index[bad[0]]!r}: {shown} is not a finite "
            "number"
        )
    return values


def _population_grid(
    population: Any, area: str, period: str | None, column: str | None
) -> tuple[list[Any], list[Any], np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(population, pd.DataFrame):
        raise DataError(
            "the data need a 'population' table: one row per area and period (with the "
            f"population column when there is one), got {type(population).__name__}"
        )
    frame = population
    if period is None:
        frame = frame.assign(**{"__period": 0})
        period = "__period"
    for c in (area, period):
        if c not in frame.columns:
            raise DataError(
                f"the population table has no column {c!r}; it has {list(frame.columns)}"
            )
    if frame.empty:
        raise DataError("the population table is empty")
    keys = list(zip(frame[area].tolist(), frame[period].tolist(), strict=True))
    seen: dict[tuple[Any, Any], Any] = {}
    for row, key in zip(frame.index, keys, strict=True):
        if key in seen:
            raise DataError(
                f"the population table has area {key[0]!r} in period {key[1]!r} twice (rows "
                f"{seen[key]!r} and {row!r})"
            )
        seen[key] = row
    area_labels = list(pd.unique(frame[area]))
    period_labels = sorted(pd.unique(frame[period]).tolist())
    absent = [(a, t) for a in area_labels for t in period_labels if (a, t) not in seen]
    if absent:
        raise DataError(
            f"the population table has no row for area {absent[0][0]!r} in period "
            f"{absent[0][1]!r}: give every area in every period (a source may still be "
            "missing there)"
        )
    a_index = {a: i for i, a in enumerate(area_labels)}
    t_index = {t: i for i, t in enumerate(period_labels)}
    cell_area = np.array([a_index[k[0]] for k in keys], dtype=np.int64)
    cell_period = np.array([t_index[k[1]] for k in keys], dtype=np.int64)
    if column is None:
        people = np.ones(len(keys))
    else:
        people = _numeric(frame, column, "the population table")
        bad = np.flatnonzero(people <= 0)
        if bad.size:
            raise DataError(
                f"the population table, column {column!r}, row {frame.index[bad[0]]!r}: a "
                f"population must be positive, got {float(people[bad[0]]):g}"
            )
    order = np.lexsort((cell_area, cell_period))  # cells by period, then area
    return (
        area_labels,
        period_labels,
        cell_area[order],
        cell_period[order],
        people[order],
    )


def _design(k: int, pairs: bool) -> tuple[np.ndarray, int]:
    patterns = ((np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1).astype(float)
    if not pairs:
        return patterns, 0
    prods = [patterns[:, a] * patterns[:, b] for a, b in combinations(range(k), 2)]
    return np.column_stack([patterns, *prods]), len(prods)


def _list_cells(
    source: ListSource,
    index_in: int,
    frame: pd.DataFrame,
    area: str,
    period: str,
    cells_index: Mapping[tuple[Any, Any], int],
) -> ListCells:
    what = f"source {source.name!r}"
    k = len(source.lists)
    bits = np.zeros(len(frame), dtype=np.int64)
    for j, col in enumerate(source.lists):
        values = _numeric(frame, col, what)
        bad = np.flatnonzero((values != 0) & (values != 1))
        if bad.size:
            raise DataError(
                f"{what}, list column {col!r}, row {frame.index[bad[0]]!r}: a list column holds "
                f"0 or 1, got {float(values[bad[0]]):g}"
            )
        bits |= values.astype(np.int64) << j
    zero = np.flatnonzero(bits == 0)
    if zero.size:
        raise DataError(
            f"{what}, row {frame.index[zero[0]]!r}: on no list (a capture history has at least "
            "one 1)"
        )
    if source.count is None:
        weight = np.ones(len(frame))
    else:
        weight = _numeric(frame, source.count, what)
        bad = np.flatnonzero((weight < 0) | (weight != np.round(weight)))
        if bad.size:
            raise DataError(
                f"{what}, column {source.count!r}, row {frame.index[bad[0]]!r}: counts are whole "
                f"numbers of at least 0, got {float(weight[bad[0]]):g}"
            )
    cells = _cells_of(frame, what, area, period, cells_index)
    present = np.unique(cells)
    row_of = {c: i for i, c in enumerate(present)}
    counts = np.zeros((len(present), 2**k - 1))
    np.add.at(counts, (np.array([row_of[c] for c in cells]), bits - 1), weight)
    design, n_pairs = _design(k, source.interactions == "pairs")
    return ListCells(index_in, present.astype(np.int64), counts, design, n_pairs)


def prepare(
    sources: Sequence[Source],
    data: Mapping[str, Any],
    *,
    area: str,
    period: str | None,
    population: str | None,
) -> Prepared:
    """Check every source's table against the population grid and build the arrays."""
    if not isinstance(data, Mapping):
        raise DataError(
            "EvidenceSynthesis.fit takes a mapping of tables: 'population' (areas and periods) "
            f"and one table per source, keyed by the source's name; got {type(data).__name__}"
        )
    names = [s.name for s in sources]
    unknown = sorted(set(data) - set(names) - {"population"})
    if unknown:
        raise DataError(f"the data name tables of no source: {unknown}; the sources are {names}")
    if "population" not in data:
        raise DataError("the data need a 'population' table (one row per area and period)")
    area_labels, period_labels, cell_area, cell_period, people = _population_grid(
        data["population"], area, period, population
    )
    period_col = period or "__period"
    index = {
        (area_labels[a], period_labels[t]): i
        for i, (a, t) in enumerate(zip(cell_area, cell_period, strict=True))
    }
    est_parts: list[dict[str, np.ndarray]] = []
    list_cells: list[ListCells] = []
    guesses: list[float] = []
    for i, source in enumerate(sources):
        if source.name not in data:
            raise DataError(f"no table for source {source.name!r}: give it to fit under that name")
        frame = data[source.name]
        what = f"source {source.name!r}"
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"{what}: its table must be a DataFrame, got {type(frame).__name__}")
        if frame.empty:
            raise DataError(f"{what}: its table is empty")
        if period is None:
            frame = frame.assign(__period=0)
        v_centre = 1.0 if source.visibility is None else math.sqrt(np.prod(source.visibility))
        if isinstance(source, ListSource):
            lc = _list_cells(source, i, frame, area, period_col, index)
            list_cells.append(lc)
            seen = lc.counts.sum(axis=1)
            guesses += list(np.log(2 * seen / v_centre / people[lc.cell]))
            continue
        cells = _cells_of(frame, what, area, period_col, index)
        if len(np.unique(cells)) < len(cells):
            dup = frame.index[np.flatnonzero(pd.Series(cells).duplicated().to_numpy())[0]]
            raise DataError(f"{what}, row {dup!r}: a second estimate for the same area and period")
        value = _numeric(frame, source.estimate, what)
        if source.scale == "prevalence" and population is None:
            raise DataError(
                f"{what} gives prevalences: the synthesis needs population= (the people of "
                "each area and period) to relate them to counts"
            )
        lognormal = source.likelihood == "lognormal"
        neg = np.flatnonzero(value < 0 if not lognormal else value <= 0)
        if neg.size:
            raise DataError(
                f"{what}, column {source.estimate!r}, row {frame.index[neg[0]]!r}: "
                f"{float(value[neg[0]]):g} "
                + (
                    "is not positive (a log-normal likelihood; use likelihood='normal')"
                    if lognormal
                    else "is negative"
                )
            )
        binomial = source.likelihood == "binomial"
        if binomial and np.any(value >= 1):
            row = frame.index[np.flatnonzero(value >= 1)[0]]
            raise DataError(
                f"{what}, column {source.estimate!r}, row {row!r}: a prevalence is below 1"
            )
        if source.effective_n is not None:
            trials = _numeric(frame, source.effective_n, what)
            bad = np.flatnonzero(~(trials > 0))
            if bad.size:
                raise DataError(
                    f"{what}, column {source.effective_n!r}, row {frame.index[bad[0]]!r}: an "
                    "effective sample size must be positive"
                )
            se = np.sqrt(np.maximum(value * (1 - value), 1e-300) / trials)
        else:
            if source.std_error is not None:
                se = _numeric(frame, source.std_error, what)
                se_col = source.std_error
            else:
                lo = _numeric(frame, source.lower, what)  # type: ignore[arg-type]
                hi = _numeric(frame, source.upper, what)  # type: ignore[arg-type]
                z = -_norm_ppf((1 - float(source.level)) / 2)
                if lognormal:
                    if np.any(lo <= 0):
                        row = frame.index[np.flatnonzero(lo <= 0)[0]]
                        raise DataError(
                            f"{what}, column {source.lower!r}, row {row!r}: a log-normal "
                            "source's lower limit must be positive (use likelihood='normal')"
                        )
                    se = (np.log(hi) - np.log(lo)) / (2 * z)
                else:
                    se = (hi - lo) / (2 * z)
                se_col = f"{source.lower}/{source.upper}"
            bad = np.flatnonzero(~(se > 0))
            if bad.size:
                raise DataError(
                    f"{what}, column {se_col!r}, row {frame.index[bad[0]]!r}: the sampling "
                    "error must be positive (zero would fix the estimate exactly; give its real "
                    "error)"
                )
            if binomial:
                zero = np.flatnonzero(value == 0)
                if zero.size:
                    raise DataError(
                        f"{what}, column {source.estimate!r}, row {frame.index[zero[0]]!r}: a "
                        "prevalence of 0 has no effective sample size p(1 - p)/se^2; give it in "
                        "effective_n= (or use likelihood='normal')"
                    )
                trials = value * (1 - value) / se**2
            else:
                trials = np.zeros(len(value))
        observed = np.log(value) if lognormal else value
        est_parts.append(
            {
                "source": np.full(len(value), i, dtype=np.int64),
                "cell": cells,
                "observed": observed,
                "std_error": se,
                "lognormal": np.full(len(value), lognormal),
                "prevalence": np.full(len(value), source.scale == "prevalence"),
                "binomial": np.full(len(value), binomial),
                "trials": trials,
                "value": value,
            }
        )
        count = value * (people[cells] if source.scale == "prevalence" else 1.0)
        positive = count > 0
        guesses += list(np.log(count[positive] / v_centre / people[cells][positive]))
    if not sources:
        raise DataError("a synthesis needs at least one source")
    if all(s.visibility is not None for s in sources):
        wide = [s.name for s in sources if s.visibility[1] / s.visibility[0] > 4]  # type: ignore[index]
        if len(wide) == len(sources):
            raise DataError(
                "no source is the anchor and every source's visibility is stated within more "
                "than a factor 4: the data cannot say how many there are. Declare a source the "
                "anchor (anchor=True) or narrow a visibility interval"
            )
    keys = (
        "source",
        "cell",
        "observed",
        "std_error",
        "lognormal",
        "prevalence",
        "binomial",
        "trials",
        "value",
    )
    rows = EstimateRows(
        **{
            k: np.concatenate([p[k] for p in est_parts])
            if est_parts
            else np.zeros(0, dtype=_EMPTY_DTYPES.get(k, float))
            for k in keys
        }
    )
    if not guesses:
        raise DataError("the sources hold no positive estimate or listed person to start from")
    return Prepared(
        area_labels=area_labels,
        period_labels=period_labels,
        cell_area=cell_area,
        cell_period=cell_period,
        population=people,
        has_population=population is not None,
        sources=tuple(sources),
        estimates=rows,
        lists=tuple(list_cells),
        centre=float(np.median(guesses)),
    )


_EMPTY_DTYPES = {
    "source": np.int64,
    "cell": np.int64,
    "lognormal": bool,
    "prevalence": bool,
    "binomial": bool,
}


def _norm_ppf(p: float) -> float:  # scipy imported only when an interval is converted
    from scipy.stats import norm

    return float(norm.ppf(p))
