"""Conformance suites for plugin authors: test your orchestrator or store like ours are tested.

Subclass a suite in your own tests and provide its fixture::

    from zenml_core.testing.conformance import ArtifactStoreConformance

    class TestMyStore(ArtifactStoreConformance):
        @pytest.fixture
        def artifact_store(self, tmp_path):
            return MyStore(name="s", config=MyStoreConfig(...), root=tmp_path)

The pytest plugin (``zenml_core.testing.plugin``, loaded automatically once zenml-core is
installed) adds the fixtures the suites use: ``zenml_project`` and ``zenml_plugins``.
"""
