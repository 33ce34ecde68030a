"""Run configurations: a TOML file declaring inputs, estimators, comparison, seed and disclosure rules.

Example (the shipped ``demo.toml``, ``prevalence init --example demo DIR``)::

    [run]
    name = "demo"
    seed = 20261125
    level = 0.95

    [[inputs]]
    name = "baseline"
    path = "data/captures_baseline.csv"   # relative to the config file
    kind = "captures"                          # captures | records | survey | questionnaire | ...
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
    [[synthesis]]              # see prevalence.runs.synthesis
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

import difflib
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import DataWarning
from ..core.estimator import Estimator
from .schema import INPUT_KINDS, ConfigSchema, schema_problems

__all__ = [
    "ConfigProblem",
    "RunConfig",
    "load_config",
    "read_table",
    "build_input",
    "make_estimator",
    "INPUT_KINDS",
]

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
    compares: list[dict[str, Any]] = field(default_factory=list)
    threshold: int = 5
    impact: list[dict[str, Any]] = field(default_factory=list)
    profits: list[dict[str, Any]] = field(default_factory=list)
    synthesis: list[dict[str, Any]] = field(default_factory=list)
    resolved: dict[str, Any] = field(default_factory=dict)
    #: What reading an input found that the report shows (a case_lists input's linkage
    #: summary and sensitivity), by input name
    input_notes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def input_path(self, spec: dict[str, Any]) -> Path:
        p = Path(spec["path"])
        return p if p.is_absolute() else (self.path.parent / p).resolve()

    def input_files(self, spec: dict[str, Any]) -> list[Path]:
        """The files of an input: its path, or for ``case_lists`` and Dask inputs every file
        its pattern (``lists/*.csv``) matches or its directory holds, sorted (none when nothing
        matches)."""
        path = self.input_path(spec)
        patterned = spec.get("kind") == "case_lists" or spec.get("engine") == "dask"
        if patterned and any(c in path.name for c in "*?["):
            return sorted(path.parent.glob(path.name))
        if patterned and path.is_dir():  # a directory of files
            return sorted(
                p for p in path.iterdir() if p.is_file() and not p.name.startswith(("_", "."))
            )
        return [path]


def input_engine(spec: dict[str, Any]) -> str:
    """The engine that reads (and for case lists links) an input: its ``engine``, else
    ``pandas`` (or ``duckdb`` for case lists, which link on DuckDB)."""
    default = "duckdb" if spec.get("kind") == "case_lists" else "pandas"
    return str(spec.get("engine") or default)


def _spark_backend() -> Any:
    """Splink's Spark API on the active Spark session, else on a local one (all cores, 4 GB
    for the driver; set ``spark.driver.memory`` by starting a session before the run)."""
    import shutil
    import tempfile

    from ..core.errors import DataError

    try:
        from pyspark.sql import SparkSession
        from splink import SparkAPI
    except ImportError:
        raise DataError("engine = 'spark' needs pyspark: pip install 'prevalence[spark]'") from None
    session = SparkSession.getActiveSession()
    if session is None:
        if shutil.which("java") is None:
            raise DataError("engine = 'spark' needs a Java runtime (17 or later) on the PATH")
        session = (
            SparkSession.builder.master("local[*]")
            .appName("prevalence-run")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.memory", "4g")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
    if session.sparkContext.getCheckpointDir() is None:
        session.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="prevalence-spark-"))
    return SparkAPI(spark_session=session)


def read_table(
    path: Path, fmt: str | None = None, separator: str = ",", encoding: str = "utf-8"
) -> pd.DataFrame:
    """Read a CSV, Parquet, Excel, Stata or SPSS file into a DataFrame.

    CSV files are read with ``separator`` and ``encoding`` (a byte-order mark is skipped); a
    file that is one column whose name holds another common separator is refused with the
    hint to set ``separator``.
    """
    kind = fmt or FORMATS.get(path.suffix.lower())
    if kind == "csv":
        try:
            frame = pd.read_csv(path, sep=separator, encoding=encoding)
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"the file is not {encoding} text ({exc.reason} at byte {exc.start}): set "
                'encoding = "latin-1" (or the file\'s encoding) in its [[inputs]] entry'
            ) from None
        if frame.shape[1] == 1:
            name = str(frame.columns[0])
            for other in (";", "\t", "|", ","):
                if other != separator and other in name:
                    raise ValueError(
                        f"the file reads as one column {name[:60]!r}: it seems to be separated "
                        f"by {other!r}; set separator = {other!r} in its [[inputs]] entry"
                    )
        return frame
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


def _near(word: str, options: list[str]) -> str:
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"did you mean {found[0]!r}?" if found else f"known: {options}"


def _estimator_problems(spec: dict[str, Any], where: str, seed: int, level: float) -> list[str]:
    """An estimator entry's type and settings, checked by building the estimator."""
    types = _estimator_types()
    if spec["type"] not in types:
        return [
            f"{where}: unknown estimator type {spec['type']!r} ({_near(spec['type'], sorted(types))})"
        ]
    cls = types[spec["type"]][0]
    params = cls._param_names()
    inner_args = spec.get("settings", {}).get("args")
    if inner_args is not None and not isinstance(inner_args, list):
        return [f'{where}: settings.args must be a list (args = ["victim"]), got {inner_args!r}']
    unknown = [k for k in spec.get("settings", {}) if k not in params and k != "args"]
    if unknown:
        return [
            f"{where}: {spec['type']} has no setting {k!r} ({_near(k, params)})" for k in unknown
        ]
    try:
        make_estimator(spec, seed, level)
    except (TypeError, ValueError) as exc:  # the constructor's own checks (DataError included)
        return [f"{where}: invalid settings: {exc}"]
    return []


def _reference_problems(cfg: ConfigSchema, raw: dict[str, Any]) -> list[str]:
    """Names that must refer to something: inputs, estimators, sections' inputs."""
    problems: list[str] = []
    inputs = [s.name for s in cfg.inputs]
    estimators = [s.name for s in cfg.estimators]
    for kind, names in (("inputs", inputs), ("estimators", estimators)):
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            problems.append(f"[[{kind}]]: the name(s) {twice} are used twice")

    def ref(where: str, what: str, value: Any, options: list[str], section: str) -> None:
        if value is not None and value not in options:
            problems.append(
                f"{where}: {what} {value!r} is not one of the [[{section}]] ({_near(str(value), options)})"
            )

    for i, spec in enumerate(cfg.estimators):
        for t in spec.inputs or []:
            ref(f"estimators[{i}] ({spec.name!r})", "input", t, inputs, "inputs")
    pairs = set()
    for i, pair in enumerate(cfg.compare):
        ref(f"compare[{i}]", "baseline", pair.baseline, inputs, "inputs")
        ref(f"compare[{i}]", "endline", pair.endline, inputs, "inputs")
        if (pair.baseline, pair.endline) in pairs:
            problems.append(
                f"compare[{i}]: the pair {pair.baseline!r}, {pair.endline!r} is given twice"
            )
        pairs.add((pair.baseline, pair.endline))
    labels = [p.name or f"{p.endline} vs {p.baseline}" for p in cfg.compare]
    if len(set(labels)) != len(labels):
        problems.append("[[compare]]: two pairs have the same name")
    for i, impact_spec in enumerate(cfg.impact):
        where = f"impact[{i}] ({impact_spec.name!r})"
        ref(where, "estimator", impact_spec.estimator, estimators, "estimators")
        ref(where, "input", impact_spec.input, inputs, "inputs")
        if impact_spec.cells is not None:
            for key, value in impact_spec.cells.model_dump().items():
                ref(where, f"cells.{key} =", value, inputs, "inputs")
    for i, profit_spec in enumerate(cfg.profits):
        where = f"profits[{i}] ({profit_spec.name!r})"
        ref(where, "estimator", profit_spec.estimator, estimators, "estimators")
        for j, st in enumerate(profit_spec.strata):
            w = f"{where}.strata[{j}] ({st.name!r})"
            ref(w, "baseline", st.baseline, inputs, "inputs")
            ref(w, "endline", st.endline, inputs, "inputs")
            ref(w, "per_victim survey", st.per_victim.survey, inputs, "inputs")
    kinds = {spec.name: spec.kind for spec in cfg.inputs}
    for i, syn in enumerate(cfg.synthesis):
        where = f"synthesis[{i}] ({syn.name!r})"
        used = [("population", syn.population)]
        used += [(f"sources ({src.name!r}) input", src.input) for src in syn.sources]
        for what, name in used:
            ref(where, what, name, inputs, "inputs")
            if name in kinds and kinds[name] not in ("table", "areas"):
                problems.append(
                    f"{where}: {what} {name!r} is an input of kind {kinds[name]!r}; a synthesis "
                    "reads tables as they are (kind 'table' or 'areas')"
                )
    return problems


def load_config(path: str | Path) -> RunConfig:
    """Parse a config file and check it against the schema and itself (not yet the inputs).

    Every problem is collected (unknown keys with the nearest valid key, types, ranges,
    names that refer to nothing, estimator settings) and raised together as
    :class:`ConfigProblem`.
    """
    path = Path(path)
    try:
        # utf-8-sig: a byte-order mark (as Windows editors write) is not part of the TOML
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigProblem([f"{path}: no such config file"]) from None
    except IsADirectoryError:
        raise ConfigProblem([f"{path}: is a directory, not a config file"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigProblem(
            [f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the config as UTF-8"]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigProblem([f"{path}: not valid TOML: {exc}"]) from None
    problems = schema_problems(raw)
    if problems:
        raise ConfigProblem([f"{path}: {p}" for p in problems])
    cfg = ConfigSchema.model_validate(raw)
    problems = _reference_problems(cfg, raw)
    for i, spec in enumerate(raw["estimators"]):
        problems += _estimator_problems(
            spec, f"estimators[{i}] ({spec['name']!r})", cfg.run.seed, cfg.run.level
        )
    if problems:
        raise ConfigProblem([f"{path}: {p}" for p in problems])
    compare = raw.get("compare")
    compares = [] if compare is None else [compare] if isinstance(compare, dict) else compare
    return RunConfig(
        path=path.resolve(),
        raw=raw,
        name=cfg.run.name or path.stem,
        seed=cfg.run.seed,
        level=float(cfg.run.level),
        inputs=raw["inputs"],
        estimators=raw["estimators"],
        compares=[
            {**c, "name": c.get("name") or f"{c['endline']} vs {c['baseline']}"} for c in compares
        ],
        threshold=cfg.disclosure.threshold,
        impact=raw.get("impact", []),
        profits=raw.get("profits", []),
        synthesis=raw.get("synthesis", []),
        resolved=cfg.model_dump(mode="json"),
    )


def apply_filter(frame: Any, filt: dict[str, Any] | None) -> Any:
    """The rows where every filter column equals its value (or one of its list of values), of
    a pandas or a Dask frame.

    Examples
    --------
    >>> df = pd.DataFrame({"year": [2020, 2021, 2021], "sex": ["f", "m", "f"]})
    >>> len(apply_filter(df, {"year": 2021, "sex": "f"})), len(apply_filter(df, {"year": [2020, 2021]}))
    (1, 3)
    """
    from ..core.errors import DataError

    if not filt:
        return frame
    missing = [c for c in filt if c not in frame.columns]
    if missing:
        raise DataError(
            f"filter column(s) {missing} are not in the data (columns {list(frame.columns)})"
        )
    keep: Any = None
    for col, value in filt.items():
        match = frame[col].isin(value if isinstance(value, list) else [value])
        keep = match if keep is None else keep & match
    # a Dask frame (engine = "dask") is filtered lazily: an empty result shows when it estimates
    if isinstance(frame, pd.DataFrame) and not keep.any():
        raise DataError(f"filter {filt} keeps no row")
    return frame[keep]


def estimator_class(spec: dict[str, Any]) -> type[Estimator]:
    """The estimator class a config entry names."""
    return _estimator_types()[spec["type"]][0]


def make_estimator(spec: dict[str, Any], seed: int, level: float) -> Any:
    """Instantiate the estimator a config entry describes (seed and level from [run] by default)."""
    cls = estimator_class(spec)
    settings = dict(spec.get("settings", {}))
    settings.setdefault("seed", seed)
    settings.setdefault("level", level)
    if cls.__name__ in ("HierarchicalPrevalence", "LogLinearMSE"):
        settings.setdefault("progress", False)
    args = list(spec.get("args", [])) + list(settings.pop("args", []))
    return cls(*args, **settings)


def estimator_accepts(spec: dict[str, Any]) -> tuple[str, ...]:
    return _estimator_types()[spec["type"]][1]


def _classified(config: RunConfig, spec: dict[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
    """A questionnaire's answers with the ICLS 2018 indicators added as 0/1 columns."""
    from ..core.errors import DataError
    from ..definitions import ForcedLabourMapping, classify_forced_labour

    mapping = None
    if spec.get("mapping"):
        p = Path(spec["mapping"])
        mapping = ForcedLabourMapping.from_file(p if p.is_absolute() else config.path.parent / p)
    with warnings.catch_warnings():
        # the undetermined respondents are refused below, by name
        warnings.filterwarnings("ignore", ".*respondent", DataWarning)
        result = classify_forced_labour(frame, mapping, missing=spec.get("missing", "unknown"))
    open_rows = result.indicators.index[result.indicators.isna().any(axis=1)]
    if len(open_rows):
        raise DataError(
            f"{len(open_rows)} respondent(s) cannot be classified: unanswered items could change "
            f'their classification (rows {list(open_rows[:10])}); set missing = "no" to count '
            "unanswered items as no, or complete the answers"
        )
    return result.join(frame).astype({c: "int64" for c in result.indicators.columns})


def _survey_design(frame: Any, spec: dict[str, Any]) -> Any:
    """The survey design of an input's frame (pandas, or Dask for ``engine = "dask"``)."""
    from ..survey.design import SurveyDesign

    return SurveyDesign(
        frame,
        weights=spec.get("weights"),
        strata=spec.get("strata"),
        clusters=spec.get("clusters"),
        fpc=spec.get("fpc"),
        nest=spec.get("nest", False),
        lonely_psu=spec.get("lonely_psu", "fail"),
    )


def _read_dask(spec: dict[str, Any], files: list[Path]) -> Any:
    """A survey input's files as one Dask frame (``engine = "dask"``): read a partition at a
    time when a statistic is asked."""
    import dask.dataframe as dd

    kind = spec.get("format") or FORMATS.get(files[0].suffix.lower())
    if kind == "parquet":
        return dd.read_parquet([str(f) for f in files])
    if kind == "csv":
        return dd.read_csv(
            [str(f) for f in files],
            sep=spec.get("separator", ","),
            encoding=spec.get("encoding", "utf-8"),
        )
    raise ValueError(f"engine = 'dask' reads parquet or CSV files, not {kind or files[0].suffix!r}")


def build_input(config: RunConfig, spec: dict[str, Any], problems: list[str] | None = None) -> Any:
    """Read and check one input; returns the object the estimators take.

    Problems (unreadable file, missing column, values other than 0/1 in a list column...) are
    appended to ``problems`` when given, otherwise raised as :class:`ConfigProblem`.
    """
    from ..core.errors import DataError
    from ..mse.data.captures import CaptureHistories

    own: list[str] = []
    path = config.input_path(spec)
    where = f"input {spec.get('name')!r} ({path})"
    try:
        files = config.input_files(spec)  # several for a case_lists pattern or a dask input
        if not files:
            raise FileNotFoundError(path)
        if spec.get("engine") == "dask":
            frame = _read_dask(spec, files)
        elif spec.get("engine") == "spark":  # Spark reads the files itself
            odd = [f.name for f in files if FORMATS.get(f.suffix.lower()) != "parquet"]
            if odd or spec.get("format", "parquet") != "parquet":
                raise ValueError(
                    f"engine = 'spark' links parquet files, not {odd[:3] or spec['format']}"
                )
            frame = None
        else:
            parts = [
                read_table(
                    f, spec.get("format"), spec.get("separator", ","), spec.get("encoding", "utf-8")
                )
                for f in files
            ]
            frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    except FileNotFoundError:
        own.append(f"{where}: file not found")
    except Exception as exc:  # unreadable in any other way
        own.append(f"{where}: cannot be read: {type(exc).__name__}: {exc}")
    obj: Any = None  # the input's data object, by kind
    if not own:
        try:
            kind = spec["kind"]
            if frame is not None:
                frame = apply_filter(frame, spec.get("filter"))
            if kind == "captures":
                obj = CaptureHistories.from_counts(
                    frame, count=spec.get("count", "count"), lists=spec.get("lists")
                )
            elif kind == "records":
                obj = CaptureHistories.from_records(frame, lists=spec["lists"])
            elif kind == "case_lists":
                from ..linkage.link import link_case_lists

                lists: list[Any]
                if frame is None:  # engine = 'spark': the files, read by Spark
                    lists, backend = list(files), _spark_backend()
                else:
                    if "list" not in frame.columns:
                        raise DataError(
                            "case_lists files must be the output of "
                            "prevalence.linkage.pseudonymise (a 'list' column and the hashed "
                            "fields)"
                        )
                    lists = [g for _, g in frame.groupby("list", sort=False)]
                    backend = "duckdb"
                linked = link_case_lists(
                    lists,
                    threshold=spec.get("threshold", 0.5),
                    seed=config.seed,
                    backend=backend,
                )
                obj = linked.histories()
                config.input_notes[spec["name"]] = {
                    "linkage": linked.summary(),
                    "sensitivity": linked.sensitivity(),
                }
            elif kind in ("survey", "questionnaire"):
                if kind == "questionnaire":
                    frame = _classified(config, spec, frame)
                obj = _survey_design(frame, spec)
                # (a design on a Dask frame meets its lonely PSUs when it estimates: finding
                # them here would read the data)
                in_memory = isinstance(frame, pd.DataFrame)
                fail = in_memory and obj.lonely_psu == "fail"
                lonely = obj._structure.lonely_strata() if fail else []
                if lonely:
                    raise DataError(
                        f"{len(lonely)} stratum(s) with one PSU: {', '.join(lonely[:10])}"
                        f'{" ..." if len(lonely) > 10 else ""}; under lonely_psu = "fail" no '
                        "variance can be estimated: set lonely_psu to 'remove', 'certainty', "
                        "'average' or 'adjust'"
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
