"""The network references: values_nsum.json (networkreporting) and values_rds.json (RDS)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import reference_file

HERE = Path(__file__).resolve().parent


def _json(name: str) -> dict:
    return json.loads(reference_file(name).read_text())


@pytest.fixture(scope="session")
def nsum_reference() -> dict:
    return _json("values_nsum.json")


@pytest.fixture(scope="session")
def rds_reference() -> dict:
    return _json("values_rds.json")


@pytest.fixture(scope="session")
def r_network_values() -> dict:
    """Further values from R (tests/network/r_reference.R, run by hand with R)."""
    return json.loads((HERE / "r_values.json").read_text())


@pytest.fixture(scope="session")
def rwanda() -> tuple[pd.DataFrame, dict[str, float]]:
    survey = pd.read_csv(reference_file("data/nsum_rwanda_survey.csv"))
    kp = pd.read_csv(reference_file("data/nsum_rwanda_knownpop.csv"))
    return survey, dict(zip(kp["known.popn"], kp["size"].astype(float), strict=True))


def load_rds(name: str) -> pd.DataFrame:
    path = reference_file(f"data/rds_{name}.csv")
    return pd.read_csv(path, dtype={"id": str, "recruiter.id": str, "seed": str})
