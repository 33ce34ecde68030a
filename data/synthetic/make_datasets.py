"""Write the named synthetic data sets of prevalence.datasets into this folder.

    python data/synthetic/make_datasets.py [DIR]

Every data set comes from a fixed seed: running this again reproduces the files byte for byte
(tests/test_datasets.py checks it).
"""

import sys

from prevalence.datasets import DATA_DIR, GENERATORS, write_all

if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else DATA_DIR
    for path in write_all(target):
        print(f"wrote {path}  ({GENERATORS[path.stem][1]})")
