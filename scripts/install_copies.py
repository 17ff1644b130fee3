"""``pip install`` distribution folders from temporary copies of their source, so that no
``build/`` or ``*.egg-info`` lands in the tree (see ``zenml_core.testing.sources``). tox
installs the plugins through it::

    python scripts/install_copies.py [PIP FLAGS] FOLDER...
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from zenml_core.testing.sources import clean_copies


def main(arguments: list[str]) -> int:
    options = [a for a in arguments if a.startswith("-")]  # flags only: --quiet, --no-deps
    folders = [a for a in arguments if not a.startswith("-")]
    with tempfile.TemporaryDirectory(prefix="zenml-install-") as scratch:
        copies = clean_copies(folders, Path(scratch))
        command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
        return subprocess.run([*command, *options, *copies]).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
