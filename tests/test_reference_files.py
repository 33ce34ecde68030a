"""The reference files in tests/reference are the R packages' output, byte for byte.

``tests/reference/SHA256SUMS`` lists every reference file with the checksum it had when it was
copied from the workplace's shared reference folder (written with ``sha256sum``, not by this
package). The test recomputes each checksum, refuses files that are not listed (a value added
without provenance) and listed files that are missing; where the shared copies are beside the
repository (``../shared/reference``, on a developer's machine and in CI), it also compares
every listed file with its shared copy byte for byte, so that a change on either side shows.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .conftest import REFERENCE, REPO

SHARED = REPO.parent / "shared" / "reference"
# files of the folder that are not reference values: the provenance, the manifest itself and
# the attributes that keep git from converting line endings
NOT_LISTED = {"README.md", "SHA256SUMS", ".gitattributes"}


def _manifest() -> dict[str, str]:
    lines = (REFERENCE / "SHA256SUMS").read_text().splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split(maxsplit=1)
        listed[name.lstrip("*")] = digest
    return listed


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_reference_file_is_listed_with_its_checksum():
    listed = _manifest()
    present = {
        p.relative_to(REFERENCE).as_posix()
        for p in REFERENCE.rglob("*")
        if p.is_file() and p.name not in NOT_LISTED
    }
    assert present == set(listed), (
        f"unlisted: {sorted(present - set(listed))}, missing: {sorted(set(listed) - present)}"
    )
    changed = [name for name, digest in listed.items() if _sha256(REFERENCE / name) != digest]
    assert not changed, f"reference files changed since they were copied: {changed}"
    # the values and data the suite reads: five JSON files of R output, the data sets
    assert sum(name.startswith("values_") for name in listed) == 5
    assert len(listed) >= 30


def test_reference_files_equal_the_shared_copies_where_those_exist():
    """Byte for byte against ../shared/reference where that folder is beside the repository.

    On a fresh clone with nothing beside it there is nothing to compare with; the checksums
    above, taken from the shared copies, still tie each file to them."""
    listed = _manifest()
    if not SHARED.is_dir():
        return
    differ = [
        name
        for name in listed
        if not (SHARED / name).is_file()
        or (SHARED / name).read_bytes() != (REFERENCE / name).read_bytes()
    ]
    assert not differ, f"tests/reference differs from {SHARED}: {differ}"
