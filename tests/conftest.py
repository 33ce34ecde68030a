"""Shared fixtures: the R reference values and data sets in ../shared/reference (their
checksums and provenance in tests/reference; the files themselves are not committed)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from prevalence import CaptureHistories

REPO = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("PREVALENCE_REFERENCE", REPO.parent / "shared" / "reference"))
SKIP_REASON = (
    f"R reference values not found at {REFERENCE} (the shared/ folder beside the repository; "
    "set PREVALENCE_REFERENCE to point elsewhere)"
)


def reference_file(relative: str) -> Path:
    """A file of the reference folder, or a skip with the reason when it is absent (the
    files are not committed: they are read from ../shared/reference). Every test, fixture
    and loader that reads the folder goes through here."""
    path = REFERENCE / relative
    if not path.is_file():
        pytest.skip(SKIP_REASON)
    return path


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
    return json.loads(reference_file("values_mse.json").read_text())


@pytest.fixture(scope="session")
def contrast_reference() -> dict:
    """values_contrast.json: R survey's contrasts on the stratified api design."""
    return json.loads(reference_file("values_contrast.json").read_text())["dstrat"]


def load_reference_captures(name: str) -> CaptureHistories:
    """A reference data set as CaptureHistories (``hare`` is one row per animal)."""
    if name == "hare":
        df = pd.read_csv(reference_file("data/rcapture_hare.csv"))
        return CaptureHistories.from_records(df, lists=list(df.columns))
    df = pd.read_csv(reference_file(f"data/{name}.csv"))
    return CaptureHistories.from_counts(df, count=df.columns[-1])
