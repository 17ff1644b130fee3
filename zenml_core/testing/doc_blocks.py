"""Run the code blocks of a Markdown document as written, so that the docs cannot rot.

A document's ``python`` and ``bash`` blocks run in order in one scratch repository. A block
whose first line is a ``# NAME.py`` or ``# NAME.yaml`` comment is written there as that file
first (a Python file is then run, so a ``__main__`` guard decides what running it does). An HTML
comment on the line before a block says what the block needs (invisible when rendered)::

    <!-- doc-test: file pipeline.py -->        write the block as pipeline.py (then run it)
    <!-- doc-test: needs mysql -->             run only where the ``mysql`` service is given
    <!-- doc-test: skip: a signature -->       never run; the reason is required

Markers combine with commas (``file pipeline.py, needs docker``). ``pip install`` lines are not
run (the environment is the one under test); each is checked to install zenml distributions
from this clone (a path, with declared extras), never by name from a package index. A block
marked ``installs`` runs its pip commands as written (it installs something it made itself).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from attrs import frozen

RUNNABLE = ("python", "bash")
_MARKER = re.compile(r"<!--\s*doc-test:\s*(.*?)\s*-->")
_FENCE = re.compile(r"^(\s*)```([\w-]*)\s*$")  # also indented, inside a list item


@frozen
class Block:
    """One fenced code block and what its marker says about it."""

    document: Path
    line: int  # of the opening fence
    language: str
    text: str
    file: str | None = None
    needs: tuple[str, ...] = ()
    skip: str | None = None
    installs: bool = False  # its pip commands run (they install what the block made)

    @property
    def where(self) -> str:
        return f"{self.document.name}:{self.line}"


def _marker_fields(marker: str, where: str) -> dict[str, object]:
    fields: dict[str, object] = {}
    if marker.startswith("skip:"):
        reason = marker.removeprefix("skip:").strip()
        if not reason:
            raise ValueError(f"{where}: `doc-test: skip:` needs a reason")
        return {"skip": reason}
    needs: list[str] = []
    for part in filter(None, (p.strip() for p in marker.split(","))):
        word, _, value = part.partition(" ")
        if word == "file" and value:
            fields["file"] = value.strip()
        elif word == "needs" and value:
            needs.append(value.strip())
        elif word == "installs" and not value:
            fields["installs"] = True
        else:
            raise ValueError(
                f"{where}: unknown doc-test marker {part!r} (file, needs, installs, skip:)"
            )
    fields["needs"] = tuple(needs)
    return fields


def blocks(document: Path) -> list[Block]:
    """Every fenced block of ``document`` with the marker written just before it."""
    found: list[Block] = []
    lines = document.read_text().splitlines()
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if not fence or not fence.group(2):
            index += 1
            continue
        start, indent = index, fence.group(1)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].strip().startswith("```")),
            len(lines),
        )
        where = f"{document.name}:{start + 1}"
        previous = lines[start - 1] if start else ""
        marker = _MARKER.search(previous)
        fields = _marker_fields(marker.group(1), where) if marker else {}
        text = "\n".join(line.removeprefix(indent) for line in lines[start + 1 : end]) + "\n"
        language = fence.group(2)
        first = text.splitlines()[0] if text.strip() else ""
        named = re.fullmatch(r"#\s*(\S+\.(?:ya?ml|py))\s*", first)
        if named and "file" not in fields and language in ("yaml", "python"):
            fields["file"] = named.group(1)
        found.append(Block(document, start + 1, language, text, **fields))  # type: ignore[arg-type]
        index = end + 1
    return found


def _name_and_extras(pyproject: Path) -> tuple[str, set[str]]:
    """The distribution name and extras a pyproject.toml declares (tomllib is 3.11+)."""
    text = pyproject.read_text()
    name = re.search(r'^name = "([^"]+)"', text, re.MULTILINE)
    section = re.search(r"^\[project\.optional-dependencies\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    extras = re.findall(r"^([\w-]+) = \[", section.group(1), re.MULTILINE) if section else []
    return (name.group(1) if name else pyproject.parent.name), set(extras)


def check_install_line(line: str, root: Path, where: str) -> None:
    """A ``pip install`` of zenml distributions names paths in this clone and real extras."""
    words = shlex.split(line, comments=True)
    if "install" not in words:
        return
    for word in words[words.index("install") + 1 :]:
        if word.startswith("-"):
            continue
        name, _, extras = word.partition("[")
        if not (name.startswith((".", "/")) or "zenml" in name):
            continue  # a third-party package from the index
        target = (root / name).resolve()
        if not (target / "pyproject.toml").is_file():
            raise AssertionError(
                f"{where}: `{line.strip()}` installs {word!r}, which is not a distribution in "
                "this clone; zenml distributions are installed from a clone by path"
            )
        name, known = _name_and_extras(target / "pyproject.toml")
        for extra in filter(None, extras.rstrip("]").split(",")):
            if extra.strip() not in known:
                raise AssertionError(
                    f"{where}: {word!r} asks for extra {extra.strip()!r}; "
                    f"{name} declares {sorted(known)}"
                )


def _bash_without_installs(block: Block, root: Path) -> str:
    """The block's script with ``pip install`` commands checked and left out."""
    if block.installs:
        return "set -euo pipefail\n" + block.text
    kept: list[str] = []
    joined = block.text.replace("\\\n", " ")
    for line in joined.splitlines():
        if re.match(r"\s*(\S*/)?pip3? install\b", line):
            check_install_line(line, root, block.where)
        else:
            kept.append(line)
    return "set -euo pipefail\n" + "\n".join(kept) + "\n"


def zenml_output(*arguments: str, cwd: Path) -> str:
    """What this interpreter's ``zenml`` command prints (it must succeed), e.g. to check what
    a document left: ``zenml_output("runs", "show", "latest", cwd=folder)``."""
    command = [str(Path(sys.executable).with_name("zenml")), *arguments]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"zenml {' '.join(arguments)} failed: {result.stderr}")
    return result.stdout


def scratch_repository(folder: Path) -> Path:
    """``folder`` made a git repository where ``zenml init`` ran: where documents run."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    zenml_output("init", cwd=folder)
    return folder


def run_document(
    document: Path,
    cwd: Path,
    *,
    root: Path,
    available: Mapping[str, Mapping[str, str]] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> list[Block]:
    """Run ``document``'s blocks in ``cwd``; returns the blocks left out (skip or needs).

    ``available`` maps each service this environment has to the variables a block that needs it
    runs with (``ZENML_METADATA_STORE__HOST=...``: the usual overrides point the documented
    commands at the test's service). Raises ``AssertionError`` naming the block (file and
    line) and its output when one fails. Blocks run with this interpreter, its ``bin`` folder
    first on ``PATH``.
    """
    available = available or {}
    environment = dict(os.environ if env is None else env)
    bin_folder = str(Path(sys.executable).parent)
    environment["PATH"] = bin_folder + os.pathsep + environment.get("PATH", "")
    left_out: list[Block] = []
    for block in blocks(document):
        if block.skip or not set(block.needs) <= set(available):
            if block.language == "bash":  # its installs still have to name real things
                _bash_without_installs(block, root)
            left_out.append(block)
            continue
        block_env = dict(environment)
        for need in block.needs:
            block_env.update(available[need])
        if block.file:
            (cwd / block.file).write_text(block.text)
        if block.language == "python":
            script = cwd / (block.file or f"doc_block_{block.line}.py")
            script.write_text(block.text)
            command = [sys.executable, script.name]
        elif block.language == "bash":
            command = ["bash", "-c", _bash_without_installs(block, root)]
        else:
            continue
        result = subprocess.run(
            command, cwd=cwd, env=block_env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise AssertionError(
                f"{block.where}: the {block.language} block failed (exit {result.returncode})\n"
                f"--- block\n{block.text}--- stdout\n{result.stdout}--- stderr\n{result.stderr}"
            )
    return left_out
