"""The README runs as written: register the flavor, then copy the template, rename it by the
checklist, install the copy and run its tests (a third party's first hour)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from zenml_core.testing.doc_blocks import run_document, scratch_repository
from zenml_core.testing.sources import clean_copies

TEMPLATE = Path(__file__).parents[1]
CLONE = TEMPLATE.parents[1]


def test_the_readme_registers_renames_and_the_copy_passes_its_tests(tmp_path: Path) -> None:
    root = tmp_path / "clone"  # stands for the root of a clone: the template is at its place
    (root / "contrib").mkdir(parents=True)
    clean_copies([TEMPLATE], root / "contrib")
    scratch_repository(root)
    try:
        left_out = run_document(
            TEMPLATE / "README.md", root, root=CLONE, available={"subprocess": {}}
        )
        copy = root / "zenml-yourname"
        assert sorted(p.name for p in copy.iterdir() if not p.name.startswith(".")) == [
            "README.md", "build", "pyproject.toml", "tests", "zenml_yourname",
            "zenml_yourname.egg-info",
        ]  # fmt: skip
        record = subprocess.run(
            [sys.executable, "-m", "pip", "show", "--files", "zenml-yourname"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert "zenml_yourname/plugin.py" in record and "zenml_subprocess" not in record
    finally:
        subprocess.run(
            [sys.executable, "-m", "pip", "uninstall", "--quiet", "-y", "zenml-yourname"],
            check=False,
        )
    assert [block.skip for block in left_out] == [
        "a fragment (MyOrchestrator is yours)",
        "publishing uploads to PyPI",
    ]
