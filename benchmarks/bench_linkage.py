"""Linking four large case lists on DuckDB under a memory budget (issues #15, #35).

Simulates four lists (`simulate_case_lists`, four times `records_per_list` people so that
each list finds about a quarter of them, with duplicates), pseudonymises them and writes them
as parquet files; then a fresh process links them with `link_case_lists` (DuckDB with
`memory_limit`), which reads the files a batch at a time (with `frames`, the process reads them
into pandas first and passes the DataFrames, as before 2026-12-07), and prints the time, that
process's peak memory (resident set: what it holds of the lists, Python and DuckDB together) and the linkage's precision and recall at 0.5
against the truth. With `places`, every person also has a place of birth among 300 (Zipf
frequencies), recorded on the lists (10% missing as the dates are, 2% another place) and
pseudonymised with the names.

With `spark`, a local Spark session on every core links the files instead of DuckDB
(`memory_limit` is then the driver's memory, 8g by default) and the JVM's peak is printed
beside the Python process's. Beyond 1.2 million people the population is simulated in chunks
(independent populations of the same model), each list a directory of one file per chunk.

Run: `.venv/bin/python benchmarks/bench_linkage.py [records_per_list] [seed] [places]
[frames | spark] [memory_limit=2GB]` (defaults 300000, 20261128, no places, files, 2GB).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

SECRET = "a benchmark secret, long enough to be safe"
PLACES = 300
#: People simulated at once: 1.2 million take about 2.4 GB in the simulating process; beyond
#: it the population is simulated in chunks (ten million records: seven chunks)
PEOPLE_PER_CHUNK = 1_200_000


def prepare(folder: Path, per_list: int, seed: int, places: bool) -> dict[str, float]:
    """Simulate, pseudonymise and write the lists and the truth; the times and sizes."""
    from prevalence.linkage import pseudonymise
    from prevalence.simulate import simulate_case_lists

    lists = {"police": 0.25, "ngo": 0.25, "shelter": 0.25, "labour": 0.25}
    people = 4 * per_list
    chunks = max(1, -(-people // PEOPLE_PER_CHUNK))
    t_sim = t_hash = records = true_links = 0.0
    truth = []
    for chunk, size in enumerate(_split(people, chunks)):
        # one chunk: the population as before; several: independent populations of the same
        # model (people are drawn independently), seeds spawned from the seed, each list a
        # directory of one file per chunk
        chunk_seed = seed if chunks == 1 else np.random.SeedSequence(seed).spawn(chunks)[chunk]
        t0 = time.perf_counter()
        pop = simulate_case_lists(
            size, lists, seed=chunk_seed, birth_places=PLACES if places else None
        )
        t_sim += time.perf_counter() - t0
        t0 = time.perf_counter()
        for name, frame in pop.records.items():
            if chunks > 1:  # record identifiers and people unique across chunks
                frame = frame.assign(record_id=f"{chunk}-" + frame["record_id"])
            hashed = pseudonymise(
                frame, SECRET, list_name=name, record_id="record_id", given_name="given_name",
                family_name="family_name", date_of_birth="date_of_birth", sex="sex",
                place_of_birth="place_of_birth" if places else None,
                keep=["region", "exploitation", "year"],
            )  # fmt: skip
            if chunks == 1:
                hashed.to_parquet(folder / f"{name}.parquet")
            else:
                (folder / name).mkdir(exist_ok=True)
                hashed.to_parquet(folder / name / f"part-{chunk:03d}.parquet")
            who = pop.truth.loc[pop.truth["list"] == name, "person"].to_numpy()
            offset = chunk * PEOPLE_PER_CHUNK
            truth.append(pd.DataFrame({"record": hashed["record"], "person": who + offset}))
        t_hash += time.perf_counter() - t0
        records += sum(len(r) for r in pop.records.values())
        true_links += len(pop.true_links())
        del pop
    pd.concat(truth, ignore_index=True).to_parquet(folder / "truth.parquet")
    return {
        "simulate_s": t_sim,
        "pseudonymise_s": t_hash,
        "records": records,
        "true_links": true_links,
    }


def _split(total: int, parts: int) -> list[int]:
    """``total`` as ``parts`` near-equal whole numbers."""
    return [total // parts + (k < total % parts) for k in range(parts)]


def peak_mb() -> float:
    """This process's peak resident set, from Linux's VmHWM. Not ``ru_maxrss``: a process
    started by another inherits the starter's peak there (measured: a child of a process
    holding 1.5 GB reported 1,514 MB, its VmHWM 14 MB), which made the lists seem to take
    2.4 GB before 2026-12-07."""
    own = high_water_mb("self")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if own is None else own


def high_water_mb(pid: int | str) -> float | None:
    """A process's peak resident set (VmHWM of ``/proc/<pid>/status``), or None where Linux's
    figure cannot be read (another system, or the process has ended)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def descendants_peak_mb() -> float:
    """The peaks (VmHWM) of this process's descendants summed: Spark's JVM, which holds the
    lists and pairs when Spark links (an upper bound of what they held at one time)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        total += high_water_mb(pid) or 0.0
    return total


def spark_backend(folder: Path, memory: str) -> object:
    """Splink's Spark API on a local session of every core, the driver given ``memory``."""
    from pyspark.sql import SparkSession
    from splink import SparkAPI

    session = (
        SparkSession.builder.master("local[*]")
        .appName("prevalence-bench-linkage")
        .config("spark.driver.memory", memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.local.dir", str(folder / "spark-local"))
        .config("spark.sql.shuffle.partitions", "16")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(str(folder / "spark-checkpoints"))
    return SparkAPI(spark_session=session)


def link(folder: Path, memory_limit: str, how: str) -> None:
    """In a process of its own: link the lists (files, frames read first, or files on
    Spark with ``memory_limit`` for its driver), write the figures."""
    from prevalence.linkage import link_case_lists

    warnings.simplefilter("ignore")
    names = ["police", "ngo", "shelter", "labour"]
    # one file per list, or a directory of one file per chunk
    files = {
        name: folder / name if (folder / name).is_dir() else folder / f"{name}.parquet"
        for name in names
    }
    frames = how == "frames"
    hashed = {k: pd.read_parquet(f) for k, f in files.items()} if frames else files
    read_mb = peak_mb()
    t0 = time.perf_counter()
    if how == "spark":
        backend = spark_backend(folder, memory_limit)
        result = link_case_lists(hashed, seed=1, backend=backend)
    else:
        result = link_case_lists(hashed, seed=1, memory_limit=memory_limit)
    t_link = time.perf_counter() - t0
    peak = peak_mb()
    jvm = descendants_peak_mb()
    truth = pd.read_parquet(folder / "truth.parquet")
    person = pd.Series(truth["person"].to_numpy(), index=truth["record"].to_numpy())
    linked = result.pairs[result.pairs["match_probability"] >= 0.5]
    same = person.loc[linked["record_l"]].to_numpy() == person.loc[linked["record_r"]].to_numpy()
    (folder / "link.json").write_text(
        json.dumps(
            {
                "link_s": t_link,
                "peak_mb": peak,
                "jvm_peak_mb": jvm,
                "lists_read_mb": read_mb,
                "true_linked": int(same.sum()),
                "precision": float(same.mean()),
                "pairs_scored": len(result.pairs),
            }
        )
    )


def main(
    per_list: int = 300_000,
    seed: int = 20261128,
    places: bool = False,
    memory_limit: str = "2GB",
    how: str = "files",
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        made = prepare(folder, per_list, seed, places)
        subprocess.run(
            [sys.executable, __file__, "--link", str(folder), memory_limit, how], check=True
        )
        got = json.loads((folder / "link.json").read_text())
    print(
        f"{made['records']:,.0f} records on four lists ({per_list:,} people per list on "
        f"average); seed {seed}; places of birth: {'yes, ' + str(PLACES) if places else 'no'}; "
        + (
            f"Spark local mode, driver memory {memory_limit}; lists given as parquet files"
            if how == "spark"
            else f"DuckDB memory_limit {memory_limit}; lists given as "
            f"{'DataFrames' if how == 'frames' else 'parquet files'}"
        )
    )
    print(
        f"time: simulate {made['simulate_s']:.0f} s, pseudonymise {made['pseudonymise_s']:.0f} s, "
        f"link {got['link_s']:.0f} s"
    )
    print(
        f"linking process: peak memory {got['peak_mb']:,.0f} MB "
        f"({got['lists_read_mb']:,.0f} MB before linking)"
        + (f"; its JVMs {got['jvm_peak_mb']:,.0f} MB" if got["jvm_peak_mb"] else "")
    )
    recall = got["true_linked"] / made["true_links"]
    print(
        f"at 0.5: precision {got['precision']:.4f}, recall {recall:.4f} "
        f"({got['true_linked']:,} of {made['true_links']:,.0f} true links); "
        f"{got['pairs_scored']:,} pairs kept"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--link":
        link(Path(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        args = sys.argv[1:]
        numbers = [int(a) for a in args if a.isdigit()]
        how = next((a for a in ("frames", "spark") if a in args), "files")
        default = "8g" if how == "spark" else "2GB"
        limit = next((a.split("=", 1)[1] for a in args if a.startswith("memory_limit=")), default)
        main(*numbers, places="places" in args, memory_limit=limit, how=how)
