"""Named synthetic data sets with known truth, written to ``data/synthetic/`` from fixed seeds.

``python data/synthetic/make_datasets.py`` writes them; running it again reproduces every file
byte for byte. :func:`load` reads a file when the repository's ``data/synthetic`` folder is
there and otherwise regenerates the same table in memory.

Examples
--------
>>> from prevalence import datasets
>>> "captures_baseline" in datasets.names()
True
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .core.errors import DataError
from .simulate.areas import simulate_areas
from .simulate.programme import simulate_programme_survey
from .simulate.scenarios import CaptureScenario, SurveyScenario

__all__ = ["load", "names", "generate", "write_all", "DATA_DIR"]

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "synthetic"
FLOAT_FORMAT = "%.10g"

LISTS = {"police": 0.18, "ngo": 0.12, "local_authority": 0.10, "hotline": 0.08}
CAPTURES = CaptureScenario(
    size=[5000, 3800],
    probabilities=LISTS,
    heterogeneity=0.4,
    dependence={("police", "ngo"): 0.6},
    strata={"north": (0.55, 0.0), "south": (0.45, -0.3)},
    periods=2,
)
SURVEY = SurveyScenario(
    strata=8,
    clusters_per_stratum=30,
    cluster_size=150,
    areas=5,
    prevalence=0.08,
    change=-0.3,
    periods=2,
    sampled_clusters=5,
    sampled_per_cluster=15,
)


def _pattern_counts(records: pd.DataFrame) -> pd.DataFrame:
    lists = list(LISTS)
    return records.groupby(lists).size().rename("count").reset_index()


def _captures(period: int) -> pd.DataFrame:
    rec = CAPTURES.records(20261125)
    return _pattern_counts(rec[rec["period"] == period])


def _capture_records() -> pd.DataFrame:
    rec = CAPTURES.records(20261125)
    return rec[rec["period"] == 0][list(LISTS) + ["stratum"]].reset_index(drop=True)


def _survey() -> pd.DataFrame:
    frame, _ = SURVEY.sample(20261126)
    return frame


def _survey_truth() -> pd.DataFrame:
    _, truth = SURVEY.sample(20261126)
    return truth


def _areas() -> pd.DataFrame:
    return simulate_areas(30, 2, seed=20261127).frame


# three regions with different programme effects (logit scale): a scorecard shows them apart
PROGRAMME_REGIONS = {"coast": -0.6, "highlands": -0.3, "capital": 0.0}


def _programme_survey() -> pd.DataFrame:
    frames = []
    for k, (region, effect) in enumerate(PROGRAMME_REGIONS.items()):
        sim = simulate_programme_survey(effect=effect, panel=True, seed=20261128 + k)
        frame = sim.data.assign(
            region=region,
            village=region + "-" + sim.data["village"],
            person=region + "-" + sim.data["person"],
        )
        frame["stratum"] = frame["region"] + "-" + frame["group"]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[
        ["region", "group", "period", "stratum", "village", "person", "weight", "victim"]
    ]


#: Known populations of the ``nsum_survey`` data set (a population of 20,000 with 300 hidden).
NSUM_KNOWN = {
    "nurses": 200,
    "teachers": 400,
    "taxi_drivers": 300,
    "twins": 600,
    "named_maria": 500,
    "named_jose": 350,
    "widowers": 800,
    "new_mothers": 700,
}
NSUM_TOTAL = 20_000
NSUM_HIDDEN = 300
RDS_POPULATION = 3_000


def _nsum_survey() -> pd.DataFrame:
    from .simulate.network import ScaleUpScenario  # scipy.sparse: imported when needed

    scenario = ScaleUpScenario(
        NSUM_TOTAL,
        NSUM_HIDDEN,
        NSUM_KNOWN,
        respondents=1200,
        mean_degree=60,
        population_seed=20261129,
    )
    frame, _ = scenario(np.random.default_rng(20261130))
    rng = np.random.default_rng(20261131)
    region = rng.choice(["north", "south", "east", "west"], size=len(frame))
    village = pd.Series(region) + "-" + pd.Series(rng.integers(0, 8, len(frame))).astype(str)
    weight = NSUM_TOTAL / len(frame)
    return frame.rename(columns={"hidden": "sex_workers"}).assign(
        region=region, village=village, weight=weight
    )


def _rds_sample() -> pd.DataFrame:
    from .simulate.network import RDSScenario

    scenario = RDSScenario(
        RDS_POPULATION, 0.2, 500, activity=1.5, homophily=2.0, population_seed=20261132
    )
    data, _ = scenario(np.random.default_rng(20261133))
    return data.rename(columns={"trait": "forced_labour"})


GENERATORS: dict[str, tuple[Callable[[], pd.DataFrame], str]] = {
    "captures_baseline": (
        lambda: _captures(0),
        "capture-pattern counts, 4 lists, baseline (true N 5000)",
    ),
    "captures_endline": (
        lambda: _captures(1),
        "capture-pattern counts, 4 lists, endline (true N 3800)",
    ),
    "captures_records": (
        _capture_records,
        "one row per person seen at baseline, with a stratum column",
    ),
    "survey": (_survey, "two-stage stratified survey sample, baseline and endline (period column)"),
    "survey_truth": (_survey_truth, "true prevalence of the survey population by area and period"),
    "areas": (_areas, "binomial counts for 30 areas x 2 periods with the true prevalences"),
    "programme_survey": (
        _programme_survey,
        "panel survey of programme and comparison villages in 3 regions, baseline and endline "
        f"(programme effects on the logit scale {PROGRAMME_REGIONS})",
    ),
    "nsum_survey": (
        _nsum_survey,
        f"network scale-up answers of 1,200 respondents in a population of {NSUM_TOTAL:,} "
        f"(true hidden population {NSUM_HIDDEN}; known populations in "
        "prevalence.datasets.NSUM_KNOWN)",
    ),
    "rds_sample": (
        _rds_sample,
        f"respondent-driven sample of 500 from a network of {RDS_POPULATION:,} people "
        "(forced_labour prevalence in the population in the README)",
    ),
}


def names() -> list[str]:
    """Names of the synthetic data sets."""
    return list(GENERATORS)


def generate(name: str) -> pd.DataFrame:
    """Build a data set from its fixed seed (what the files hold)."""
    if name not in GENERATORS:
        raise DataError(f"unknown data set {name!r}; the data sets are {names()}")
    return GENERATORS[name][0]()


def load(name: str) -> pd.DataFrame:
    """Load a named synthetic data set (from ``data/synthetic`` when present)."""
    if name not in GENERATORS:
        raise DataError(f"unknown data set {name!r}; the data sets are {names()}")
    path = DATA_DIR / f"{name}.csv"
    if path.exists():
        return pd.read_csv(path)
    return pd.read_csv(
        pd.io.common.StringIO(generate(name).to_csv(index=False, float_format=FLOAT_FORMAT))
    )


def write_all(directory: str | Path = DATA_DIR) -> list[Path]:
    """Write every data set as CSV into ``directory``; returns the paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in GENERATORS:
        path = out / f"{name}.csv"
        generate(name).to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        paths.append(path)
    return paths
