"""Result objects returned by every estimator: :class:`Estimate` and :class:`Comparison`.

Both are immutable. ``Estimate.details`` is a read-only mapping whose keys depend on the
method (model, deviance, df, AIC, BIC, coefficients, fitted counts, standard error, ...);
``Estimate.draws`` is a read-only NumPy array of bootstrap replicates or posterior draws, or
``None`` when the method has none.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .details import Details
from .probability import Probability, probability_of_reduction

__all__ = [
    "Estimate",
    "Comparison",
    "Summary",
    "DRAWS_KINDS",
    "INTERVAL_METHODS",
    "coefficient_table",
]

DRAWS_KINDS = (None, "bootstrap", "posterior", "approximation", "mixed")

#: Interval methods an :class:`Estimate` can name in ``interval_method`` (``None``: not
#: recorded). Comparisons read it to combine estimates with the method their own intervals
#: used (see :mod:`prevalence.core.compare`).
INTERVAL_METHODS: dict[str | None, str] = {
    None: "not recorded",
    "bca": "bias-corrected and accelerated (BCa) bootstrap",
    "percentile": "equal-tailed percentiles of bootstrap replicates or other draws",
    "credible": "equal-tailed posterior credible interval",
    "profile": "profile likelihood",
    "log-wald": "Wald interval on the log scale of the unobserved count",
    "wald": "normal (Wald) interval",
    "t": "Student t interval on the design degrees of freedom",
    "log-normal": "normal interval on the log scale",
    "proportion": "a survey proportion interval (logit, likelihood, beta, ...; see the method)",
}


def _freeze_mapping(details: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if isinstance(details, Details):
        return details
    return Details(details)


def _freeze_draws(draws: Any) -> np.ndarray | None:
    if draws is None:
        return None
    arr = np.array(draws, dtype=float, copy=True).reshape(-1)
    arr.setflags(write=False)
    return arr


def _format_number(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    if ax >= 0.01 or ax == 0:
        return f"{x:.3f}"
    return f"{x:.3g}"


def _jsonable(value: Any) -> Any:
    """Convert NumPy and pandas values into plain Python for ``to_dict``."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return _jsonable(value.to_dict(orient="records"))
    if isinstance(value, pd.Series):
        return _jsonable(value.to_dict())
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    if callable(getattr(value, "to_dict", None)):
        return _jsonable(value.to_dict())
    return repr(value)


def strict_json(value: Any, **kwargs: Any) -> str:
    """``value`` as strict JSON: NaN and infinities become ``null`` (JSON has no token for
    them; Python's ``NaN`` is read by few other parsers), NumPy and pandas values plain.

    Examples
    --------
    >>> strict_json({"lower": float("nan"), "n": np.int64(3), "upper": [np.inf, 1.5]})
    '{"lower": null, "n": 3, "upper": [null, 1.5]}'
    """

    def finite(v: Any) -> Any:
        if isinstance(v, float):
            return v if math.isfinite(v) else None
        if isinstance(v, dict):
            return {k: finite(x) for k, x in v.items()}
        if isinstance(v, list):
            return [finite(x) for x in v]
        return v

    return json.dumps(finite(_jsonable(value)), allow_nan=False, **kwargs)


def coefficient_table(
    terms: Sequence[str],
    estimate: Sequence[float] | np.ndarray,
    std_error: Sequence[float] | np.ndarray,
    lower: Sequence[float] | np.ndarray | None = None,
    upper: Sequence[float] | np.ndarray | None = None,
    *,
    level: float = 0.95,
    **extra: Sequence[Any] | np.ndarray,
) -> pd.DataFrame:
    """The ``details["coefficients"]`` of every estimator: one row per model term, columns
    ``term, estimate, std_error, lower, upper`` (then any ``extra`` columns). Without
    ``lower``/``upper`` the interval is Wald's, ``estimate -/+ z std_error`` at ``level``; a
    coefficient fixed at minus infinity keeps a missing standard error and interval.

    >>> coefficient_table(["(intercept)", "A"], [2.0, 0.5], [0.1, 0.2]).round(3).to_dict("list")["upper"]
    [2.196, 0.892]
    """
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(std_error, dtype=float)
    if lower is None or upper is None:
        from .intervals import normal_quantile  # scipy, loaded on first use

        z = normal_quantile(level)
        with np.errstate(invalid="ignore"):
            lo, hi = est - z * se, est + z * se
        lo = np.where(np.isfinite(est), lo, np.nan)
        hi = np.where(np.isfinite(est), hi, np.nan)
    else:
        lo, hi = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    table = pd.DataFrame(
        {"term": list(terms), "estimate": est, "std_error": se, "lower": lo, "upper": hi}
    )
    for name, values in extra.items():
        table[name] = np.asarray(values)
    return table


@dataclass(frozen=True)
class Summary:
    """A result described as text, HTML and tables (as statsmodels' and linearmodels' summaries).

    Attributes
    ----------
    title : str
        What the result is.
    rows : tuple of (label, text)
        The headline facts, in order.
    tables : mapping of name to DataFrame
        Tabular details (the comparison's four rows, a model-selection table...).

    ``str(summary)`` is the text; in a notebook the summary renders as HTML.
    """

    title: str
    rows: tuple[tuple[str, str], ...]
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    def as_text(self) -> str:
        """Plain text: the title, the facts aligned, then each table."""
        width = max((len(k) for k, _ in self.rows), default=0)
        lines = [self.title, "=" * len(self.title)]
        lines += [f"{k:<{width}}  {v}" for k, v in self.rows]
        for name, table in self.tables.items():
            lines += ["", name, "-" * len(name), table.to_string(index=False)]
        return "\n".join(lines)

    def as_html(self) -> str:
        """HTML: a table of the facts, then each table."""
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self.rows
        )
        out = [
            f"<p><b>{html.escape(self.title)}</b></p><table class='prevalence-summary'>{body}</table>"
        ]
        for name, table in self.tables.items():
            out.append(f"<p><b>{html.escape(name)}</b></p>" + table.to_html(index=False))
        return "".join(out)

    def to_frame(self) -> pd.DataFrame:
        """The facts as a two-column DataFrame (``item``, ``value``)."""
        return pd.DataFrame(list(self.rows), columns=["item", "value"])

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


@dataclass(frozen=True, eq=False)
class Estimate:
    """A point estimate with its interval, method, draws, details and warnings.

    Parameters
    ----------
    value : float
        The point estimate.
    lower, upper : float
        Interval limits at ``level``. ``nan`` when no interval was computed.
    level : float
        Coverage level of the interval, default 0.95.
    method : str
        What produced the estimate, for example ``"log-linear MSE [12,23], profile likelihood"``.
    draws : array-like or None
        Bootstrap replicates or posterior draws of the estimated quantity.
    details : mapping
        Method-specific extras (model, deviance, df, AIC, BIC, coefficients, standard error...).
    warnings : tuple of str
        Caveats raised while fitting (also emitted as :class:`~prevalence.EstimationWarning`).
    draws_kind : {"bootstrap", "posterior", "approximation", "mixed"} or None
        What ``draws`` are: bootstrap replicates (a frequentist sampling distribution),
        posterior draws (a Bayesian posterior), draws from a parametric approximation, or a
        combination of these (a comparison of a bootstrap and a posterior estimate, say).
        ``None`` when there are no draws or the producer did not say.
    scale : str or None
        What the value measures: ``"count"`` (a population size), ``"proportion"``,
        ``"mean"``, ``"total"``, ``"ratio"``... Impact tools refuse to combine estimates on
        different scales.
    interval_method : str or None
        How ``lower`` and ``upper`` were computed, one of :data:`INTERVAL_METHODS`
        (``"bca"``, ``"percentile"``, ``"credible"``, ``"profile"``...). Comparisons use it
        to give a change the same kind of interval as the estimates it compares.

    Examples
    --------
    >>> from prevalence import Estimate
    >>> est = Estimate(value=1200.0, lower=1000.0, upper=1500.0, method="example")
    >>> est.interval
    (1000.0, 1500.0)
    >>> est.to_dict()["value"]
    1200.0
    """

    value: float
    lower: float = math.nan
    upper: float = math.nan
    level: float = 0.95
    method: str = ""
    draws: np.ndarray | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    draws_kind: str | None = None
    scale: str | None = None
    interval_method: str | None = None

    def __post_init__(self) -> None:
        if self.draws_kind not in DRAWS_KINDS:
            raise ValueError(f"draws_kind must be one of {DRAWS_KINDS}, got {self.draws_kind!r}")
        if self.interval_method not in INTERVAL_METHODS:
            raise ValueError(
                f"interval_method must be one of {list(INTERVAL_METHODS)}, "
                f"got {self.interval_method!r}"
            )
        if self.interval_method == "bca" and self.draws_kind not in (None, "bootstrap"):
            raise ValueError(
                f"a BCa interval comes from bootstrap replicates, not {self.draws_kind} draws"
            )
        if self.interval_method == "credible" and self.draws_kind == "bootstrap":
            raise ValueError("a credible interval comes from a posterior, not bootstrap replicates")
        object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "lower", float(self.lower))
        object.__setattr__(self, "upper", float(self.upper))
        if self.lower > self.upper:  # NaN limits (no interval) compare False and pass
            raise ValueError(
                f"the interval's lower limit {self.lower:g} exceeds its upper limit {self.upper:g}"
            )
        level = float(self.level)
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must lie strictly between 0 and 1, got {self.level!r}")
        object.__setattr__(self, "level", level)
        object.__setattr__(self, "method", str(self.method))
        object.__setattr__(self, "draws", _freeze_draws(self.draws))
        object.__setattr__(self, "details", _freeze_mapping(self.details))
        object.__setattr__(self, "warnings", tuple(str(w) for w in self.warnings))

    # Pickling and deep copies: the read-only views are rebuilt on load (unpickled arrays
    # would come back writable).
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["details"] = dict(self.details)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "details", _freeze_mapping(state.get("details")))
        object.__setattr__(self, "draws", _freeze_draws(state.get("draws")))

    @property
    def interval(self) -> tuple[float, float]:
        """The interval ``(lower, upper)`` at :attr:`level`."""
        return (self.lower, self.upper)

    @property
    def std_error(self) -> float:
        """The standard error recorded in ``details['std_error']``, or ``nan``."""
        return float(self.details.get("std_error", math.nan))

    def to_dict(self, include_draws: bool = False) -> dict[str, Any]:
        """Plain-Python representation (JSON-serialisable).

        Draws are summarised by their number unless ``include_draws`` is true.
        """
        out: dict[str, Any] = {
            "value": self.value,
            "lower": self.lower,
            "upper": self.upper,
            "level": self.level,
            "method": self.method,
            "n_draws": 0 if self.draws is None else int(self.draws.size),
            "draws_kind": self.draws_kind,
            "scale": self.scale,
            "interval_method": self.interval_method,
            "warnings": list(self.warnings),
            "details": _jsonable(self.details),
        }
        if include_draws:
            out["draws"] = None if self.draws is None else self.draws.tolist()
        return out

    def to_frame(self) -> pd.DataFrame:
        """One-row DataFrame: value, lower, upper, level, std_error, method, warnings."""
        return pd.DataFrame(
            [
                {
                    "value": self.value,
                    "lower": self.lower,
                    "upper": self.upper,
                    "level": self.level,
                    "std_error": self.std_error,
                    "method": self.method,
                    "warnings": "; ".join(self.warnings),
                }
            ]
        )

    def _interval_text(self) -> str:
        if math.isnan(self.lower) and math.isnan(self.upper):
            return "no interval"
        pct = f"{100 * self.level:g}%"
        return f"{pct} interval [{_format_number(self.lower)}, {_format_number(self.upper)}]"

    def __repr__(self) -> str:
        parts = [f"Estimate({_format_number(self.value)}", self._interval_text()]
        if self.method:
            parts.append(f"method={self.method!r}")
        if self.draws is not None:
            parts.append(f"{self.draws.size} draws")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warning(s)")
        return ", ".join(parts) + ")"

    def summary(self) -> Summary:
        """The estimate described: value, interval and how it was computed, draws, scale,
        standard error, warnings, and the tables among its details.

        Examples
        --------
        >>> est = Estimate(1200.0, 1000.0, 1500.0, method="example", interval_method="profile")
        >>> print(est.summary().as_text().splitlines()[3])
        interval  95% interval [1,000, 1,500] (profile likelihood)
        """
        rows = [
            ("estimate", _format_number(self.value)),
            (
                "interval",
                self._interval_text()
                + (
                    f" ({INTERVAL_METHODS[self.interval_method]})"
                    if self.interval_method is not None
                    else ""
                ),
            ),
            ("method", self.method),
        ]
        if self.scale is not None:
            rows.append(("scale", self.scale))
        if not math.isnan(self.std_error):
            rows.append(("standard error", _format_number(self.std_error)))
        if self.draws is not None:
            rows.append(("draws", f"{self.draws.size} ({self.draws_kind or 'kind not recorded'})"))
        for w in self.warnings:
            rows.append(("warning", w))
        tables = {k: v for k, v in self.details.items() if isinstance(v, pd.DataFrame)}
        return Summary("Estimate", tuple(rows), tables)

    def plot(self, ax: Any = None, *, draws: bool = True) -> Any:
        """Draw the estimate and return the matplotlib ``Figure``.

        With draws (and ``draws=True``): their histogram, the interval shaded and the value
        marked; otherwise the value as a dot on its interval. ``ax``: axes of your own figure
        to draw into (default: a new figure). The backend is not changed.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> fig = Estimate(1200.0, 1000.0, 1500.0, method="example").plot()
        >>> len(fig.axes)
        1
        """
        from .figures import draw_distribution, draw_intervals, figure_and_axes

        xlabel = self.scale or "estimate"
        show = draws and self.draws is not None and np.isfinite(self.draws).sum() > 1
        fig, ax, own = figure_and_axes(ax, (6.0, 3.5) if show else (6.0, 1.6))
        if show:
            draw_distribution(ax, self, xlabel)
        else:
            draw_intervals(ax, [("estimate", self, "tab:blue")], xlabel)
        ax.set_title(f"{_format_number(self.value)}, {self._interval_text()}", fontsize="medium")
        if own:
            fig.tight_layout()
        return fig

    def _repr_html_(self) -> str:
        return (
            self.summary()
            .as_html()
            .replace("class='prevalence-summary'", "class='prevalence-estimate'")
        )


@dataclass(frozen=True, eq=False)
class Comparison:
    """Baseline and endline estimates with their difference and ratio.

    ``difference`` is endline minus baseline and ``ratio`` is endline over baseline; each is an
    :class:`Estimate` with its own interval. Build one with an estimator's ``compare`` method,
    or from two estimates with :func:`prevalence.core.compare.compare_estimates`.

    Examples
    --------
    >>> from prevalence import Estimate
    >>> from prevalence.core.compare import compare_estimates
    >>> b = Estimate(1000.0, 900.0, 1100.0, method="x", draws=[950, 1000, 1050])
    >>> e = Estimate(800.0, 700.0, 900.0, method="x", draws=[750, 800, 850])
    >>> compare_estimates(b, e).difference.value
    -200.0
    """

    baseline: Estimate
    endline: Estimate
    difference: Estimate
    ratio: Estimate

    def probability_reduced(
        self, by: float | None = None, *, absolute: float | None = None
    ) -> Probability:
        """How likely is it that the quantity fell by at least ``by`` (relative) or ``absolute``?

        ``by=0.2`` asks for ``endline <= 0.8 x baseline`` (from the ratio), ``absolute=500``
        for ``endline - baseline <= -500`` (from the difference). From draws when the
        comparison has them (posterior draws give a posterior probability; bootstrap
        replicates give the share of replicates, a frequentist quantity), otherwise from a
        normal approximation (on the log scale for the ratio). The result says which.

        Examples
        --------
        >>> from prevalence import Estimate
        >>> from prevalence.core.compare import compare_estimates
        >>> b = Estimate(1000.0, 900.0, 1110.0, method="x", scale="count")
        >>> e = Estimate(700.0, 620.0, 790.0, method="x", scale="count")
        >>> p = compare_estimates(b, e, seed=1).probability_reduced(by=0.2)
        >>> round(p.value, 2), p.kind
        (0.95, 'approximation')
        """
        return probability_of_reduction(self.difference, self.ratio, by, absolute)

    def to_frame(self) -> pd.DataFrame:
        """Four rows (baseline, endline, difference, ratio) with value, interval and method."""
        frames = []
        for name in ("baseline", "endline", "difference", "ratio"):
            f = getattr(self, name).to_frame()
            f.insert(0, "quantity", name)
            frames.append(f)
        return pd.concat(frames, ignore_index=True)

    def __repr__(self) -> str:
        return (
            "Comparison(\n"
            f"  baseline   = {self.baseline!r},\n"
            f"  endline    = {self.endline!r},\n"
            f"  difference = {self.difference!r},\n"
            f"  ratio      = {self.ratio!r}\n)"
        )

    def summary(self) -> Summary:
        """The comparison described: its four rows as a table, and every warning.

        Examples
        --------
        >>> from prevalence import Estimate
        >>> from prevalence.core.compare import compare_estimates
        >>> b = Estimate(1000.0, 900.0, 1110.0, scale="count")
        >>> e = Estimate(800.0, 700.0, 915.0, scale="count")
        >>> list(compare_estimates(b, e, seed=1).summary().tables)
        ['estimates']
        """
        frame = self.to_frame()[["quantity", "value", "lower", "upper", "level", "method"]]
        rows = [
            (
                "difference",
                f"{_format_number(self.difference.value)}, {self.difference._interval_text()}",
            ),
            ("ratio", f"{_format_number(self.ratio.value)}, {self.ratio._interval_text()}"),
        ]
        for name in ("baseline", "endline", "difference", "ratio"):
            for w in getattr(self, name).warnings:
                rows.append((f"warning ({name})", w))
        return Summary("Comparison: endline against baseline", tuple(rows), {"estimates": frame})

    def plot(self, ax: Any = None) -> Any:
        """Draw baseline and endline with their intervals, the change in the title, and
        return the matplotlib ``Figure`` (``ax``: axes of your own figure to draw into).

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from prevalence.core.compare import compare_estimates
        >>> c = compare_estimates(Estimate(1000.0, 900.0, 1100.0), Estimate(800.0, 700.0, 900.0),
        ...                       seed=1)
        >>> c.plot().axes[0].get_yticklabels()[0].get_text()
        'endline'
        """
        from .figures import draw_intervals, figure_and_axes

        fig, ax, own = figure_and_axes(ax, (6.0, 2.2))
        draw_intervals(
            ax,
            [("baseline", self.baseline, "tab:blue"), ("endline", self.endline, "tab:orange")],
            self.baseline.scale or "estimate",
        )
        d = self.difference
        ax.set_title(f"change {_format_number(d.value)}, {d._interval_text()}", fontsize="medium")
        if own:
            fig.tight_layout()
        return fig

    def _repr_html_(self) -> str:
        head = "<tr><th></th><th>estimate</th><th>interval</th><th>method</th></tr>"
        body = "".join(
            f"<tr><th style='text-align:left'>{name}</th>"
            f"<td>{_format_number(e.value)}</td><td>{e._interval_text()}</td>"
            f"<td>{html.escape(e.method)}</td></tr>"
            for name, e in (
                ("baseline", self.baseline),
                ("endline", self.endline),
                ("difference", self.difference),
                ("ratio", self.ratio),
            )
        )
        return f"<table class='prevalence-comparison'>{head}{body}</table>"
