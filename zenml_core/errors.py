"""The one error hierarchy. Every message names the thing that is wrong and how to fix it.

Every public error class lives here, so `from zenml_core.errors import ...` finds each one
(the modules that raise them import them from here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zenml_core.client import PipelineRun


class ZenMLError(Exception):
    """Base of every error zenml raises on purpose; the CLI prints it as one line."""


class ConfigError(ZenMLError):
    """A configuration file, value or environment variable is malformed."""


class RepositoryError(ZenMLError):
    """No zenml repository (or no git repository) where one is needed."""


class PluginError(ZenMLError):
    """A plugin is misbehaving: bad registration, unimportable implementation, wrong object."""


class DuplicateRegistrationError(PluginError):
    """Two plugins (or one plugin twice) registered the same flavor, materializer or step class."""


class UnknownFlavorError(ZenMLError):
    """A component refers to a flavor that no installed plugin registers."""


class StackError(ZenMLError):
    """A stack or component operation is not allowed (unknown name, still in use, active)."""


class WrongComponentKindError(StackError, TypeError):
    """A stack slot was given a component of another kind (also a TypeError: a wrong type)."""


class ArtifactStoreError(ZenMLError):
    """An artifact URI is invalid, outside the store, missing, or already written."""


class ArtifactIntegrityError(ArtifactStoreError):
    """An artifact's files are not what was recorded when it was written."""


class MetadataNotFoundError(ZenMLError):
    """A run, step run or artifact asked for does not exist."""


class MetadataStoreError(ZenMLError):
    """The database cannot be used (damaged, full, read-only, unreachable)."""


class RunClosedError(MetadataStoreError):
    """A step tried to record into a run that has already ended (reaped, or closed)."""


class ManifestError(ZenMLError):
    """A manifest in the artifact store cannot be read (damaged, truncated, not a manifest)."""


class StepContextError(ZenMLError):
    """``step_context()``/``log_metadata`` used outside a step, or with values it cannot keep."""


class AmbiguousOutputError(ZenMLError):
    """``.output`` of a step run that has no output or several: name the one you want."""


class HookError(PluginError):
    """A plugin's lifecycle hook raised; the message names the plugin and the hook."""


class SchemaVersionError(ZenMLError):
    """The database was written by a newer zenml-core."""


class RebuildError(ZenMLError):
    """The target store is not empty, or not a SQL store."""


class NotMaterializableError(ZenMLError):
    """This materializer cannot store this particular value (the registry then falls back)."""


class NameTooLongError(ZenMLError):
    """A pipeline, step or output name is longer than MAX_NAME_LENGTH characters."""


class MissingExtraError(ZenMLError, ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


class PipelineDefinitionError(ZenMLError):
    """A pipeline's DAG is invalid: a cycle, an unknown step or output, a bad wiring."""


class PipelineNotFoundError(ZenMLError):
    """``FILE.py:FUNC`` does not name a pipeline."""


class PipelineRunAtImportError(PipelineDefinitionError):
    """A file imported for its definitions calls a pipeline at module level."""


class PipelineRunFailedError(ZenMLError):
    """A run ended ``failed``; ``run`` is its record (see ``zenml runs show``)."""

    def __init__(self, message: str, run: PipelineRun) -> None:
        super().__init__(message)
        self.run = run


class ResumeError(ZenMLError):
    """A run cannot be resumed (still running, completed, or its code changed)."""


class StepDefinitionError(ZenMLError):
    """A step's signature cannot be used (unresolvable annotation, *args, ...)."""


class StepExecutionError(ZenMLError):
    """The user's step code (or its outputs) failed; the message is one line."""


class SourceError(ZenMLError):
    """An object cannot be named by an importable source, or a source cannot be loaded."""


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception's message on one line, shortened: for errors that quote a remote answer."""
    return " ".join(str(exc).split())[:limit]


class ScheduleError(ZenMLError):
    """A schedule cannot be created, found or changed (or this orchestrator has no scheduler)."""
