"""Survey test fixtures: the api data sets from ../shared/reference/data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ..conftest import reference_file

HERE = Path(__file__).resolve().parent


def api(name: str) -> pd.DataFrame:
    return pd.read_csv(reference_file(f"data/survey_{name}.csv"))


def twophase_sample() -> pd.DataFrame:
    """The synthetic phase-one sample of ``r_twophase.R`` (400 people, phase two ``in2``) with
    the two equal strata ``region2`` and their population sizes ``N2`` that the R scripts add
    (``twophase(strata = list(~region2, ~screen), fpc = list(~N2, NULL), subset = ~in2)``)."""
    ph1 = pd.read_csv(HERE / "twophase_sample.csv")
    ph1["region2"] = np.repeat(["east", "west"], [200, 200])
    ph1["N2"] = np.where(ph1["region2"] == "east", 5000, 3000)
    return ph1


@pytest.fixture(scope="session")
def survey_reference() -> dict:
    return json.loads(reference_file("values_survey.json").read_text())


@pytest.fixture(scope="session")
def r_values() -> dict:
    """Values computed by R survey 4.1.1 with tests/survey/r_reference.R (each records its R call)."""
    return json.loads((HERE / "r_values.json").read_text())
