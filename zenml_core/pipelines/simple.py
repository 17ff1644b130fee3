"""``SimplePipeline``: importer -> split -> preprocess -> train -> evaluate, wired for you.

::

    pipeline = SimplePipeline(
        importer=PackageDatasetImporter({"loader": "sklearn.datasets:load_breast_cancer"}),
        splitter=SplitStep({"stratify": "target"}),
        preprocessor=StandardScalerStep(),
        trainer=MyTrainer({"epochs": 20}),
        evaluator=ClassificationEvaluator(),
    )
    run = pipeline()
    run.steps["evaluate"].output.load()    # the metrics
"""

from __future__ import annotations

from typing import Any

from zenml_core.errors import PipelineDefinitionError
from zenml_core.pipelines.pipeline import Pipeline
from zenml_core.steps.base import BaseStep


class SimplePipeline(Pipeline):
    """A training pipeline with pre-decided slots; pass an instance of a step class for each.

    The steps are named ``importer``, ``split``, ``preprocess``, ``train`` and ``evaluate``
    unless given other names. ``splitter`` defaults to a 70/15/15 ``SplitStep``;
    ``preprocessor`` is optional.
    """

    def __init__(
        self,
        *,
        importer: BaseStep,
        trainer: BaseStep,
        evaluator: BaseStep,
        splitter: BaseStep | None = None,
        preprocessor: BaseStep | None = None,
        name: str = "simple_pipeline",
        enable_cache: bool = True,
    ) -> None:
        from zenml_core.steps.ml.split import SplitStep

        splitter = splitter if splitter is not None else SplitStep()
        for slot, step, default in (
            ("importer", importer, "importer"),
            ("splitter", splitter, "split"),
            ("preprocessor", preprocessor, "preprocess"),
            ("trainer", trainer, "train"),
            ("evaluator", evaluator, "evaluate"),
        ):
            if step is None:
                continue
            if not isinstance(step, BaseStep):
                raise PipelineDefinitionError(f"{slot} must be a step instance, got {step!r}")
            if step._name is None:
                step._name = default

        def simple_pipeline() -> Any:
            parts = splitter(importer())
            train, eval_, test = parts.train, parts.eval, parts.test
            if preprocessor is not None:
                processed = preprocessor(train, eval_, test)
                train, eval_, test = processed.train, processed.eval, processed.test
            evaluator(trainer(train, eval_), test)

        super().__init__(simple_pipeline, name=name, enable_cache=enable_cache)
        self.slots = {
            "importer": importer,
            "splitter": splitter,
            "preprocessor": preprocessor,
            "trainer": trainer,
            "evaluator": evaluator,
        }
