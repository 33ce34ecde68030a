"""Reproducible estimation runs: ``prevalence run CONFIG.toml`` and ``prevalence validate CONFIG.toml``.

A run reads the declared inputs, fits every declared estimator on every input it applies to,
compares baseline and endline, and writes a new directory (never overwriting an earlier run)::

    estimates.csv     every estimate and comparison (byte-identical for the same config and inputs)
    estimates.json    the same with methods, warnings and details
    manifest.json     versions, Python, machine, SHA-256 of every input, resolved config, seed, times
    *.png             plots (estimates, list overlap, draws, baseline-endline change)
    report.html       a self-contained page with the tables and the plots

The directory is assembled in a hidden staging folder and renamed at the end: a run that fails
leaves nothing behind. Published count tables and plots follow disclosure control
(:mod:`prevalence.core.disclosure`: primary and secondary suppression; an input with fewer
people than the threshold publishes no figure at all); record-level data never appear.
"""

from __future__ import annotations

import copy
import hashlib
import platform
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.compare import compare_estimates
from ..core.disclosure import WITHHELD, protect_counts
from ..core.estimator import Estimator
from ..core.progress import Progress
from ..core.random import independent_seed
from ..core.results import Comparison, Estimate, strict_json
from ..survey.daskdesign import DaskDesign
from .config import (
    ConfigProblem,
    RunConfig,
    build_input,
    estimator_accepts,
    input_engine,
    load_config,
    make_estimator,
)
from .impact import run_impact, scorecard_estimates
from .profits import card_scale, profits_estimates, run_profits
from .report import make_figures, render_report
from .staging import Staging
from .synthesis import SynthesisRun, run_synthesis

__all__ = ["run", "validate", "RunResult"]

FLOAT_FORMAT = "%.10g"
ESTIMATE_COLUMNS = [
    "input",
    "estimator",
    "type",
    "quantity",
    "value",
    "lower",
    "upper",
    "level",
    "method",
    "warnings",
    "scale",
]


class RunResult:
    def __init__(self, directory: Path, estimates: pd.DataFrame) -> None:
        self.directory = directory
        self.estimates = estimates

    def __repr__(self) -> str:
        return f"RunResult({self.directory}, {len(self.estimates)} rows)"


def validate(config_path: str | Path) -> list[str]:
    """Every problem with a config and its inputs, without estimating (empty list: fine)."""
    return _checked(config_path)[0]


def _checked(config_path: str | Path) -> tuple[list[str], RunConfig | None, dict[str, Any]]:
    """The problems, the config and the inputs read (for ``run``, which fits them)."""
    try:
        config = load_config(config_path)
    except ConfigProblem as exc:
        # the config has problems; the inputs whose own entries are sound are still read, so
        # that data problems are reported in the same pass
        return exc.problems + _input_problems(Path(config_path)), None, {}
    problems: list[str] = []
    kinds = {}
    built = {}
    for spec in config.inputs:
        built[spec["name"]] = build_input(config, spec, problems)
        kinds[spec["name"]] = spec["kind"]
    for spec in config.estimators:
        targets = spec.get("inputs")
        if targets is not None:
            for t in targets:
                if t not in kinds:
                    problems.append(f"estimator {spec['name']!r}: unknown input {t!r}")
                elif kinds[t] not in estimator_accepts(spec):
                    problems.append(
                        f"estimator {spec['name']!r} ({spec['type']}) cannot take input {t!r} "
                        f"of kind {kinds[t]!r}"
                    )
        elif not any(k in estimator_accepts(spec) for k in kinds.values()):
            problems.append(
                f"estimator {spec['name']!r} ({spec['type']}) applies to none of the inputs"
            )
        # what the fit would stop on, found without fitting (Estimator.check_input)
        estimator = make_estimator(spec, config.seed, config.level)
        for name in _targets(config, spec):
            if built.get(name) is None:
                continue
            if isinstance(built[name], DaskDesign) and not estimator.out_of_core:
                problems.append(
                    f"estimator {spec['name']!r} ({spec['type']}) needs input {name!r} in "
                    "memory, and it is read with engine = 'dask'; only survey prevalence is "
                    "estimated out of core: read the input with engine = 'pandas' (or give the "
                    "estimator other inputs)"
                )
                continue
            for p in estimator.check_input(built[name]):
                problems.append(f"estimator {spec['name']!r} on input {name!r}: {p}")
    for i, spec in enumerate(config.impact):
        data = built.get(spec.get("input"))
        frame = getattr(data, "data", data)
        if not isinstance(frame, pd.DataFrame):
            continue
        for key in ("group", "period", "by"):
            col = spec.get(key)
            if col is not None and col not in frame.columns:
                problems.append(
                    f"impact[{i}] ({spec['name']}): {key} column {col!r} is not in input "
                    f"{spec['input']!r} (columns {list(frame.columns)})"
                )
        for key in ("baseline", "endline"):
            if key in spec and spec.get("period") in frame.columns:
                if not (frame[spec["period"]] == spec[key]).any():
                    problems.append(
                        f"impact[{i}] ({spec['name']}): {key} {spec[key]!r} does not occur in "
                        f"column {spec['period']!r} of input {spec['input']!r}"
                    )
    return problems, config, built


def _input_problems(config_path: Path) -> list[str]:
    """Data problems of the well-formed [[inputs]] of a config that has other problems."""
    import tomllib

    from pydantic import ValidationError

    from .schema import InputSection

    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    entries = raw.get("inputs")
    if not isinstance(entries, list):
        return []
    shell = RunConfig(config_path.resolve(), raw, "", 0, 0.95, [], [])
    problems: list[str] = []
    for spec in entries:
        try:
            InputSection.model_validate(spec)
        except ValidationError:
            continue  # already reported by the schema
        build_input(shell, spec, problems)
    return problems


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sha256_files(paths: list[Path]) -> str:
    """One file's SHA-256; for several (a case_lists pattern), the SHA-256 of their names and
    hashes in order, so that any change to any of them shows."""
    if len(paths) == 1:
        return _sha256(paths[0])
    h = hashlib.sha256()
    for p in paths:
        h.update(f"{p.name}\0{_sha256(p)}\n".encode())
    return h.hexdigest()


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {}
    for pkg in (
        "prevalence",
        "numpy",
        "scipy",
        "pandas",
        "statsmodels",
        "numba",
        "pymc",
        "arviz",
        "matplotlib",
    ):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _row(input_name: str, spec: dict[str, Any], quantity: str, e: Estimate) -> dict[str, Any]:
    return {
        "input": input_name,
        "estimator": spec["name"],
        "type": spec["type"],
        "quantity": quantity,
        "value": e.value,
        "lower": e.lower,
        "upper": e.upper,
        "level": e.level,
        "method": e.method,
        "warnings": "; ".join(e.warnings),
        "scale": e.scale or "",
    }


def _targets(config: RunConfig, spec: dict[str, Any]) -> list[str]:
    """The inputs an estimator is fitted to: its ``inputs`` (``[]``: only for [[impact]]), else all."""
    names = spec["inputs"] if "inputs" in spec else [s["name"] for s in config.inputs]
    kinds = {s["name"]: s["kind"] for s in config.inputs}
    return [n for n in names if kinds.get(n) in estimator_accepts(spec)]


def run(
    config_path: str | Path, out: str | Path = "runs", *, quiet: bool | None = None
) -> RunResult:
    """Execute a run; returns the new output directory and the estimates table.

    ``quiet=True`` turns the progress bar off; ``None`` shows it only on a terminal.

    Raises :class:`~prevalence.runs.config.ConfigProblem` listing every problem when the config or
    an input is unusable; nothing is written then.
    """
    # the inputs are read once, by the validation; their warnings go to the report too
    with warnings.catch_warnings(record=True) as caught_reading:
        warnings.simplefilter("always")
        problems, config, inputs = _checked(config_path)
    if problems or config is None:
        _reemit(caught_reading)
        raise ConfigProblem(problems)
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    # the output directory is created (and checked) before any fitting; the run is assembled
    # in a staging directory that an error, Ctrl-C or SIGTERM removes
    with Staging(out, config.name) as staging:
        return _run_in(staging, config, inputs, caught_reading, started, t0, quiet)


def _reemit(caught: list[warnings.WarningMessage]) -> list[str]:
    """Warn again what was recorded (to the caller); the distinct texts, in order."""
    texts: list[str] = []
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        text = f"{w.category.__name__}: {w.message}"
        if text not in texts:
            texts.append(text)
    return texts


def _run_in(
    staging: Staging,
    config: RunConfig,
    inputs: dict[str, Any],
    caught_reading: list[warnings.WarningMessage],
    started: datetime,
    t0: float,
    quiet: bool | None,
) -> RunResult:
    # every warning of the fitting goes to the report's caveats, and on to the caller
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows: list[dict[str, Any]] = []
        fitted: dict[tuple[str, str], Estimate] = {}
        comparisons: dict[tuple[str, str], Comparison] = {}  # (estimator, pair)
        n_tasks = sum(len(_targets(config, spec)) + 1 for spec in config.estimators)
        n_tasks += len(config.impact) + len(config.profits) + len(config.synthesis)
        syntheses: list[SynthesisRun] = []
        cards: list[pd.DataFrame] = []
        with Progress(n_tasks, f"run {config.name}", enabled=False if quiet else None) as bar:
            for spec in config.estimators:
                estimator = make_estimator(spec, config.seed, config.level)
                # The generic compare fits an endline with a random stream of its own (each
                # endline its own), so that the estimates table shows the very estimates the
                # comparison compares and no pair shares a stream.
                generic = type(estimator).compare is Estimator.compare
                endlines = list(dict.fromkeys(c["endline"] for c in config.compares))
                for name in _targets(config, spec):
                    fitter = estimator
                    if generic and name in endlines and hasattr(estimator, "seed"):
                        fitter = copy.copy(estimator)
                        fitter.seed = independent_seed(estimator.seed, 1 + endlines.index(name))
                    est = fitter.fit(inputs[name])
                    fitted[(spec["name"], name)] = est
                    rows.append(_row(name, spec, "estimate", est))
                    bar.update()
                for pair in config.compares:
                    b, e = pair["baseline"], pair["endline"]
                    if b in _targets(config, spec) and e in _targets(config, spec):
                        if generic:
                            c = compare_estimates(
                                fitted[(spec["name"], b)],
                                fitted[(spec["name"], e)],
                                seed=getattr(estimator, "seed", config.seed),
                            )
                        else:
                            c = estimator.compare(inputs[b], inputs[e])
                        comparisons[(spec["name"], pair["name"])] = c
                        rows.append(_row(pair["name"], spec, "difference", c.difference))
                        rows.append(_row(pair["name"], spec, "ratio", c.ratio))
                bar.update()
            by_name = {spec["name"]: spec for spec in config.estimators}
            for spec in config.impact:
                est_spec = by_name[spec["estimator"]]
                estimator = make_estimator(est_spec, config.seed, config.level)
                card = run_impact(spec, estimator, inputs, config.level, config.seed)
                cards.append(card)
                for r in scorecard_estimates(card):
                    rows.append(
                        {
                            **r,
                            "estimator": est_spec["name"],
                            "type": f"impact {spec['kind']}",
                            "level": config.level,
                            "method": f"[[impact]] {spec['name']!r} ({spec['kind']})",
                            "warnings": "",
                        }
                    )
                bar.update()
            for spec in config.profits:
                est_spec = by_name[spec["estimator"]]
                estimator = make_estimator(est_spec, config.seed, config.level)

                def victims_for(
                    name: str, est_spec: dict[str, Any] = est_spec, estimator: Any = estimator
                ) -> Estimate:
                    key = (est_spec["name"], name)
                    if key not in fitted:
                        fitted[key] = estimator.fit(inputs[name])
                    return fitted[key]

                card = run_profits(spec, victims_for, inputs, config.level, config.seed)
                cards.append(card)
                for r in profits_estimates(card):
                    rows.append(
                        {
                            **r,
                            "estimator": est_spec["name"],
                            "type": "profits",
                            "level": config.level,
                            "method": f"[[profits]] {spec['name']!r} ({card_scale(spec)})",
                            "warnings": "",
                        }
                    )
                bar.update()
            for spec in config.synthesis:
                done = run_synthesis(spec, inputs, config.level, config.seed)
                syntheses.append(done)
                rows.extend(done.rows)
                bar.update()
    run_warnings = _reemit([*caught_reading, *caught])
    estimates = pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)
    estimates["scale"] = estimates["scale"].fillna("")
    scorecard = pd.concat(cards, ignore_index=True) if cards else None
    protected = protect_inputs(inputs, config.threshold)
    withheld = {name for name, table in protected.items() if (table["count"] == WITHHELD).any()}
    if withheld:
        estimates, scorecard = _withhold(config, withheld, estimates, scorecard)
        fitted = {k: v for k, v in fitted.items() if k[1] not in withheld}
        withheld_pairs = _pairs_using(config, withheld)
        comparisons = {k: v for k, v in comparisons.items() if k[1] not in withheld_pairs}
    final_name = staging.free_name(f"{config.name}-{started.strftime('%Y%m%d-%H%M%S')}")
    directory = staging.path
    estimates.to_csv(
        directory / "estimates.csv", index=False, float_format=FLOAT_FORMAT, lineterminator="\n"
    )
    if scorecard is not None:
        scorecard.to_csv(
            directory / "scorecard.csv",
            index=False,
            float_format=FLOAT_FORMAT,
            lineterminator="\n",
        )
    records = []
    for name in sorted(withheld):
        records.append({"input": name, "withheld": _withheld_note(name, config.threshold)})
    for (est_name, input_name), e in fitted.items():
        d = e.to_dict()
        d["details"] = {
            k2: v
            for k2, v in d["details"].items()
            if k2
            in (
                "model",
                "model_terms",
                "std_error",
                "deviance",
                "df",
                "AIC",
                "BIC",
                "n_observed",
                "selection",
                "diagnostics",
                "weights",
                "n_areas",
                "degf",
            )
        }
        records.append({"estimator": est_name, "input": input_name, **d})
    for (est_name, pair_name), c in comparisons.items():
        for q in ("difference", "ratio"):
            d = getattr(c, q).to_dict()
            d["details"] = {}
            records.append({"estimator": est_name, "input": pair_name, "quantity": q, **d})
    (directory / "estimates.json").write_text(strict_json(records, indent=1))
    images = make_figures(directory, config, protected, fitted, comparisons, scorecard)
    ended = datetime.now(UTC)
    manifest = {
        "run": config.name,
        "directory": final_name,
        "config": {
            "path": str(config.path),
            "sha256": _sha256(config.path),
            "resolved": config.raw,
        },
        "seed": config.seed,
        "level": config.level,
        "inputs": [
            {
                "name": s["name"],
                "path": str(config.input_path(s)),
                "sha256": _sha256_files(files),
                "files": [str(f) for f in files],
                "engine": input_engine(s),
            }
            for s, files in ((s, config.input_files(s)) for s in config.inputs)
        ],
        "versions": _versions(),
        "python": sys.version,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "node": platform.node(),
        },
        "started": started.isoformat(),
        "ended": ended.isoformat(),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    (directory / "manifest.json").write_text(strict_json(manifest, indent=1))
    report = render_report(
        directory,
        config,
        estimates,
        inputs,
        protected,
        fitted,
        images,
        manifest,
        scorecard,
        run_warnings,
        syntheses,
        _sections_using(config, withheld) if withheld else {},
    )
    (directory / "report.html").write_text(report)
    return RunResult(staging.publish(final_name), estimates)


# ---------------------------------------------------------------------------- disclosure
def suppress_counts(counts: pd.DataFrame, threshold: int, column: str = "count") -> pd.DataFrame:
    """The table as published: suppressed cells (primary and secondary) marked alike.

    Cells below ``threshold`` and the further cells that keep them from being derived from
    the total are replaced by ``"suppressed"``; when the total is below the threshold every
    cell is ``"withheld"`` (see :mod:`prevalence.core.disclosure`).

    Examples
    --------
    >>> t = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [120, 30, 3]})
    >>> suppress_counts(t, 5)["count"].tolist()
    [120, 'suppressed', 'suppressed']
    """
    out = counts.copy().astype({column: object})
    status = protect_counts(counts[column].to_numpy(), threshold)
    hidden = status != "published"
    out.loc[hidden, column] = status[hidden]
    return out


def protect_inputs(inputs: dict[str, Any], threshold: int) -> dict[str, pd.DataFrame]:
    """Every list input's capture-pattern table (patterns with people) as it may be published."""
    from ..mse.data.captures import CaptureHistories

    out = {}
    for name, obj in inputs.items():
        if isinstance(obj, CaptureHistories):
            counts = obj.counts
            positive = counts[counts["count"] > 0].reset_index(drop=True)
            out[name] = suppress_counts(positive, threshold)
            out[name].attrs["n_observed"] = int(obj.n_observed)
    return out


def _withheld_note(name: str, threshold: int) -> str:
    return (
        f"withheld under disclosure control: fewer than {threshold} people on the lists of "
        f"input {name!r}, so no figure derived from them is published"
    )


def _pairs_using(config: RunConfig, withheld: set[str]) -> set[str]:
    return {c["name"] for c in config.compares if {c["baseline"], c["endline"]} & withheld}


def _sections_using(config: RunConfig, withheld: set[str]) -> dict[str, str]:
    """Impact, profits and synthesis sections that use a withheld input, with that input."""
    out = {}
    for spec in config.impact:
        used = [spec.get("input"), *(spec.get("cells") or {}).values()]
        hit = [u for u in used if u in withheld]
        if hit:
            out[spec["name"]] = hit[0]
    for spec in config.profits:
        used = [v for st in spec["strata"] for v in (st.get("baseline"), st.get("endline"))]
        hit = [u for u in used if u in withheld]
        if hit:
            out[spec["name"]] = hit[0]
    for spec in config.synthesis:
        used = [spec["population"], *(src["input"] for src in spec["sources"])]
        hit = [u for u in used if u in withheld]
        if hit:
            out[spec["name"]] = hit[0]
    return out


def _withhold(
    config: RunConfig,
    withheld: set[str],
    estimates: pd.DataFrame,
    scorecard: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Blank every published figure derived from a withheld input (value and interval)."""
    estimates = estimates.copy()
    pairs = {c["name"]: c for c in config.compares}
    using = _pairs_using(config, withheld)
    sections = _sections_using(config, withheld)
    for i, row in estimates.iterrows():
        section = str(row["input"]).split(": ")[0]
        is_section = row["type"] in ("profits", "synthesis") or str(row["type"]).startswith(
            "impact"
        )
        if row["input"] in withheld:
            source = row["input"]
        elif row["input"] in using:
            c = pairs[row["input"]]
            source = c["baseline"] if c["baseline"] in withheld else c["endline"]
        elif is_section and section in sections:
            source = sections[section]
        else:
            continue
        estimates.loc[i, ["value", "lower", "upper"]] = np.nan
        estimates.loc[i, "warnings"] = _withheld_note(source, config.threshold)
    if scorecard is not None and sections:
        scorecard = scorecard.copy()
        numeric = scorecard.select_dtypes("number").columns
        scorecard.loc[scorecard["impact"].isin(list(sections)), numeric] = np.nan
    return estimates, scorecard
