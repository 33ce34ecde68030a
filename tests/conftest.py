"""Shared fixtures: the R reference values and data sets in tests/reference (see its README)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from prevalence import CaptureHistories

REPO = Path(__file__).resolve().parents[1]
# The reference values and the data sets they were computed on live in the repository, so
# that a clone alone runs every check against R (issue #33). A missing file is a failure, not
# a skip.
REFERENCE = REPO / "tests" / "reference"


def pytest_configure(config: pytest.Config) -> None:
    """Import ArviZ once in the main process, before any test worker starts.

    ArviZ writes a once-a-day stamp when imported; workers importing it at the same moment on
    a machine without today's stamp race on that file (issue #33, arviz-devs/arviz#2530).
    Imported here first, through the package's race-safe import, the stamp exists before the
    workers start and they only read it. Tests that import ArviZ themselves are then safe too.
    """
    if not hasattr(config, "workerinput"):  # the main process (or a run without workers)
        from prevalence.core.imports import import_arviz

        import_arviz()


@pytest.fixture(scope="session")
def mse_reference() -> dict:
    return json.loads((REFERENCE / "values_mse.json").read_text())


@pytest.fixture(scope="session")
def contrast_reference() -> dict:
    """values_contrast.json: R survey's contrasts on the stratified api design."""
    return json.loads((REFERENCE / "values_contrast.json").read_text())["dstrat"]


def load_reference_captures(name: str) -> CaptureHistories:
    """A reference data set as CaptureHistories (``hare`` is one row per animal)."""
    data = REFERENCE / "data"
    if name == "hare":
        df = pd.read_csv(data / "rcapture_hare.csv")
        return CaptureHistories.from_records(df, lists=list(df.columns))
    df = pd.read_csv(data / f"{name}.csv")
    return CaptureHistories.from_counts(df, count=df.columns[-1])
