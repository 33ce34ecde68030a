"""The run-config schema: every section and key a run config may hold, with types and ranges.

One source for three things:

* :func:`~prevalence.runs.config.load_config` checks a config against it: unknown keys are
  refused with the nearest valid key suggested, types and ranges are checked, and every
  problem is reported at once (pydantic, ``extra="forbid"``, strict types: ``"10"`` is not
  a number and ``1`` is not ``true``);
* the docs page ``docs/config-reference.md`` is :func:`reference_markdown` (a test keeps the
  committed page equal to it; ``prevalence init --reference > docs/config-reference.md``
  rewrites it);
* ``prevalence init`` writes :func:`template`, a commented config with every key.

Cross-references (an estimator named in ``[[impact]]`` exists, say) and the data are checked
by :func:`~prevalence.runs.runner.validate`, which starts here.

Examples
--------
>>> problems = schema_problems({"inputs": [{"name": "a", "path": "a.csv", "kind": "survey",
...                                          "wieghts": "w"}], "estimators": []})
>>> problems[0]
"inputs[0] ('a'): unknown key 'wieghts' (did you mean 'weights'?)"
"""

from __future__ import annotations

import codecs
import difflib
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..profits.assumptions import DISTRIBUTIONS
from ..survey.stages import LONELY_PSU

__all__ = [
    "ConfigSchema",
    "schema_problems",
    "reference_markdown",
    "template",
    "INPUT_KINDS",
    "IMPACT_KINDS",
    "FORMAT_NAMES",
]

INPUT_KINDS = (
    "captures",
    "records",
    "survey",
    "areas",
    "rds",
    "case_lists",
    "questionnaire",
    "table",
)
IMPACT_KINDS = ("did", "target", "trend")
FORMAT_NAMES = ("csv", "parquet", "excel", "stata", "spss")
Scalar = str | int | float | bool
Columns = str | list[str]

# which input keys belong to which kinds (a key given to another kind is refused)
KIND_KEYS = {
    "count": ("captures",),
    "lists": ("captures", "records"),
    "weights": ("survey", "questionnaire"),
    "strata": ("survey", "questionnaire"),
    "clusters": ("survey", "questionnaire"),
    "fpc": ("survey", "questionnaire"),
    "nest": ("survey", "questionnaire"),
    "lonely_psu": ("survey", "questionnaire"),
    "engine": ("survey", "case_lists"),
    "threshold": ("case_lists",),
    "mapping": ("questionnaire",),
    "missing": ("questionnaire",),
}
IMPACT_REQUIRED = {
    "did": ("estimator", "input", "group", "treated", "period", "baseline", "endline"),
    "did_cells": ("estimator", "cells"),
    "target": ("estimator", "input", "period", "baseline", "endline"),
    "trend": ("estimator", "input", "period"),
}
LABOUR = ("hours", "paid", "wage")
SEXUAL = ("clients", "days", "price")


def _f(description: str, default: Any = ..., example: Any = None, **kw: Any) -> Any:
    extra = {"example": example} if example is not None else None
    return Field(default, description=description, json_schema_extra=extra, **kw)


class Section(BaseModel):
    """A config table: unknown keys refused, TOML types taken as they are (no coercion)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RunSection(Section):
    """``[run]``: the run's name, seed and interval level."""

    name: str | None = _f(
        "name of the run and of its output directory (letters, digits, '-', '_', '.', "
        "spaces; default: the config file's name)",
        None,
        example="demo",
    )
    seed: int = _f(
        "seed of every random step (bootstraps, MCMC): the same seed gives the same numbers",
        0,
        ge=0,
        example=20261125,
    )
    level: float = _f("level of every interval", 0.95, gt=0, lt=1)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str | None) -> str | None:
        # the name becomes a directory under --out: it must never lead elsewhere
        if v is None:
            return v
        if not v.strip() or v.strip() != v:
            raise ValueError("the name must be non-empty, without leading or trailing spaces")
        bad = sorted({ch for ch in v if not (ch.isalnum() or ch in "-_. ")})
        if bad:
            raise ValueError(f"the name may not contain {bad} (it names a directory under --out)")
        if v.startswith("."):
            raise ValueError("the name may not start with '.' (it names a directory under --out)")
        return v


class InputSection(Section):
    """``[[inputs]]``: one data file and how to read it."""

    name: str = _f("name by which estimators and sections refer to the input", example="baseline")
    path: str = _f("the file, relative to the config file", example="data/baseline.csv")
    kind: Literal[INPUT_KINDS] = _f(  # type: ignore[valid-type]
        "captures (a count per capture pattern), records (one row per person, 0/1 list "
        "columns), survey (one row per respondent), areas (area-level counts), rds "
        "(respondent-driven sample), case_lists (pseudonymised case records of several lists, "
        "linked during the run; path may be a pattern such as 'lists/*.csv' or a "
        "directory), questionnaire (a "
        "survey whose answers are classified during the run as ICLS 2018 forced labour: the "
        "indicators of prevalence.definitions become columns, and the survey keys apply), "
        "table (a table read as it is: a [[synthesis]] population or source)",
        example="captures",
    )
    format: Literal[FORMAT_NAMES] | None = _f(  # type: ignore[valid-type]
        "file format; default from the extension (.csv, .parquet, .xlsx/.xls, .dta, .sav)", None
    )
    separator: str = _f("CSV only: the column separator (';' for many European exports)", ",")
    encoding: str = _f("CSV only: the text encoding ('latin-1', 'cp1252'...)", "utf-8")
    filter: dict[str, Scalar | list[Scalar]] | None = _f(
        "keep rows where every named column equals the value (or one of a list of values)",
        None,
    )
    count: str | None = _f("captures: the column of counts (default 'count')", None)
    lists: list[str] | None = _f(
        "captures and records: the 0/1 list columns, in order (records: required)",
        None,
        example=["police", "ngo", "hotline"],
    )
    weights: str | None = _f("survey: the sampling weight column", None)
    strata: Columns | None = _f("survey: the stratum column(s), one per stage", None)
    clusters: Columns | None = _f("survey: the cluster (PSU) column(s), one per stage", None)
    fpc: Columns | None = _f(
        "survey: population sizes or sampling fractions, one column per stage", None
    )
    nest: bool = _f("survey: cluster identifiers are re-used across strata", False)
    lonely_psu: Literal[LONELY_PSU] = _f(  # type: ignore[valid-type]
        "survey: what to do with a stratum of one PSU (as R's survey.lonely.psu)", "fail"
    )
    engine: Literal["pandas", "dask", "duckdb", "spark"] | None = _f(
        "survey: 'pandas' (default) reads the file into memory; 'dask' reads it a partition at a "
        "time and estimates out of core, with the same numbers (for files larger than memory; "
        "path may then be a directory or a pattern such as 'lfs/*.parquet'; only survey "
        "prevalence estimators take it, and weights and clusters are required). case_lists: "
        "'duckdb' (default) links on DuckDB in this process; 'spark' links on Spark (the "
        "'spark' extra and Java; the active Spark session, else a local one), the parquet files "
        "read a batch at a time (no filter)",
        None,
    )
    threshold: float = _f(
        "case_lists: match probability at or above which two records are one person",
        0.5,
        gt=0,
        le=1,
    )
    mapping: str | None = _f(
        "questionnaire: a TOML or JSON file mapping the questionnaire's items to the ICLS 2018 "
        "dimensions, relative to the config file (default: prevalence.definitions."
        "ICLS_2018_MAPPING)",
        None,
        example="icls_mapping.toml",
    )
    missing: Literal["unknown", "no"] = _f(
        "questionnaire: 'unknown' refuses respondents whose classification unanswered items "
        "leave open (they are listed); 'no' counts unanswered items as no",
        "unknown",
    )

    @model_validator(mode="after")
    def _keys_of_kind(self) -> InputSection:
        wrong = [
            k
            for k in sorted(self.model_fields_set)
            if self.kind not in KIND_KEYS.get(k, (self.kind,))
        ]
        if wrong:
            owners = ", ".join(f"{k}: {'/'.join(KIND_KEYS[k])} only" for k in wrong)
            raise ValueError(f"{wrong} do not apply to an input of kind {self.kind!r} ({owners})")
        if self.kind == "records" and not self.lists:
            raise ValueError("a records input needs 'lists' (its 0/1 list columns)")
        engines = {"survey": ("pandas", "dask"), "case_lists": ("duckdb", "spark")}
        if self.engine is not None and self.engine not in engines.get(self.kind, ()):
            raise ValueError(
                f"engine {self.engine!r} does not apply to an input of kind {self.kind!r} "
                f"(it takes {' or '.join(repr(e) for e in engines[self.kind])})"
            )
        if self.engine == "spark" and self.filter is not None:
            raise ValueError(
                "filter does not apply with engine = 'spark' (the lists go to Spark unread): "
                "write the records to link as their own parquet files"
            )
        for key in ("lists",):
            value = getattr(self, key)
            if value is not None and len(set(value)) != len(value):
                raise ValueError(f"{key} names a column twice: {value}")
        if len(self.separator) != 1:
            raise ValueError(f"separator must be one character, got {self.separator!r}")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ValueError(f"encoding {self.encoding!r} is not a known text encoding") from None
        if self.filter is not None and not self.filter:
            raise ValueError("filter is empty: give at least one column = value")
        return self


class EstimatorSection(Section):
    """``[[estimators]]``: an estimator, its settings and the inputs it is fitted to."""

    name: str = _f("name of the estimator in tables and sections", example="BIC selection")
    type: str = _f(
        "the estimator class (LogLinearMSE, ClosedPopulationMSE, SurveyPrevalence, ...; see "
        "the API reference)",
        example="LogLinearMSE",
    )
    settings: dict[str, Any] = _f(
        "keyword arguments of the class (seed and level default to [run]'s)",
        {},
        example={"select": "bic", "n_boot": 1000},
    )
    args: list[Any] = _f("positional arguments of the class", [])
    inputs: list[str] | None = _f(
        "the inputs to fit (default: every input of a kind it takes; [] only for sections)",
        None,
    )


class CompareSection(Section):
    """``[[compare]]`` (or one ``[compare]``): a baseline and an endline to compare."""

    name: str | None = _f("label of the pair (default 'endline vs baseline')", None)
    baseline: str = _f("the baseline input", example="baseline")
    endline: str = _f("the endline input", example="endline")

    @model_validator(mode="after")
    def _two_inputs(self) -> CompareSection:
        if self.baseline == self.endline:
            raise ValueError(f"baseline and endline are the same input {self.baseline!r}")
        return self


class CellsSection(Section):
    """``cells = {...}`` of a DiD section: four independent inputs."""

    programme_baseline: str = _f("input of the programme areas at baseline")
    programme_endline: str = _f("input of the programme areas at endline")
    comparison_baseline: str = _f("input of the comparison areas at baseline")
    comparison_endline: str = _f("input of the comparison areas at endline")


class ImpactSection(Section):
    """``[[impact]]``: difference in differences, a target or a trend (prevalence.runs.impact)."""

    name: str = _f("name of the section in the scorecard", example="programme districts")
    kind: Literal[IMPACT_KINDS] = _f("did | target | trend", example="did")  # type: ignore[valid-type]
    estimator: str = _f("an estimator of [[estimators]]", example="survey prevalence")
    input: str | None = _f("the input spanning groups and periods", None)
    cells: CellsSection | None = _f("did only: four inputs instead of input/group/period", None)
    group: str | None = _f("did: the column of programme and comparison groups", None)
    treated: Scalar | None = _f("did: the group value of the programme areas", None)
    comparison: Scalar | None = _f(
        "did: the comparison group value (when the group column has more than two)", None
    )
    period: str | None = _f("the period column", None)
    baseline: Scalar | None = _f("did and target: the baseline period value", None)
    endline: Scalar | None = _f("did and target: the endline period value", None)
    by: str | None = _f("one scorecard row per value of this column", None)
    target: float | None = _f("a fall of at least this fraction (0.2: 20%)", None, gt=0, lt=1)
    target_at: int | float | None = _f("trend: the date of the target", None)

    @model_validator(mode="after")
    def _required_by_kind(self) -> ImpactSection:
        key = "did_cells" if (self.kind == "did" and self.cells is not None) else self.kind
        missing = [k for k in IMPACT_REQUIRED[key] if getattr(self, k) is None]
        problems = [f"a {self.kind!r} section needs {missing}"] if missing else []
        if self.cells is not None:
            if self.kind != "did":
                problems.append("cells = {...} belongs to a 'did' section")
            extra = [k for k in ("input", "by", "group", "period") if getattr(self, k) is not None]
            if extra:
                problems.append(f"{extra} do not go with cells = {{...}}")
        if self.kind == "trend" and self.target is not None and self.target_at is None:
            problems.append("a trend target needs 'target_at' (the date of the target)")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class PerVictimSection(Section):
    """``per_victim = {...}``: an assumed profit per victim, or a survey of victims."""

    value: float | None = _f("assumed profit per victim and year", None, gt=0)
    lower: float | None = _f("lower end of the assumed range", None, ge=0)
    upper: float | None = _f("upper end of the assumed range", None, gt=0)
    distribution: Literal[DISTRIBUTIONS] = _f(  # type: ignore[valid-type]
        "distribution of the assumption over its range", "lognormal"
    )
    source: str | None = _f("where the assumption comes from", None)
    survey: str | None = _f("a survey input of victims (instead of value)", None)
    hours: str | None = _f("survey, forced labour: hours column", None)
    paid: str | None = _f("survey, forced labour: wage paid column", None)
    wage: str | None = _f("survey, forced labour: market wage column", None)
    costs: str | None = _f("survey: costs column", None)
    clients: str | None = _f("survey, sexual exploitation: clients column", None)
    days: str | None = _f("survey, sexual exploitation: days column", None)
    price: str | None = _f("survey, sexual exploitation: price column", None)
    payments: str | None = _f("survey, sexual exploitation: payments column", None)

    @model_validator(mode="after")
    def _value_or_survey(self) -> PerVictimSection:
        if (self.value is None) == (self.survey is None):
            raise ValueError("per_victim needs 'value' (an assumption) or 'survey', not both")
        if self.survey is not None and not (
            all(getattr(self, k) for k in LABOUR) or all(getattr(self, k) for k in SEXUAL)
        ):
            raise ValueError(
                f"a survey per_victim needs {list(LABOUR)} (forced labour) or {list(SEXUAL)} "
                "(sexual exploitation)"
            )
        if self.value is not None:
            lo = self.lower if self.lower is not None else self.value
            hi = self.upper if self.upper is not None else self.value
            if not lo <= self.value <= hi:
                raise ValueError(
                    f"need lower <= value <= upper, got {self.lower}, {self.value}, {self.upper}"
                )
        return self


class ProfitStratumSection(Section):
    """``[[profits.strata]]``: a region or sector of a profits section."""

    name: str = _f("name of the stratum", example="listed victims")
    baseline: str = _f("the input with the stratum's victims at baseline", example="baseline")
    endline: str | None = _f("the input at endline (gives the change)", None, example="endline")
    per_victim: PerVictimSection = _f(
        "profit per victim", example={"value": 3687, "lower": 2700, "upper": 5000}
    )


class ProfitsSection(Section):
    """``[[profits]]``: total illicit profits (prevalence.runs.profits)."""

    name: str = _f("name of the section in the scorecard", example="illicit profits")
    estimator: str = _f("the estimator of every stratum's victims", example="BIC selection")
    currency: str = _f("currency of the amounts", "USD")
    year: int = _f("price year of the amounts", 2021, ge=1900, le=2200)
    target: float | None = _f("a fall of at least this fraction (0.2: 20%)", None, gt=0, lt=1)
    strata: list[ProfitStratumSection] = _f("the strata, at least one", min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> ProfitsSection:
        names = [s.name for s in self.strata]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"strata {twice} appear twice")
        return self


class SynthesisSourceSection(Section):
    """``[[synthesis.sources]]``: one source of an evidence synthesis (its table an input)."""

    name: str = _f("name of the source in the report", example="case lists")
    input: str = _f(
        "the input holding its table (kind table or areas; the area and period columns of "
        "the synthesis)",
        example="lists",
    )
    kind: Literal["lists", "estimates"] = _f(
        "lists (one row per listed person or pattern, 0/1 list columns) or estimates (one "
        "per area and period with its sampling error)",
        example="lists",
    )
    lists: list[str] | None = _f("lists: the 0/1 list columns", None, example=["police", "ngo"])
    count: str | None = _f("lists: the column of counts of a table of patterns", None)
    interactions: Literal["none", "pairs"] = _f("lists: pairwise list dependence", "none")
    estimate: str = _f("estimates: the column of estimates", "estimate")
    std_error: str | None = _f("estimates: the column of standard errors", None)
    lower: str | None = _f("estimates: the column of lower limits (with upper)", None)
    upper: str | None = _f("estimates: the column of upper limits (with lower)", None)
    level: float = _f("estimates: the level of lower and upper", 0.95, gt=0, lt=1)
    scale: Literal["count", "prevalence"] = _f(
        "estimates: counts of people or prevalences", "count"
    )
    likelihood: Literal["lognormal", "normal", "binomial"] | None = _f(
        "estimates: default lognormal for counts, binomial for prevalences", None
    )
    effective_n: str | None = _f("estimates, binomial: the column of effective sample sizes", None)
    visibility: list[float] | None = _f(
        "95% prior interval [low, high] of the share of the truth the source measures",
        None,
        example=[0.5, 0.9],
    )
    anchor: bool = _f("the source is unbiased (instead of visibility)", False)

    @model_validator(mode="after")
    def _consistent(self) -> SynthesisSourceSection:
        if self.anchor == (self.visibility is not None):
            raise ValueError(
                f"source {self.name!r}: give visibility = [low, high] or anchor = true, one of "
                "the two"
            )
        if self.visibility is not None and len(self.visibility) != 2:
            raise ValueError(f"source {self.name!r}: visibility is [low, high]")
        lists_keys = {"lists", "count", "interactions"}
        estimate_keys = {
            "estimate",
            "std_error",
            "lower",
            "upper",
            "level",
            "scale",
            "likelihood",
            "effective_n",
        }
        wrong = sorted(
            self.model_fields_set & (estimate_keys if self.kind == "lists" else lists_keys)
        )
        if wrong:
            raise ValueError(
                f"source {self.name!r}: {wrong} do not apply to a source of kind {self.kind!r}"
            )
        if self.kind == "lists" and not self.lists:
            raise ValueError(f"source {self.name!r}: a lists source needs 'lists'")
        return self

    def source(self) -> Any:
        """The :mod:`prevalence.synthesis` source this section describes."""
        from ..synthesis import EstimateSource, ListSource

        vis = None if self.visibility is None else (self.visibility[0], self.visibility[1])
        if self.kind == "lists":
            return ListSource(
                self.name,
                self.lists or [],
                count=self.count,
                interactions=self.interactions,
                visibility=vis,
                anchor=self.anchor,
            )
        return EstimateSource(
            self.name,
            self.estimate,
            self.std_error,
            lower=self.lower,
            upper=self.upper,
            level=self.level,
            scale=self.scale,
            likelihood=self.likelihood,
            visibility=vis,
            anchor=self.anchor,
            effective_n=self.effective_n,
        )


class SynthesisSection(Section):
    """``[[synthesis]]``: one estimate from several sources (prevalence.synthesis)."""

    name: str = _f("name of the section in the estimates and the report", example="all sources")
    population: str = _f(
        "the input with one row per area and period (kind table or areas)", example="regions"
    )
    area: str = _f("the area column of every table", example="region")
    period: str | None = _f("the period column of every table", None, example="year")
    people: str | None = _f(
        "the population table's column of people (needed for prevalences)",
        None,
        example="people",
    )
    settings: dict[str, Any] = _f(
        "keyword arguments of EvidenceSynthesis (draws, tune, chains, priors...; seed and "
        "level default to [run]'s)",
        {},
    )
    sources: list[SynthesisSourceSection] = _f("the sources, at least one", min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> SynthesisSection:
        names = [s.name for s in self.sources]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"sources {twice} appear twice")
        bad = sorted(set(self.settings) & {"area", "period", "population", "sources"})
        if bad:
            raise ValueError(f"settings may not hold {bad}: they are keys of the section")
        return self


class DisclosureSection(Section):
    """``[disclosure]``: statistical disclosure control of the published tables."""

    threshold: int = _f(
        "counts of fewer people than this are suppressed (with secondary suppression so "
        "that they cannot be derived from totals); 0 turns suppression off",
        5,
        ge=0,
    )


class ConfigSchema(Section):
    """A whole run config."""

    run: RunSection = _f("the run's name, seed and level", RunSection())
    inputs: list[InputSection] = _f("the data files", min_length=1)
    estimators: list[EstimatorSection] = _f("the estimators", min_length=1)
    compare: list[CompareSection] = _f("baseline-endline pairs to compare", [])
    impact: list[ImpactSection] = _f("programme impact sections", [])
    profits: list[ProfitsSection] = _f("illicit profits sections", [])
    synthesis: list[SynthesisSection] = _f("evidence synthesis sections", [])
    disclosure: DisclosureSection = _f("disclosure control", DisclosureSection())

    @field_validator("compare", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, dict) else v  # [compare] is one pair, [[compare]] several


SECTIONS: dict[str, type[Section]] = {
    "run": RunSection,
    "inputs": InputSection,
    "estimators": EstimatorSection,
    "compare": CompareSection,
    "impact": ImpactSection,
    "profits": ProfitsSection,
    "profits.strata": ProfitStratumSection,
    "synthesis": SynthesisSection,
    "synthesis.sources": SynthesisSourceSection,
    "disclosure": DisclosureSection,
}


# ------------------------------------------------------------------------------ problems
def _model_of(annotation: Any) -> type[Section] | None:
    """The Section class inside an annotation (``list[X]``, ``X | None``...)."""
    if isinstance(annotation, type) and issubclass(annotation, Section):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, Union, types.UnionType, Annotated):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _model_at(loc: tuple) -> type[Section] | None:
    model: type[Section] | None = ConfigSchema
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        if field is None:
            return model
        model = _model_of(field.annotation)
    return model


def _where(raw: Any, loc: tuple) -> str:
    """``inputs[1] ('endline')``: the location, with the entry's name when it has one."""
    out = ""
    node = raw
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            try:
                node = node[part]
            except (IndexError, KeyError, TypeError):
                node = None
            if isinstance(node, dict) and isinstance(node.get("name"), str):
                out += f" ({node['name']!r})"
        else:
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _unwrap_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _clean_loc(loc: tuple) -> tuple:
    """The location without pydantic's union-branch tags (``'list[str]'``, ``'str'``...).

    The location is walked along the schema: a tag can only follow a value whose type is a
    union of several types, so a user's key or column named like a tag (``list``) is kept.
    """
    out: list[Any] = []
    annotation: Any = ConfigSchema
    for part in loc:
        base = _unwrap_optional(annotation)
        origin = typing.get_origin(base)
        if isinstance(base, type) and issubclass(base, Section):
            out.append(part)
            field = base.model_fields.get(part) if isinstance(part, str) else None
            annotation = field.annotation if field is not None else None
        elif origin is list and isinstance(part, int):
            out.append(part)
            annotation = typing.get_args(base)[0] if typing.get_args(base) else None
        elif origin is dict:
            out.append(part)  # a key of the user's table (a column name, say)
            args = typing.get_args(base)
            annotation = args[1] if len(args) == 2 else None
        elif origin in (Union, types.UnionType) and isinstance(part, str):
            # a branch tag: follow the branch it names, if it is a container
            branches = [a for a in typing.get_args(base) if a is not type(None)]
            named = [
                a
                for a in branches
                if part.startswith(getattr(typing.get_origin(a), "__name__", "~"))
            ]
            annotation = named[0] if named else None
        else:
            out.append(part)
            annotation = None
    return tuple(out)


def _message(raw: dict[str, Any], err: Mapping[str, Any], loc: tuple) -> str:
    """The message for one pydantic error at ``loc`` (its location, tags removed)."""
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = _model_at(loc[:-1])
        valid = list(model.model_fields) if model is not None else []
        near = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        hint = f" (did you mean {near[0]!r}?)" if near else f" (valid keys: {valid})"
        where = _where(raw, loc[:-1])
        return f"{where + ': ' if where else ''}unknown key {key!r}{hint}"
    where = _where(raw, loc)
    parent = _where(raw, loc[:-1])
    if kind == "missing":
        return f"{parent + ': ' if parent else ''}missing {str(loc[-1])!r}"
    msg = err["msg"].removeprefix("Value error, ")
    if kind == "too_short" and loc and loc[-1] in SECTIONS:
        return f"no [[{loc[-1]}]]: at least one is needed"
    if loc and isinstance(loc[-1], str) and loc[-1] not in SECTIONS:
        where = f"{parent + ': ' if parent else ''}{loc[-1]}"
    if kind in ("model_type", "dict_type") and len(loc) == 1 and loc[-1] in SECTIONS:
        return f"{where}: {msg} (write it as a table [{loc[-1]}])"
    if kind in ("list_type",) and len(loc) == 1 and loc[-1] in SECTIONS:
        return f"{where}: {msg} (write it as [[{loc[-1]}]])"
    if len(loc) >= 2 and loc[-2] == "filter":
        return f"{where}: a filter value must be a string, number, true/false or a list of them, got {err.get('input')!r}"
    if loc and isinstance(loc[-1], str) and not kind.startswith("value_error"):
        model = _model_at(loc[:-1])
        field = model.model_fields.get(loc[-1]) if model is not None else None
        if field is not None:
            branches = [a for a in typing.get_args(field.annotation) if a is not type(None)]
            if len(branches) > 1 and typing.get_origin(field.annotation) is not Literal:
                shown = _type_name(field.annotation).replace("\\|", "|")
                return f"{where}: must be {shown}, got {err.get('input')!r}"
    if kind.startswith(("value_error", "assertion")) or "input" not in err:
        return f"{where}: {msg}"
    return f"{where}: {msg}, got {err['input']!r}"


def schema_problems(raw: dict[str, Any]) -> list[str]:
    """Every problem of a parsed config with the schema (an empty list: it fits).

    Examples
    --------
    >>> schema_problems({"inputs": [{"name": "a", "path": "a.csv", "kind": "captures"}],
    ...                  "estimators": [{"name": "m", "type": "LogLinearMSE"}],
    ...                  "disclosure": {"treshold": 10}})
    ["disclosure: unknown key 'treshold' (did you mean 'threshold'?)"]
    """
    try:
        ConfigSchema.model_validate(raw)
    except ValidationError as exc:
        seen: dict[str, None] = {}
        reported: list[tuple] = []
        for err in exc.errors():
            loc = _clean_loc(tuple(err["loc"]))
            if any(loc[: len(r)] == r for r in reported if r):
                continue  # another branch of a union already said what is wrong here
            reported.append(loc)
            seen.setdefault(_message(raw, err, loc))
        return list(seen)
    return []


# ------------------------------------------------------------------------------ documentation
def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Literal:
        return " \\| ".join(repr(a) for a in args)
    if origin in (Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(names))
    if origin is list:
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return "table"
    if isinstance(annotation, type) and issubclass(annotation, Section):
        return "table"
    return {str: "string", int: "integer", float: "number", bool: "true/false"}.get(
        annotation, getattr(annotation, "__name__", str(annotation))
    )


def _default(field: Any) -> str:
    if field.is_required():
        return "required"
    d = field.default
    if d is None:
        return "-"
    if isinstance(d, Section):
        return "-"
    return f"`{_toml(d)}`"


def _range(field: Any) -> str:
    out = []
    for m in field.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if getattr(m, attr, None) is not None:
                out.append(f"{sym} {getattr(m, attr)}")
        if getattr(m, "min_length", None):
            out.append(f"at least {m.min_length}")
    return ", ".join(out)


def reference_markdown() -> str:
    """The docs page listing every section and key (``docs/config-reference.md``)."""
    lines = [
        "# Run config reference",
        "",
        "<!-- generated from prevalence.runs.schema: prevalence init --reference "
        "> docs/config-reference.md -->",
        "",
        "Every key a run config may hold. Unknown keys are refused (with the nearest valid key",
        'suggested), types are taken as TOML gives them (`"10"` is not a number), and every',
        "problem is reported at once by `prevalence validate`. `prevalence init` writes a",
        "commented template with these keys. See [Reproducible runs](runs.md) for what a run",
        "writes.",
        "",
    ]
    heads = {
        "run": "[run]",
        "inputs": "[[inputs]]",
        "estimators": "[[estimators]]",
        "compare": "[[compare]] or [compare]",
        "impact": "[[impact]]",
        "profits": "[[profits]]",
        "profits.strata": "[[profits.strata]]",
        "synthesis": "[[synthesis]]",
        "synthesis.sources": "[[synthesis.sources]]",
        "disclosure": "[disclosure]",
    }
    models = dict(SECTIONS)
    models["impact.cells"] = CellsSection
    models["profits.strata.per_victim"] = PerVictimSection
    heads["impact.cells"] = "cells = {...} in [[impact]]"
    heads["profits.strata.per_victim"] = "per_victim = {...} in [[profits.strata]]"
    order = [
        "run",
        "inputs",
        "estimators",
        "compare",
        "impact",
        "impact.cells",
        "profits",
        "profits.strata",
        "profits.strata.per_victim",
        "synthesis",
        "synthesis.sources",
        "disclosure",
    ]
    for key in order:
        model = models[key]
        summary = (model.__doc__ or "").split("\n")[0].split(": ", 1)[-1]
        lines += [f"## `{heads[key]}`", "", summary[:1].upper() + summary[1:], ""]
        lines += ["| key | type | default | range | meaning |", "|---|---|---|---|---|"]
        for name, field in model.model_fields.items():
            if (key, name) in (("profits", "strata"), ("synthesis", "sources")):
                continue
            lines.append(
                f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | "
                f"{_range(field)} | {field.description or ''} |"
            )
        lines.append("")
    return "\n".join(lines)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return repr(value)


def _section_lines(model: type[Section], skip: tuple[str, ...] = ()) -> list[str]:
    lines = []
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        comment = f"  # {field.description}" if field.description else ""
        if field.is_required() or "example" in extra:
            value = extra.get("example", "...")
            line = f"{name} = {_toml(value)}"
            if not field.is_required():
                line = "# " + line
            lines.append(line + comment)
        else:
            default = field.default
            shown = "..." if default is None or isinstance(default, Section) else _toml(default)
            lines.append(f"# {name} = {shown}{comment}")
    return lines


def template() -> str:
    """A commented config with every key (``prevalence init``); required keys are filled in.

    The inputs' paths are placeholders: edit them, then ``prevalence validate``.
    """
    parts = [
        "# A prevalence run config. Every key is listed; commented keys show their default.",
        "# Reference: docs/config-reference.md. Check it with: prevalence validate THIS_FILE",
        "",
        "[run]",
        *_section_lines(RunSection),
        "",
        "[[inputs]]",
        *_section_lines(InputSection, skip=tuple(k for k in KIND_KEYS if k != "lists")),
        "# survey inputs: weights, strata, clusters, fpc, nest, lonely_psu (see the reference)",
        "",
        "[[estimators]]",
        *_section_lines(EstimatorSection),
        "",
        "# [[compare]]    # one table per baseline-endline pair",
        *("# " + line for line in _section_lines(CompareSection)),
        "",
        "# [[impact]], [[profits]] and [[synthesis]]: programme impact, illicit profits and",
        "# one estimate from several sources (see the reference)",
        "",
        "[disclosure]",
        *_section_lines(DisclosureSection),
        "",
    ]
    return "\n".join(parts)
