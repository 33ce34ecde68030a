"""The ``[[synthesis]]`` sections of a run config: one estimate from several sources.

Each section fits :class:`~prevalence.synthesis.EvidenceSynthesis` to inputs of the run read
as tables (kind ``table`` or ``areas``)::

    [[inputs]]
    name = "regions"                # one row per region and year, with its people
    path = "data/regions.csv"
    kind = "table"

    [[synthesis]]
    name = "all sources"
    population = "regions"
    area = "region"
    period = "year"
    people = "people"
    settings = { draws = 1000 }

    [[synthesis.sources]]
    name = "case lists"
    input = "lists"                 # one row per listed person: region, year, 0/1 lists
    kind = "lists"
    lists = ["police", "ngo", "shelter"]
    visibility = [0.5, 0.9]

    [[synthesis.sources]]
    name = "scale-up"
    input = "nsum"                  # region, year, estimate, se (of the log)
    kind = "estimates"
    std_error = "se"
    anchor = true

Rows of the run's estimates table (``type = "synthesis"``, ``input`` the section's name): the
total of every period, and with two periods or more the change ratio from the first to the
last. The report shows, per section, the totals, the change by area, each source's own figures
beside the combined ones, the visibilities and any conflict between the sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..core.results import Estimate

__all__ = ["SynthesisRun", "run_synthesis"]


@dataclass(frozen=True)
class SynthesisRun:
    """A fitted ``[[synthesis]]`` section: its estimate and the rows of the estimates table."""

    name: str
    estimate: Estimate
    rows: list[dict[str, Any]]


def _estimator(spec: dict[str, Any], seed: int, level: float) -> Any:
    from ..synthesis import EvidenceSynthesis
    from .schema import SynthesisSourceSection

    sources = [SynthesisSourceSection.model_validate(s).source() for s in spec["sources"]]
    settings = {"seed": seed, "level": level, "progress": False, **spec.get("settings", {})}
    return EvidenceSynthesis(
        spec["area"],
        spec.get("period"),
        spec.get("people"),
        sources=sources,
        **settings,
    )


def run_synthesis(
    spec: dict[str, Any], inputs: dict[str, Any], level: float, seed: int
) -> SynthesisRun:
    """Fit one section to the run's inputs."""
    model = _estimator(spec, seed, level)
    data = {"population": inputs[spec["population"]]}
    data.update({s["name"]: inputs[s["input"]] for s in spec["sources"]})
    est = model.fit(data)
    method = f"[[synthesis]] {spec['name']!r}: {est.method.split(';')[0]}"
    notes = "; ".join(est.warnings)
    rows = []
    for period, e in est.details["by_period"].items():
        rows.append(
            {
                "input": spec["name"],
                "estimator": "EvidenceSynthesis",
                "type": "synthesis",
                "quantity": f"total {period}",
                "value": e.value,
                "lower": e.lower,
                "upper": e.upper,
                "level": e.level,
                "method": method,
                "warnings": notes,
                "scale": "count",
            }
        )
    change = est.details.get("change")
    if change is not None:
        nat = change["national"]
        rows.append(
            {
                "input": spec["name"],
                "estimator": "EvidenceSynthesis",
                "type": "synthesis",
                "quantity": f"ratio {change['endline']} / {change['baseline']}",
                "value": nat["ratio"],
                "lower": nat["ratio_lower"],
                "upper": nat["ratio_upper"],
                "level": est.level,
                "method": method,
                "warnings": notes,
                "scale": "ratio",
            }
        )
    return SynthesisRun(name=spec["name"], estimate=est, rows=rows)


def report_tables(run: SynthesisRun, threshold: int) -> dict[str, pd.DataFrame]:
    """The report's tables of a section: totals, change by area, sources beside the combined
    estimate, visibilities. A list's number of people seen below the disclosure threshold is
    withheld (it counts identifiable people; the estimates do not)."""
    d = run.estimate.details
    sources = d["sources"].copy()
    small = (sources["check"] == "lists fit") & (sources["given"] < threshold)
    sources["given"] = sources["given"].astype(float).where(~small)
    tables = {"totals": d["national"], "sources": sources, "visibility": d["visibility"]}
    if "change" in d:
        tables["change by area"] = d["change"]["areas"]
    return tables
