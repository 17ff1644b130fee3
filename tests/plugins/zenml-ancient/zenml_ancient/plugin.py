"""Would register an orchestrator; must never be loaded by an incompatible zenml-core."""

from zenml_core import hookimpl


@hookimpl
def zenml_register_orchestrators(registry):
    registry.add("ancient", implementation="zenml_ancient:Nothing", config="zenml_ancient:Nothing")
