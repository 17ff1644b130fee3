"""Docker orchestrator benchmarks: per-step cost against a bare ``docker run`` of the same
image, and the time to decide that an unchanged project needs no new image."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).parents[1]
CHAIN = """
from zenml_core.pipelines import pipeline
from zenml_core.steps import step


@step(enable_cache=False)
def first() -> int:
    return 1


@step(enable_cache=False)
def add_one(value: int) -> int:
    return value + 1


@pipeline
def chain():
    value = first()
    for _ in range({length}):
        value = add_one(value)
"""


def _zenml(*args: str, cwd: Path) -> None:
    subprocess.run(
        [str(Path(sys.executable).with_name("zenml")), *args], cwd=cwd, check=True,
        capture_output=True,
    )  # fmt: skip


def run_all(repeat: int, base_image: str = "zenml-python-base:3.11") -> list[dict[str, Any]]:
    import docker
    from zenml_docker.image import ensure_image, image_recipe

    from zenml_core.orchestrators.reporting import Reporter
    from zenml_core.pipelines.loading import load_pipeline
    from zenml_core.plugin.manager import create_plugin_manager
    from zenml_core.repository import Repository
    from zenml_core.stack.builder import load_stack

    client = docker.from_env()
    client.ping()
    length = 5
    with tempfile.TemporaryDirectory(prefix="zenml-bench-docker-", dir="/var/tmp") as scratch:
        root = Path(scratch) / "project"
        root.mkdir()
        wheels = Path(scratch) / "wheels"
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "-w", str(wheels), str(REPOSITORY),
             str(REPOSITORY / "plugins" / "zenml-docker")],
            check=True,
        )  # fmt: skip
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        (root / "chain.py").write_text(CHAIN.format(length=length - 1))
        _zenml("init", cwd=root)
        _zenml(
            "orchestrator", "register", "containers", "--flavor", "docker",
            f"--base_image={base_image}", f"--wheelhouse={wheels}", "--network=none", cwd=root,
        )  # fmt: skip
        _zenml(
            "stack", "register", "d", "-a", "default", "-m", "default", "-o", "containers",
            "--set", cwd=root,
        )  # fmt: skip
        plugins = create_plugin_manager()
        repository = Repository(root)
        stack = load_stack(repository, plugins=plugins, environ={})
        sys.path.insert(0, str(root))
        pipeline = load_pipeline(str(root / "chain.py") + ":chain")
        quiet = Reporter(quiet=True)

        def one_run() -> float:
            began = time.perf_counter()
            pipeline.run(stack=stack, plugins=plugins, reporter=quiet)
            return time.perf_counter() - began

        one_run()  # builds the image
        per_step = statistics.median(one_run() for _ in range(max(3, repeat // 2))) / length
        recipe = image_recipe(stack.orchestrator.config, stack, plugins, repository.root)
        image, _ = ensure_image(client, recipe)

        def bare() -> float:
            began = time.perf_counter()
            client.containers.run(
                image, ["python3", "-c", "pass"], remove=True, network_mode="none"
            )
            return time.perf_counter() - began

        bare()
        bare_run = statistics.median(bare() for _ in range(repeat))

        def check() -> float:
            began = time.perf_counter()
            ensure_image(client, recipe)
            return time.perf_counter() - began

        no_change = statistics.median(check() for _ in range(repeat))
    ratio = per_step / bare_run
    return [
        row("bare docker run of the step image", bare_run, "s", None, None, "0.27 s"),
        row(f"docker orchestrator, per step (chain of {length})", per_step, "s", bare_run,
            1.3 * bare_run, "-"),
        row("per step / bare docker run", ratio, "x", 1.0, 1.3, "-"),
        row("decide an unchanged project needs no new image", no_change, "s", None, 0.2, "-"),
    ]  # fmt: skip


def row(
    name: str, value: float, unit: str, floor: float | None, target: float | None, reference: str
) -> dict[str, Any]:
    return {
        "benchmark": name,
        "value": round(value, 3),
        "unit": unit,
        "floor": None if floor is None else round(floor, 3),
        "target": None if target is None else round(target, 3),
        "zenml_0_98": reference,
        "ok": None if target is None else value <= target,
    }
