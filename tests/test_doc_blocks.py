"""The code blocks of the README and the guides run as written (zenml_core.testing.doc_blocks)."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import reset_mysql, run_zenml

from zenml_core.testing.doc_blocks import blocks, check_install_line, run_document
from zenml_core.testing.services import MYSQL

ROOT = Path(__file__).parents[1]
CORE_DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "CONTRIBUTING.md",
    ROOT / "plugins" / "README.md",
    ROOT / "contrib" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
PLUGIN_DOCUMENTS = [
    *sorted((ROOT / "plugins").glob("*/README.md")),
    *sorted((ROOT / "contrib").glob("*/README.md")),
]
# What each plugin README's blocks need: the tox env of that plugin runs them.
PLUGIN_NEEDS = {
    "zenml-docker": "docker",
    "zenml-kubeflow": "kubeflow",
    "zenml-aiplatform": "aiplatform",
    "zenml-tensorflow": "tensorflow",
    "zenml-dask": "dask",
    "zenml-beam": "beam",
    "zenml-airflow": "airflow",
    "zenml-subprocess": "subprocess",
}


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def mysql_block_environment() -> dict[str, str]:
    """The README's MySQL block, pointed at the test MariaDB through the usual overrides."""
    reset_mysql()
    return {
        "ZENML_METADATA_STORE__HOST": str(MYSQL["host"]),
        "ZENML_METADATA_STORE__PORT": str(MYSQL["port"]),
        "ZENML_METADATA_STORE__USER": str(MYSQL["user"]),
        "ZENML_METADATA_STORE__DATABASE": str(MYSQL["database"]),
        "ZENML_DB_PASSWORD": str(MYSQL["password"]),
    }


@pytest.mark.parametrize("document", CORE_DOCUMENTS, ids=_relative)
def test_the_documents_blocks_run_as_written(document: Path, git_repo: Path) -> None:
    assert run_zenml("init", cwd=git_repo).returncode == 0
    needs = {need for block in blocks(document) for need in block.needs}
    available = {"mysql": mysql_block_environment()} if "mysql" in needs else {}
    left_out = run_document(document, git_repo, root=ROOT, available=available)
    assert all(block.skip for block in left_out), [block.where for block in left_out]


@pytest.mark.parametrize("document", PLUGIN_DOCUMENTS, ids=_relative)
def test_plugin_readmes_mark_what_they_need_and_install_from_the_clone(document: Path) -> None:
    need = PLUGIN_NEEDS[document.parent.name]
    for block in blocks(document):
        if block.language not in ("python", "bash") or block.skip:
            continue
        assert need in block.needs, f"{block.where}: mark it `<!-- doc-test: needs {need} -->`"
        for line in block.text.replace("\\\n", " ").splitlines():
            if "pip install" in line and not block.installs:
                check_install_line(line, ROOT, block.where)


def test_every_runnable_block_of_the_readme_runs_here() -> None:
    runnable = [b for b in blocks(ROOT / "README.md") if b.language in ("python", "bash")]
    skipped = [b for b in runnable if b.skip]
    assert len(runnable) >= 10
    assert [b.skip for b in skipped] == ["the README's own set-up commands (CI runs both)"]


def test_markers_files_and_failures(tmp_path: Path) -> None:
    document = tmp_path / "guide.md"
    document.write_text(
        textwrap.dedent(
            """
            ```yaml
            # settings.yaml
            rows: 3
            ```

            <!-- doc-test: file shout.py -->
            ```python
            import yaml
            print(yaml.safe_load(open("settings.yaml"))["rows"] * "ho")
            ```

            <!-- doc-test: needs warp-drive -->
            ```bash
            engage
            ```

            <!-- doc-test: skip: a signature -->
            ```python
            def f(x: int) -> int
            ```

            ```bash
            pip install ./nowhere
            python shout.py | grep -q hohoho
            test "${FROM_SERVICE:-}" = set || exit 3
            ```
            """
        )
    )
    found = blocks(document)
    assert [(b.language, b.file, b.needs, b.skip) for b in found] == [
        ("yaml", "settings.yaml", (), None),
        ("python", "shout.py", (), None),
        ("bash", None, ("warp-drive",), None),
        ("python", None, (), "a signature"),
        ("bash", None, (), None),
    ]
    with pytest.raises(AssertionError, match=r"`pip install ./nowhere` installs './nowhere'"):
        run_document(document, tmp_path, root=ROOT)
    document.write_text(document.read_text().replace("./nowhere", "-e '.[mysql]'"))
    with pytest.raises(AssertionError, match=r"guide.md:\d+: the bash block failed \(exit 3\)"):
        run_document(document, tmp_path, root=ROOT)
    left_out = run_document(
        document, tmp_path, root=ROOT, env={"FROM_SERVICE": "set", "PATH": "/usr/bin:/bin"}
    )
    assert [b.needs or b.skip for b in left_out] == [("warp-drive",), "a signature"]
    assert (tmp_path / "shout.py").is_file()


def test_installs_name_clone_paths_and_declared_extras() -> None:
    check_install_line("pip install -e '.[ml,mysql]' ./plugins/zenml-docker docker", ROOT, "x")
    for line, message in [
        ("pip install zenml-core zenml-docker", "not a distribution in this clone"),
        ("pip install 'zenml-core[mysql]'", "not a distribution in this clone"),
        ("pip install '.[gpu]'", "asks for extra 'gpu'"),
    ]:
        with pytest.raises(AssertionError, match=message):
            check_install_line(line, ROOT, "x")


def test_a_bash_block_fails_with_its_location(tmp_path: Path) -> None:
    document = tmp_path / "g.md"
    document.write_text("text\n\n```bash\nfalse\n```\n")
    with pytest.raises(AssertionError, match=r"g.md:3: the bash block failed \(exit 1\)"):
        run_document(document, tmp_path, root=ROOT)
    assert subprocess.run(["true"]).returncode == 0
