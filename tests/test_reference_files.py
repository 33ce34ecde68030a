"""The reference files the tests read are the ones their values were checked against.

The R values and data sets live in ``../shared/reference`` beside the repository and are not
committed. ``tests/reference/SHA256SUMS`` (written with ``sha256sum``, not by this package)
records the checksum of every file the tests and benchmarks read, and
``tests/reference/README.md`` its provenance. The test recomputes each checksum from the
shared folder, so a reference file that changed, or went missing, is caught before the tests
that read it silently compare with other numbers. Without the folder it skips, as every test
that reads it does.
"""

from __future__ import annotations

import hashlib

from .conftest import REFERENCE, REPO, reference_file

MANIFEST = REPO / "tests" / "reference" / "SHA256SUMS"


def _manifest() -> dict[str, str]:
    listed = {}
    for line in MANIFEST.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.lstrip("*")] = digest
    return listed


def test_the_manifest_lists_the_values_and_data_the_tests_read():
    listed = _manifest()
    assert sum(name.startswith("values_") for name in listed) == 5
    assert sum(name.startswith("data/") for name in listed) == 25
    assert all(len(digest) == 64 for digest in listed.values())


def test_the_reference_files_are_the_ones_the_tests_were_written_against():
    listed = _manifest()
    reference_file("values_mse.json")  # skips with the reason when the folder is absent
    changed = [
        name
        for name, digest in listed.items()
        if not (REFERENCE / name).is_file()
        or hashlib.sha256((REFERENCE / name).read_bytes()).hexdigest() != digest
    ]
    assert not changed, f"reference files missing or changed in {REFERENCE}: {changed}"
