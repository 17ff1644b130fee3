"""The one error hierarchy. Every message names the thing that is wrong and how to fix it."""


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


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception's message on one line, shortened: for errors that quote a remote answer."""
    return " ".join(str(exc).split())[:limit]
