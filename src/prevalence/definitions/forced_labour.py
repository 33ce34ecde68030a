"""Questionnaire answers classified as forced labour under the ICLS 2018 guidelines.

The rules, per respondent (one row), with the items a :class:`ForcedLabourMapping` names:

* **Adults** (``age >= adult_age``): forced labour is work in the reference period that is
  both *involuntary* (a "yes" to an item of any involuntariness dimension) and under
  *coercion* (a "yes" to an item of any means of coercion). Involuntary work without
  coercion, or coercion of work the respondent took on freely, is not forced labour.
* **Children**: forced labour of children is work in the reference period under coercion by a
  third party (anyone but the child's parents, applied to the child or to the parents), or
  work with or for parents who are themselves in forced labour, or work in a worst form of
  child labour counted as forced (sale and trafficking, commercial sexual exploitation,
  illicit activities, armed conflict). Involuntariness is not asked of children: they cannot
  consent.
* Forced labour is then reported in three parts that add up to it: **state-imposed** (imposed
  by state authorities), **forced commercial sexual exploitation** (privately imposed), and
  **forced labour exploitation** (the rest of privately imposed forced labour).

Answers are yes, no or missing. A missing answer makes a result *undetermined* only where it
could change it (a "yes" elsewhere in the dimension settles it): three-valued (Kleene) logic,
so that no respondent is counted as not in forced labour because a question went unanswered,
unless ``missing="no"`` says so. Every respondent gets a trace: which items made each
dimension, which unanswered items left it open, and the rule that decided.

Examples
--------
>>> import pandas as pd
>>> answers = pd.DataFrame({"age": [34, 34, 15], "worked_in_reference_period": ["yes"] * 3,
...                         "recruit_deceived": ["yes", "yes", "no"],
...                         "documents_retained": ["yes", "no", "no"],
...                         "parent_in_forced_labour": ["no", "no", "yes"]})
>>> result = classify_forced_labour(answers)
>>> result.indicators["forced_labour"].tolist()
[1, 0, 1]
>>> result.trace["rule"].tolist()[1]
'adult: involuntary without coercion: not forced labour'
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..core.errors import DataError, DataWarning
from .mapping import CONTEXT_ROLES, ICLS_2018_MAPPING, ForcedLabourMapping

__all__ = ["ForcedLabourClassification", "classify_forced_labour", "INDICATORS"]

#: The indicators every classification reports (1 yes, 0 no, missing if undetermined).
INDICATORS = (
    "forced_labour",
    "forced_labour_adults",
    "forced_labour_children",
    "state_imposed",
    "forced_commercial_sexual_exploitation",
    "forced_labour_exploitation",
    "involuntary",
    "coercion",
)


@dataclass(frozen=True)
class ForcedLabourClassification:
    """The classification of every respondent.

    ``indicators``: one row per respondent (the input's index), the :data:`INDICATORS` and
    one column per dimension (``involuntary_<dimension>``, ``coercion_<dimension>``), as
    nullable integers (1, 0, or missing when unanswered items leave it open).
    ``trace``: per respondent, ``involuntary_items`` and ``coercion_items`` (the items
    answered yes, as ``dimension: item``), ``unanswered`` (items without an answer), and
    ``rule`` (what decided, in words). ``mapping``: the mapping used.
    """

    indicators: pd.DataFrame
    trace: pd.DataFrame
    mapping: ForcedLabourMapping

    def join(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (the questionnaire, or its survey design's data) with the indicators
        added as columns, aligned on the index."""
        clash = sorted(set(frame.columns) & set(self.indicators.columns))
        if clash:
            raise DataError(f"the frame already has columns {clash}; drop or rename them first")
        return frame.join(self.indicators)

    def summary(self) -> pd.DataFrame:
        """Unweighted counts per indicator: yes, no, undetermined (the weighted prevalence
        comes from :class:`~prevalence.survey.SurveyPrevalence` on the joined data)."""
        rows = []
        for col in self.indicators.columns:
            v = self.indicators[col]
            rows.append(
                {
                    "indicator": col,
                    "yes": int((v == 1).sum()),
                    "no": int((v == 0).sum()),
                    "undetermined": int(v.isna().sum()),
                }
            )
        return pd.DataFrame(rows)


def _any(columns: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Kleene OR: 1 if any is 1, else missing if any is missing, else 0."""
    if not columns:
        return np.zeros(n)
    stack = np.vstack(columns)
    out = np.where(np.isnan(stack).any(axis=0), np.nan, 0.0)
    return np.where((stack == 1).any(axis=0), 1.0, out)


def _all(*columns: np.ndarray) -> np.ndarray:
    """Kleene AND: 0 if any is 0, else missing if any is missing, else 1."""
    stack = np.vstack(columns)
    out = np.where(np.isnan(stack).any(axis=0), np.nan, 1.0)
    return np.where((stack == 0).any(axis=0), 0.0, out)


def _not(column: np.ndarray) -> np.ndarray:
    return 1.0 - column


class _Reader:
    """Reads yes/no columns as 1.0, 0.0 or NaN, naming the column and row of any other
    answer."""

    def __init__(self, frame: pd.DataFrame, mapping: ForcedLabourMapping, missing: str) -> None:
        self.frame = frame
        self.missing = missing
        self.yes = {_key(v) for v in mapping.yes}
        self.no = {_key(v) for v in mapping.no}
        clash = self.yes & self.no
        if clash:
            raise DataError(f"mapping reads {sorted(clash, key=str)} as both yes and no")

    def __call__(self, column: str, role: str) -> np.ndarray:
        values = self.frame[column].to_numpy(dtype=object)
        out = np.full(values.size, np.nan)
        for i, v in enumerate(values):
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                continue
            k = _key(v)
            if k in self.yes:
                out[i] = 1.0
            elif k in self.no:
                out[i] = 0.0
            else:
                raise DataError(
                    f"column {column!r} ({role}), row {self.frame.index[i]!r}: answer {v!r} is "
                    f"neither yes ({sorted(map(str, self.yes))}) nor no "
                    f"({sorted(map(str, self.no))}); set the mapping's yes/no answers"
                )
        if self.missing == "no":
            out = np.nan_to_num(out, nan=0.0)
        return out


def _key(v: object) -> object:
    """Answers compared case-insensitively for text, by value for numbers (1 == 1.0 == True)."""
    if isinstance(v, str):
        return v.strip().lower()
    if isinstance(v, bool | np.bool_):
        return int(v)
    if isinstance(v, int | float | np.integer | np.floating) and float(v).is_integer():
        return int(v)
    return v


def classify_forced_labour(
    answers: pd.DataFrame,
    mapping: ForcedLabourMapping | None = None,
    *,
    missing: Literal["unknown", "no"] = "unknown",
) -> ForcedLabourClassification:
    """Classify each respondent under the ICLS 2018 forced labour definition.

    Parameters
    ----------
    answers : DataFrame
        One row per respondent: the mapped items (yes/no answers) and the age column.
        Items the mapping names but the questionnaire did not ask may be absent: they count as
        not asked (no), and are listed in a :class:`DataWarning`. The reference-period
        column and the age column must be present.
    mapping : ForcedLabourMapping, optional
        Default :data:`~prevalence.definitions.ICLS_2018_MAPPING`.
    missing : "unknown" or "no"
        ``"unknown"`` (default): unanswered items leave a result undetermined where they
        could change it; ``"no"``: unanswered counts as no.

    Returns
    -------
    ForcedLabourClassification
        Indicators ready for :class:`~prevalence.survey.SurveyPrevalence` (``join`` them to
        the survey's data) and the per-respondent trace.

    Raises
    ------
    DataError
        Not a DataFrame, no rows, the age or reference-period column absent, an age that is
        missing or not a number (rows named), an answer that is neither yes nor no (column
        and row named).
    """
    m = ICLS_2018_MAPPING if mapping is None else mapping
    if not isinstance(m, ForcedLabourMapping):
        raise DataError(f"mapping must be a ForcedLabourMapping, got {type(m).__name__}")
    if not isinstance(answers, pd.DataFrame):
        raise DataError(f"answers must be a pandas DataFrame, got {type(answers).__name__}")
    if len(answers) == 0:
        raise DataError("answers has no rows")
    if missing not in ("unknown", "no"):
        raise DataError(f"missing must be 'unknown' or 'no', got {missing!r}")
    required = [m.age, m.in_reference_period]
    absent_required = [c for c in required if c not in answers.columns]
    if absent_required:
        raise DataError(
            f"answers lack the column(s) {absent_required} (age and reference period decide "
            f"every rule); the questionnaire has {list(answers.columns)}"
        )
    roles = m.items()
    absent = [c for c in roles if c not in answers.columns]
    if len(absent) == len(roles) - 1:
        raise DataError(
            f"answers have none of the mapping's items ({m.name}); map the questionnaire's "
            "columns to the dimensions (ForcedLabourMapping.with_items or from_file)"
        )
    if absent:
        warnings.warn(
            f"items not in the answers, counted as not asked (no): {absent}",
            DataWarning,
            stacklevel=2,
        )
    n = len(answers)
    age = pd.to_numeric(answers[m.age], errors="coerce").to_numpy(dtype=float)
    bad_age = np.flatnonzero(~np.isfinite(age) | (age < 0))
    if bad_age.size:
        rows = [answers.index[i] for i in bad_age[:10]]
        raise DataError(
            f"column {m.age!r}: {bad_age.size} row(s) without a valid age (first: {rows}); "
            "the age decides between the adult and the child definition"
        )
    read = _Reader(answers, m, missing)
    absent_set = set(absent)
    unanswered: list[list[str]] = [[] for _ in range(n)]

    def item(col: str | None, role: str) -> np.ndarray:
        """An item's answers (no where not asked), its unanswered rows noted for the trace."""
        if col is None or col in absent_set:
            return np.zeros(n)
        values = read(col, role)
        for i in np.flatnonzero(np.isnan(values)):
            unanswered[i].append(col)
        return values

    dims: dict[str, np.ndarray] = {}
    yes_items: dict[str, list[list[str]]] = {"involuntary": [[] for _ in range(n)]}
    yes_items["coercion"] = [[] for _ in range(n)]
    for part, table in (("involuntary", m.involuntary), ("coercion", m.coercion)):
        for dim, cols in table.items():
            values = [item(c, f"{part}: {dim}") for c in cols]
            for c, v in zip(cols, values, strict=True):
                for i in np.flatnonzero(v == 1):
                    yes_items[part][i].append(f"{dim}: {c}")
            dims[f"{part}_{dim}"] = _any(values, n)
    involuntary = _any([v for k, v in dims.items() if k.startswith("involuntary_")], n)
    coercion = _any([v for k, v in dims.items() if k.startswith("coercion_")], n)
    context = {role: item(getattr(m, role), role) for role in CONTEXT_ROLES}
    worst_values = [item(c, "worst form") for c in m.worst_forms]
    worst = _any(worst_values, n)
    worst_yes: list[list[str]] = [[] for _ in range(n)]
    for c, v in zip(m.worst_forms, worst_values, strict=True):
        for i in np.flatnonzero(v == 1):
            worst_yes[i].append(c)
    in_period = context["in_reference_period"]
    cse = context["commercial_sexual_exploitation"]
    state = context["state_imposed"]
    child = age < m.adult_age

    adult_fl = _all(in_period, involuntary, coercion)
    third_party = _all(coercion, _not(context["coercion_by_parents_only"]))
    child_reasons = _any([third_party, context["parent_in_forced_labour"], worst, cse], n)
    child_fl = _all(in_period, child_reasons)
    forced = np.where(child, child_fl, adult_fl)
    state_fl = _all(forced, state)
    cse_fl = _all(forced, _not(state), cse)
    exploitation = _all(forced, _not(state), _not(cse))

    indicators = pd.DataFrame(
        {
            "forced_labour": forced,
            "forced_labour_adults": np.where(child, 0.0, adult_fl),
            "forced_labour_children": np.where(child, child_fl, 0.0),
            "state_imposed": state_fl,
            "forced_commercial_sexual_exploitation": cse_fl,
            "forced_labour_exploitation": exploitation,
            "involuntary": involuntary,
            "coercion": coercion,
            **dims,
        },
        index=answers.index,
    ).astype("Int8")

    rules = []
    for r in range(n):
        rules.append(
            _rule(
                bool(child[r]),
                forced[r],
                in_period[r],
                involuntary[r],
                coercion[r],
                context["coercion_by_parents_only"][r],
                third_party[r],
                context["parent_in_forced_labour"][r],
                worst_yes[r],
                cse[r],
                state[r],
            )
        )
    trace = pd.DataFrame(
        {
            "age_group": np.where(child, "child", "adult"),
            "involuntary_items": ["; ".join(v) for v in yes_items["involuntary"]],
            "coercion_items": ["; ".join(v) for v in yes_items["coercion"]],
            "unanswered": [", ".join(v) for v in unanswered],
            "rule": rules,
        },
        index=answers.index,
    )
    undetermined = int(indicators["forced_labour"].isna().sum())
    if undetermined:
        warnings.warn(
            f"{undetermined} respondent(s) undetermined: unanswered items could change their "
            "classification (see trace['unanswered']); pass missing='no' to count "
            "unanswered as no",
            DataWarning,
            stacklevel=2,
        )
    return ForcedLabourClassification(indicators, trace, m)


def _rule(
    child: bool,
    forced: float,
    in_period: float,
    involuntary: float,
    coercion: float,
    parents_only: float,
    third_party: float,
    parent_fl: float,
    worst_yes: list[str],
    cse: float,
    state: float,
) -> str:
    """The rule that decided, in words."""
    if np.isnan(forced):
        return "undetermined: unanswered items decide it"
    if forced == 1:
        if child:
            reasons = []
            if third_party == 1:
                reasons.append("coercion by a third party")
            if parent_fl == 1:
                reasons.append("parent in forced labour")
            reasons.extend(f"worst form: {w}" for w in worst_yes)
            if cse == 1:
                reasons.append("commercial sexual exploitation of a child")
            head = "child: forced labour of children (" + "; ".join(reasons) + ")"
        else:
            head = "adult: involuntary and under coercion in the reference period"
        if state == 1:
            return head + "; state-imposed"
        if np.isnan(state):
            return head + "; imposed by whom unanswered"
        if cse == 1:
            return head + "; forced commercial sexual exploitation"
        return head + "; forced labour exploitation"
    if in_period == 0:
        return "not forced labour: the work was outside the reference period"
    if child:
        if coercion == 1 and parents_only == 1:
            return "child: coercion by the parents only: not forced labour of children"
        return (
            "child: no third-party coercion, no parent in forced labour, no worst form: "
            "not forced labour of children"
        )
    if involuntary == 1:
        return "adult: involuntary without coercion: not forced labour"
    if coercion == 1:
        return "adult: coercion without involuntariness: not forced labour"
    return "adult: neither involuntary nor under coercion: not forced labour"
