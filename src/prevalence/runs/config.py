"""Run configurations: a TOML file declaring inputs, estimators, comparison, seed and disclosure rules.

Example (``examples/demo.toml``)::

    [run]
    name = "demo"
    seed = 20261125
    level = 0.95

    [[inputs]]
    name = "baseline"
    path = "../data/synthetic/captures_baseline.csv"   # relative to the config file
    kind = "captures"                          # captures | records | survey | areas | rds
    count = "count"
    lists = ["police", "ngo", "local_authority", "hotline"]

    [[estimators]]
    name = "independence"
    type = "LogLinearMSE"
    settings = { interval = "profile" }

    [compare]
    baseline = "baseline"
    endline = "endline"

    [[impact]]                 # see prevalence.runs.impact
    [[profits]]                # see prevalence.runs.profits
    name = "programme districts"
    kind = "did"
    estimator = "survey prevalence"
    input = "programme_survey"
    group = "group"
    treated = "programme"
    period = "period"
    baseline = "baseline"
    endline = "endline"
    by = "region"
    target = 0.2

    [disclosure]
    threshold = 5

Input formats follow the file extension: ``.csv``, ``.parquet``, ``.xlsx``/``.xls``, ``.dta``
(Stata), ``.sav`` (SPSS); ``format =`` overrides it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.estimator import Estimator
from .impact import check_impact
from .profits import check_profits

__all__ = [
    "ConfigProblem",
    "RunConfig",
    "load_config",
    "read_table",
    "build_input",
    "make_estimator",
    "INPUT_KINDS",
]

INPUT_KINDS = ("captures", "records", "survey", "areas", "rds")
FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".xlsx": "excel",
    ".xls": "excel",
    ".dta": "stata",
    ".sav": "spss",
}


class ConfigProblem(Exception):
    """One or more problems with a run configuration (each names the file, column and row)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _estimator_types() -> dict[str, Any]:
    """Every estimator a config can name, with the input kinds it fits.

    Derived from the estimators themselves (``Estimator.input_kinds``), not kept by hand: a
    new estimator class with ``input_kinds`` is available in run configs.
    """
    from ..bayes import hierarchical  # noqa: F401  (import the families' estimators)
    from ..mse import (  # noqa: F401
        bayes_threshold,
        closed,
        decomposable_bma,
        latent_class,
        loglinear,
    )
    from ..network import bayes_scaleup, rds, scaleup  # noqa: F401
    from ..survey import prevalence  # noqa: F401

    found: dict[str, Any] = {}
    stack = list(Estimator.__subclasses__())
    while stack:
        cls = stack.pop(0)
        stack.extend(cls.__subclasses__())
        if cls.input_kinds and cls.__module__.startswith("prevalence."):
            found[cls.__name__] = (cls, tuple(cls.input_kinds))
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class RunConfig:
    path: Path
    raw: dict[str, Any]
    name: str
    seed: int
    level: float
    inputs: list[dict[str, Any]]
    estimators: list[dict[str, Any]]
    compare: dict[str, Any] | None
    threshold: int = 5
    impact: list[dict[str, Any]] = field(default_factory=list)
    profits: list[dict[str, Any]] = field(default_factory=list)
    resolved: dict[str, Any] = field(default_factory=dict)

    def input_path(self, spec: dict[str, Any]) -> Path:
        p = Path(spec["path"])
        return p if p.is_absolute() else (self.path.parent / p).resolve()


def read_table(path: Path, fmt: str | None = None) -> pd.DataFrame:
    """Read a CSV, Parquet, Excel, Stata or SPSS file into a DataFrame."""
    kind = fmt or FORMATS.get(path.suffix.lower())
    if kind == "csv":
        return pd.read_csv(path)
    if kind == "parquet":
        return pd.read_parquet(path)
    if kind == "excel":
        return pd.read_excel(path)
    if kind == "stata":
        return pd.read_stata(path)
    if kind == "spss":
        return pd.read_spss(path)
    raise ValueError(
        f"unknown file format for {path.name!r} (known: {sorted(set(FORMATS.values()))})"
    )


def load_config(path: str | Path) -> RunConfig:
    """Parse and check the structure of a config file (not yet the inputs)."""
    path = Path(path)
    problems: list[str] = []
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigProblem([f"{path}: no such config file"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigProblem([f"{path}: not valid TOML: {exc}"]) from None
    run = raw.get("run", {})
    seed = run.get("seed", 0)
    level = run.get("level", 0.95)
    if not isinstance(seed, int) or seed < 0:
        problems.append(f"{path}: [run] seed must be a non-negative integer, got {seed!r}")
    if not isinstance(level, int | float) or not 0 < level < 1:
        problems.append(f"{path}: [run] level must lie between 0 and 1, got {level!r}")
    inputs = raw.get("inputs", [])
    if not inputs:
        problems.append(f"{path}: no [[inputs]]")
    names = set()
    for i, spec in enumerate(inputs):
        where = f"{path}: inputs[{i}]"
        for key in ("name", "path", "kind"):
            if key not in spec:
                problems.append(f"{where}: missing '{key}'")
        if spec.get("name") in names:
            problems.append(f"{where}: duplicate input name {spec.get('name')!r}")
        names.add(spec.get("name"))
        if "kind" in spec and spec["kind"] not in INPUT_KINDS:
            problems.append(f"{where}: kind must be one of {INPUT_KINDS}, got {spec['kind']!r}")
        if spec.get("kind") == "records" and not spec.get("lists"):
            problems.append(f"{where}: a records input needs 'lists'")
    estimators = raw.get("estimators", [])
    if not estimators:
        problems.append(f"{path}: no [[estimators]]")
    types = _estimator_types()
    for i, spec in enumerate(estimators):
        where = f"{path}: estimators[{i}]"
        if "name" not in spec or "type" not in spec:
            problems.append(f"{where}: needs 'name' and 'type'")
            continue
        if spec["type"] not in types:
            problems.append(
                f"{where}: unknown estimator type {spec['type']!r} (known: {sorted(types)})"
            )
            continue
        try:
            make_estimator(
                spec,
                seed if isinstance(seed, int) else 0,
                level if isinstance(level, float) else 0.95,
            )
        except (TypeError, ValueError) as exc:
            problems.append(f"{where} ({spec['name']}): invalid settings: {exc}")
    compare = raw.get("compare")
    if compare is not None:
        for key in ("baseline", "endline"):
            if compare.get(key) not in names:
                problems.append(
                    f"{path}: [compare] {key} must name an input, got {compare.get(key)!r}"
                )
    impact = raw.get("impact", [])
    if not isinstance(impact, list):
        problems.append(f"{path}: impact sections are written [[impact]]")
        impact = []
    estimator_names = {s.get("name") for s in estimators}
    for i, spec in enumerate(impact):
        problems.extend(check_impact(spec, f"{path}: impact[{i}]", estimator_names, names))
    profits = raw.get("profits", [])
    if not isinstance(profits, list):
        problems.append(f"{path}: profits sections are written [[profits]]")
        profits = []
    for i, spec in enumerate(profits):
        problems.extend(check_profits(spec, f"{path}: profits[{i}]", estimator_names, names))
    threshold = raw.get("disclosure", {}).get("threshold", 5)
    if not isinstance(threshold, int) or threshold < 0:
        problems.append(
            f"{path}: [disclosure] threshold must be a non-negative integer, got {threshold!r}"
        )
    if problems:
        raise ConfigProblem(problems)
    return RunConfig(
        path=path.resolve(),
        raw=raw,
        name=str(run.get("name", path.stem)),
        seed=seed,
        level=float(level),
        inputs=inputs,
        estimators=estimators,
        compare=compare,
        threshold=threshold,
        impact=impact,
        profits=profits,
    )


def make_estimator(spec: dict[str, Any], seed: int, level: float) -> Any:
    """Instantiate the estimator a config entry describes (seed and level from [run] by default)."""
    cls, _ = _estimator_types()[spec["type"]]
    settings = dict(spec.get("settings", {}))
    settings.setdefault("seed", seed)
    settings.setdefault("level", level)
    if cls.__name__ in ("HierarchicalPrevalence", "LogLinearMSE"):
        settings.setdefault("progress", False)
    args = list(spec.get("args", [])) + list(settings.pop("args", []))
    return cls(*args, **settings)


def estimator_accepts(spec: dict[str, Any]) -> tuple[str, ...]:
    return _estimator_types()[spec["type"]][1]


def build_input(config: RunConfig, spec: dict[str, Any], problems: list[str] | None = None) -> Any:
    """Read and check one input; returns the object the estimators take.

    Problems (unreadable file, missing column, values other than 0/1 in a list column...) are
    appended to ``problems`` when given, otherwise raised as :class:`ConfigProblem`.
    """
    from ..core.errors import DataError
    from ..mse.captures import CaptureHistories
    from ..survey.design import SurveyDesign

    own: list[str] = []
    path = config.input_path(spec)
    where = f"input {spec.get('name')!r} ({path})"
    try:
        frame = read_table(path, spec.get("format"))
    except FileNotFoundError:
        own.append(f"{where}: file not found")
    except Exception as exc:  # unreadable in any other way
        own.append(f"{where}: cannot be read: {type(exc).__name__}: {exc}")
    obj = None
    if not own:
        try:
            kind = spec["kind"]
            if kind == "captures":
                obj = CaptureHistories.from_counts(
                    frame, count=spec.get("count", "count"), lists=spec.get("lists")
                )
            elif kind == "records":
                obj = CaptureHistories.from_records(frame, lists=spec["lists"])
            elif kind == "survey":
                filt = spec.get("filter")
                if filt:
                    col, value = next(iter(filt.items()))
                    if col not in frame.columns:
                        raise DataError(f"unknown filter column {col!r}")
                    frame = frame[frame[col] == value]
                obj = SurveyDesign(
                    frame,
                    weights=spec.get("weights"),
                    strata=spec.get("strata"),
                    clusters=spec.get("clusters"),
                    fpc=spec.get("fpc"),
                    nest=spec.get("nest", False),
                    lonely_psu=spec.get("lonely_psu", "fail"),
                )
            else:
                obj = frame
        except DataError as exc:
            own.append(f"{where}: {exc}")
    if own:
        if problems is None:
            raise ConfigProblem(own)
        problems.extend(own)
    return obj
