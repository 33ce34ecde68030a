"""The same linkage on a local Spark cluster (issues #15, #35): Splink's SparkAPI in place of
DuckDB gives the same match decisions and match probabilities equal to 1e-6, with and without
places of birth.

Slow (a Spark session starts, Java underneath). `.ci/run` installs Java and the `spark` extra
and sets PREVALENCE_REQUIRE_SPARK, so that there the test must run; elsewhere it skips with
the reason printed when pyspark or Java is missing.
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from prevalence.linkage import link_case_lists, pseudonymise
from prevalence.simulate import simulate_case_lists

from .conftest import FIELDS, SECRET

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    reason = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        reason = "pyspark is not installed (pip install -e '.[spark]'; .ci/run installs it)"
    if reason is None and shutil.which("java") is None:
        reason = "no Java runtime on the PATH (.ci/run installs OpenJDK 17)"
    if reason is not None:
        if os.environ.get("PREVALENCE_REQUIRE_SPARK"):  # set by .ci/run: there it must run
            pytest.fail(reason)
        pytest.skip(reason)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("prevalence-linkage-test")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.parametrize("places", [False, True], ids=["names", "names-and-places"])
def test_spark_links_as_duckdb_does(spark, tmp_path, places):
    from splink import SparkAPI

    spark.sparkContext.setCheckpointDir(str(tmp_path / "checkpoints"))
    pop = simulate_case_lists(1500, seed=11, birth_places=200 if places else None)
    lists = {
        name: pseudonymise(
            records,
            SECRET,
            list_name=name,
            place_of_birth="place_of_birth" if places else None,
            **FIELDS,
        )
        for name, records in pop.records.items()
    }
    on_duckdb = link_case_lists(lists, seed=4)
    on_spark = link_case_lists(lists, seed=4, backend=SparkAPI(spark_session=spark))

    def keyed(result):
        pairs = result.pairs
        keys = [tuple(sorted(p)) for p in zip(pairs["record_l"], pairs["record_r"], strict=True)]
        return dict(zip(keys, pairs["match_probability"], strict=True))

    duck, spark_pairs = keyed(on_duckdb), keyed(on_spark)
    # not a trivial comparison: hundreds of pairs, dozens of them neither sure nor excluded
    # (measured: 731 pairs, 55 between 0.01 and 0.99, largest difference 7e-15)
    probabilities = np.array(list(duck.values()))
    assert len(duck) > 500
    # (with places of birth the linkage is surer: 7 pairs between 0.01 and 0.99)
    assert ((probabilities > 0.01) & (probabilities < 0.99)).sum() > (5 if places else 20)
    assert set(duck) == set(spark_pairs)
    difference = max(abs(duck[k] - spark_pairs[k]) for k in duck)
    assert difference < 1e-6, difference
    np.testing.assert_array_equal(on_duckdb.people(), on_spark.people())
    assert on_duckdb.parameters["probability_two_random_records_match"] == pytest.approx(
        on_spark.parameters["probability_two_random_records_match"], rel=1e-9
    )


RUN = """
[run]
name = "{name}"
seed = 3

[[inputs]]
name = "lists"
path = "lists"
kind = "case_lists"
{engine}

[[estimators]]
name = "independence"
type = "LogLinearMSE"
"""


def test_a_run_links_on_spark_as_on_duckdb(spark, tmp_path):
    """`engine = "spark"` in a run config (#35): Spark reads the parquet files and links them;
    the same seed gives the same estimates, byte for byte, as the run on DuckDB, and the
    manifest and report say which engine linked."""
    from prevalence.runs import run

    spark.sparkContext.setCheckpointDir(str(tmp_path / "checkpoints"))
    pop = simulate_case_lists(800, seed=12)
    (tmp_path / "lists").mkdir()
    for name, records in pop.records.items():
        frame = pseudonymise(records, SECRET, list_name=name, **FIELDS)
        frame.to_parquet(tmp_path / "lists" / f"{name}.parquet")
    results = {}
    for engine in ("duckdb", "spark"):
        config = tmp_path / f"{engine}.toml"
        config.write_text(RUN.format(name=engine, engine=f'engine = "{engine}"'))
        results[engine] = run(config, tmp_path / "runs", quiet=True).directory
    for name in ("estimates.json", "estimates.csv"):
        on_duckdb = (results["duckdb"] / name).read_bytes()
        assert on_duckdb == (results["spark"] / name).read_bytes(), name
    for engine, directory in results.items():
        manifest = json.loads((directory / "manifest.json").read_text())
        assert [i["engine"] for i in manifest["inputs"]] == [engine]
        label = {"duckdb": "DuckDB", "spark": "Spark"}[engine]
        assert f"(linked on {label})" in (directory / "report.html").read_text()


def test_a_run_on_spark_without_java_is_refused_by_name(spark, monkeypatch):
    import shutil

    from pyspark.sql import SparkSession

    from prevalence import DataError
    from prevalence.runs.config import _spark_backend

    monkeypatch.setattr(SparkSession, "getActiveSession", staticmethod(lambda: None))
    monkeypatch.setattr(shutil, "which", lambda name: None)  # no Java on the PATH
    with pytest.raises(DataError, match="needs a Java runtime"):
        _spark_backend()
