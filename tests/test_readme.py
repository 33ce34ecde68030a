"""The README's Python examples run as written."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2
    for block in blocks:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the examples must run cleanly
            exec(compile(block, str(README), "exec"), {})
    assert "difference" in capsys.readouterr().out
