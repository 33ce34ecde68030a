"""Start-up time (issue 20): ``import prevalence``, the command line, and the first estimator.

Each figure is the median of five fresh interpreters on this machine; the target for
``import prevalence`` is 0.6 s (it was 1.5 s before public names were loaded lazily).

    .venv/bin/python benchmarks/bench_import.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

CASES = {
    "python -c pass": "pass",
    "import prevalence": "import prevalence",
    "from prevalence import LogLinearMSE": "from prevalence import LogLinearMSE",
    "from prevalence import SurveyPrevalence": "from prevalence import SurveyPrevalence",
}


def median_seconds(code: str, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    for label, code in CASES.items():
        print(f"{label:42s} {median_seconds(code):6.2f} s")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "prevalence", "--help"], check=True, capture_output=True)
    print(f"{'prevalence --help':42s} {time.perf_counter() - t0:6.2f} s")


if __name__ == "__main__":
    main()
