"""The implementations; importing this module stands in for importing a heavy library."""

from attrs import frozen

from zenml_core.artifact_stores.base import BaseArtifactStore
from zenml_core.backends.base import BaseProcessingBackend, BaseTrainingBackend
from zenml_core.metadata_stores.base import BaseMetadataStore
from zenml_core.orchestrators.base import BaseOrchestrator


@frozen
class TinyConfig:
    size: int = 1
    label: str = "tiny"
    verbose: bool = False


class TinyOrchestrator(BaseOrchestrator[TinyConfig]):
    pass


class TinyArtifactStore(BaseArtifactStore[TinyConfig]):
    pass


class TinyMetadataStore(BaseMetadataStore[TinyConfig]):
    pass


class TinyProcessingBackend(BaseProcessingBackend[TinyConfig]):
    pass


class TinyTrainingBackend(BaseTrainingBackend[TinyConfig]):
    pass


class TinyValue:
    pass


class TinyMaterializer:
    pass


class TinyStep:
    pass
