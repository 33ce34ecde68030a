"""The demo job: a full run of the shipped example config on the synthetic data sets.

``prevalence demo --out DIR`` runs the example config ``demo.toml`` shipped in the package
(capture data with known true sizes, and synthetic surveys) into a new directory under ``DIR``
with estimates, manifest, plots and ``report.html``, and prints a readable table with the
truth beside each estimate. Without ``--out`` nothing is left on disk.

The example configs ship inside the package (``prevalence/examples/*.toml``) and their data
are the synthetic data sets, generated from fixed seeds (:mod:`prevalence.datasets`), so the
demo works from an installed wheel as from a checkout. :func:`write_example` (``prevalence
init --example NAME DIR``) writes a config and its data where a user can edit and re-run them.
"""

from __future__ import annotations

import logging
import tempfile
from importlib import resources
from pathlib import Path

import pandas as pd

from .core.errors import DataError
from .datasets import CAPTURES, generate, write_all
from .runs.runner import run

__all__ = ["run_demo", "write_example", "EXAMPLES"]

log = logging.getLogger(__name__)

EXAMPLES = ("demo", "network")


def write_example(name: str, directory: str | Path) -> Path:
    """Write the example config ``name`` and its data into ``directory``; returns the config.

    The data sets go to ``directory/data/`` (the files the config names). An existing config
    of that name is never overwritten.

    Examples
    --------
    >>> import tempfile
    >>> config = write_example("demo", tempfile.mkdtemp())
    >>> config.name, (config.parent / "data" / "captures_baseline.csv").exists()
    ('demo.toml', True)
    """
    if name not in EXAMPLES:
        raise DataError(f"unknown example {name!r}; the examples are {list(EXAMPLES)}")
    directory = Path(directory)
    config = directory / f"{name}.toml"
    if config.exists():
        raise FileExistsError(f"{config} exists: not overwritten")
    directory.mkdir(parents=True, exist_ok=True)
    write_all(directory / "data")
    config.write_text(resources.files("prevalence").joinpath(f"examples/{name}.toml").read_text())
    return config


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3f}"


def run_demo(out: str | Path | None = None) -> pd.DataFrame:
    """Run the example config, print the estimates beside the truth, return the estimates table."""
    survey_truth = generate("survey_truth")
    overall = survey_truth[(survey_truth["area"] == "all") & (survey_truth["period"] == 0)][
        "true_prevalence"
    ]
    truth = {
        "baseline": CAPTURES.sizes[0],
        "endline": CAPTURES.sizes[1],
        "survey_baseline": float(overall.iloc[0]),
    }
    with tempfile.TemporaryDirectory() as tmp:
        config = write_example("demo", Path(tmp) / "example")
        result = run(config, out if out is not None else Path(tmp) / "runs")
        table = result.estimates.copy()
        directory = result.directory if out is not None else None
    print(
        "prevalence demo: synthetic capture data on 4 lists (police, ngo, local_authority, hotline),"
    )
    print(
        "known true sizes 5,000 (baseline) and 3,800 (endline), and a synthetic two-stage survey\n"
    )
    header = (
        f"{'input':<16}{'truth':>8}  {'estimator':<18}{'estimate':>10}  {'95% interval':<22}method"
    )
    print(header)
    print("-" * len(header))
    for _, r in table[table["quantity"] == "estimate"].iterrows():
        t = truth.get(r["input"])
        interval = f"[{_fmt(r['lower'])}, {_fmt(r['upper'])}]"
        print(
            f"{r['input']:<16}{(_fmt(t) if t else '-'):>8}  {r['estimator']:<18}{_fmt(r['value']):>10}  "
            f"{interval:<22}{r['method']}"
        )
    print(
        "\nThe synthetic lists have heterogeneous catchability and referrals from police to NGOs, so the"
    )
    print(
        "estimators fall short of the true sizes, the independence model most: see docs/workbench.md."
    )
    change = truth["endline"] - truth["baseline"]
    print(f"\nchange endline - baseline (true change {change:,}):")
    for _, r in table[table["quantity"] == "difference"].iterrows():
        print(
            f"  {r['estimator']:<18}{_fmt(r['value']):>10}  [{_fmt(r['lower'])}, {_fmt(r['upper'])}]"
        )
    card = table[table["type"] == "impact did"]
    if len(card):
        print(
            "\nprogramme villages against comparison villages, by region (true programme effects on"
        )
        print("the logit scale: coast -0.6, highlands -0.3, capital 0):")
        for area in dict.fromkeys(card["input"]):
            rows = card[card["input"] == area].set_index("quantity")
            did = rows.loc["difference in differences"]
            p = rows.loc["probability of meeting the target", "value"]
            print(
                f"  {area.split(': ')[-1]:<10} DiD {did['value']:+.3f} "
                f"[{did['lower']:+.3f}, {did['upper']:+.3f}]   P(programme villages fell >= 20%) "
                f"{p:.2f}"
            )
    profits = table[(table["type"] == "profits") & table["input"].str.endswith(": total")]
    if len(profits):
        rows = profits.set_index("quantity")
        b = rows.loc["profits at baseline", "value"]
        e = rows.loc["profits at endline", "value"]
        ch = rows.loc["change in profits"]
        p = rows.loc["probability of meeting the target", "value"]
        print(
            "\nillicit profits from the listed victims (assumed US$3,687 [2,700, 5,000] per victim,"
        )
        print(
            f"2021 prices): baseline US${b / 1e6:.1f} million, endline US${e / 1e6:.1f} million, "
            f"change {ch['value'] / 1e6:+.1f} [{ch['lower'] / 1e6:+.1f}, {ch['upper'] / 1e6:+.1f}] "
            f"million; P(fell >= 20%) {p:.2f}"
        )
    if directory is not None:
        print(
            f"\nwrote {directory}/ (estimates.csv, estimates.json, scorecard.csv, manifest.json, "
            "plots, report.html)"
        )
    return table
