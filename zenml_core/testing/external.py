"""For tests of step entrypoints: a run recorded the way an external orchestrator records
one, with its spec and stack documents written for the step processes."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.repository import Repository
    from zenml_core.stack.stack import Stack


def new_project(root: Path, plugins: PluginManager) -> Repository:
    """A git repository with ``.zen/`` (the default stack) at ``root``."""
    from zenml_core.repository import Repository

    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return Repository.initialize(root, plugins=plugins)[0]


def record_external_run(
    repository: Repository, plugins: PluginManager, pipeline: Any, name: str
) -> tuple[Stack, PipelineSpec, str]:
    """Record a run of ``pipeline`` (from a process that is not alive: ``host`` elsewhere)
    and write ``spec.json`` and ``stack.json`` at the repository root; returns the stack, the
    spec and the run id."""
    from zenml_core.stack.builder import load_stack, stack_document

    stack = load_stack(repository, plugins=plugins, environ={})
    spec = pipeline.compile(plugins=plugins)
    run_id = uuid.uuid4().hex
    stack.metadata_store.create_run(
        run_id=run_id, name=name, pipeline=spec.name, stack_name=stack.name, stack={},
        spec=spec.to_dict(), parameters=spec.parameters, git_commit=None, git_dirty=None,
        host="elsewhere", pid=1,
    )  # fmt: skip
    (repository.root / "spec.json").write_text(spec.to_json())
    document = stack_document(stack, plugins.registry)
    (repository.root / "stack.json").write_text(json.dumps(document))
    return stack, spec, run_id
