"""A step is reused only if nothing it can reach in the user's project changed, by any path.

One scratch project, each step reaching its helper code or data another way; every edit runs
the pipeline again in a fresh process (as users do) and checks exactly which steps ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import git, run_zenml

HELPERS = """
    import functools
    import threading

    THRESHOLD = 3
    CONFIG = {"scale": 2, "names": ["a", "b"]}
    LOCK = threading.Lock()


    def base_scale(x, factor):
        return x * factor


    scale_by_two = functools.partial(base_scale, factor=2)


    def logged(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            return function(*args, **kwargs)

        return wrapper


    @logged
    def decorated(x):
        return x + 1


    @functools.lru_cache(maxsize=None)
    def memo(x):
        return x * 10


    class Multiplier:
        def __init__(self, factor):
            self.factor = factor

        def __call__(self, x):
            return x * self.factor


    TRIPLE = Multiplier(3)


    class Offset:
        def __init__(self, n):
            self.n = n

        def shift(self, x):
            return x + self.n


    OFFSET = Offset(5)


    def unrelated():
        return 0
"""

STEPS = """
    import helpers
    from helpers import LOCK, TRIPLE, decorated, memo, scale_by_two
    from zenml_core.pipelines import pipeline
    from zenml_core.steps import step

    LOCAL = {"k": [1, 2]}


    @step
    def s_threshold() -> int:
        return helpers.THRESHOLD


    @step
    def s_config() -> int:
        return helpers.CONFIG["scale"]


    @step
    def s_partial() -> int:
        return scale_by_two(1)


    @step
    def s_decorated() -> int:
        return decorated(1)


    @step
    def s_memo() -> int:
        return memo(1)


    @step
    def s_callable() -> int:
        return TRIPLE(1)


    @step
    def s_method() -> int:
        return helpers.OFFSET.shift(1)


    @step
    def s_lock() -> int:
        with LOCK:
            return 1


    @step
    def s_local() -> int:
        return len(LOCAL["k"])


    @pipeline
    def reach():
        for each in (
            s_threshold, s_config, s_partial, s_decorated, s_memo, s_callable, s_method,
            s_lock, s_local,
        ):
            each()
"""

RUN = """
    import json
    import warnings

    import steps
    from zenml_core.orchestrators.reporting import Reporter

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = steps.reach.run(reporter=Reporter(quiet=True))
    print(json.dumps({
        "statuses": {name: step.status for name, step in run.steps.items()},
        "parts": {name: step.record.cache_parts for name, step in run.steps.items()},
        "warnings": [str(w.message) for w in caught if "cache key" in str(w.message)],
    }))
"""

STEP_NAMES = {
    "s_threshold", "s_config", "s_partial", "s_decorated", "s_memo", "s_callable",
    "s_method", "s_lock", "s_local",
}  # fmt: skip


@pytest.fixture
def project(git_repo: Path) -> Path:
    for name, text in (("helpers.py", HELPERS), ("steps.py", STEPS), ("run.py", RUN)):
        (git_repo / name).write_text(textwrap.dedent(text))
    (git_repo / "unrelated.py").write_text("def other():\n    return 1\n")
    assert run_zenml("init", cwd=git_repo).returncode == 0
    git("add", ".", cwd=git_repo)
    return git_repo


def run_pipeline(project: Path) -> dict[str, object]:
    # No bytecode cache: an edit that keeps a file's size within the same second would
    # otherwise run the stale .pyc (Python's own cache, not zenml's).
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "run.py"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    document: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return document


def ran(document: dict[str, object]) -> set[str]:
    statuses = document["statuses"]
    assert isinstance(statuses, dict)
    return {name for name, status in statuses.items() if status == "completed"}


def edit(project: Path, file: str, old: str, new: str) -> None:
    path = project / file
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_every_path_into_the_project_is_part_of_the_key(project: Path) -> None:
    first = run_pipeline(project)
    assert ran(first) == STEP_NAMES
    again = run_pipeline(project)
    assert ran(again) == set()

    # the key's parts are recorded by module-qualified name
    parts = first["parts"]
    assert isinstance(parts, dict)
    assert "helpers.THRESHOLD" in parts["s_threshold"]["code"]
    assert {"steps.s_config", "helpers.CONFIG"} <= set(parts["s_config"]["code"])
    assert "helpers.base_scale" in parts["s_partial"]["code"]
    assert "helpers.Offset" in parts["s_method"]["code"]
    assert parts["s_threshold"]["version"] == "3"

    # values without stable content are left out, named once per step with the fix
    warnings = first["warnings"]
    assert isinstance(warnings, list)
    assert len(warnings) == 1
    assert "'s_lock'" in warnings[0] and "steps.LOCK" in warnings[0]
    assert "make it a parameter" in warnings[0]

    edits = [
        ("helpers.py", "THRESHOLD = 3", "THRESHOLD = 4", {"s_threshold"}),
        ("helpers.py", '"scale": 2', '"scale": 3', {"s_config"}),
        ("helpers.py", "factor=2)", "factor=5)", {"s_partial"}),
        ("helpers.py", "return x * factor", "return x * factor * 1", {"s_partial"}),
        ("helpers.py", "return x + 1", "return x + 2", {"s_decorated"}),
        ("helpers.py", "return x * 10", "return x * 11", {"s_memo"}),
        ("helpers.py", "return x * self.factor", "return x * self.factor * 1", {"s_callable"}),
        ("helpers.py", "Multiplier(3)", "Multiplier(4)", {"s_callable"}),
        ("helpers.py", "return x + self.n", "return x + self.n * 1", {"s_method"}),
        ("helpers.py", "Offset(5)", "Offset(6)", {"s_method"}),
        ("steps.py", '"k": [1, 2]', '"k": [1, 2, 3]', {"s_local"}),
        # what no step reaches changes nothing
        ("helpers.py", "return 0", "return 1", set()),
        ("unrelated.py", "return 1", "return 2", set()),
    ]
    for file, old, new, expected in edits:
        edit(project, file, old, new)
        assert ran(run_pipeline(project)) == expected, f"after {old!r} -> {new!r} in {file}"


def test_a_constant_changed_in_the_same_process_is_seen(repo: object) -> None:
    """Code is hashed once per process, plain data every time (a notebook edits it live)."""
    import sample_steps

    from zenml_core.execution.cache import code_hash

    before = code_hash(sample_steps.scaled)
    sample_steps.SCALE = 11
    try:
        assert code_hash(sample_steps.scaled) != before
    finally:
        sample_steps.SCALE = 10
    assert code_hash(sample_steps.scaled) == before


def test_a_constant_over_the_size_cap_is_named_instead_of_hashed(repo: object) -> None:
    import sample_steps

    from zenml_core.execution import cache as caching

    sample_steps.SCALE = "x" * (caching.MAX_CONSTANT_REPR + 1)  # type: ignore[assignment]
    try:
        parts = caching.code_parts(sample_steps.scaled)
        assert parts.unhashed == ("sample_steps.SCALE",)
        assert "sample_steps.SCALE" not in parts.parts
    finally:
        sample_steps.SCALE = 10


def test_a_container_that_holds_itself_and_a_function_is_walked_once(repo: object) -> None:
    import sample_steps

    from zenml_core.execution import cache as caching

    registry: dict[str, object] = {"scale": sample_steps.scaled}
    registry["self"] = registry

    def uses_registry(value: int) -> int:
        return registry["scale"](value)  # type: ignore[operator]

    parts = caching.code_parts(uses_registry)
    assert "sample_steps.scaled" in parts.parts  # reached through the container
