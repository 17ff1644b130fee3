"""The ML step hierarchy and SimplePipeline on the local stack."""

from __future__ import annotations

import io
import json
from pathlib import Path

import ml_steps
import numpy as np
import pandas as pd
import pytest
from conftest import Cli

from zenml_core.errors import ConfigError
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.pipelines import SimplePipeline
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository
from zenml_core.steps.ml.evaluation import ClassificationEvaluator, predicted_labels
from zenml_core.steps.ml.importers import CSVImporter, DataFrameImporter
from zenml_core.steps.ml.preprocessing import OneHotEncoderStep, StandardScalerStep
from zenml_core.steps.ml.split import SplitStep

# The sklearn models these tests train are pickled on purpose (no sklearn materializer here).
pytestmark = pytest.mark.filterwarnings("ignore:storing sklearn.linear_model")

QUIET = Reporter(io.StringIO())


def frame(rows: int = 100) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"x": rng.normal(5, 2, rows), "color": rng.choice(["red", "blue"], rows),
         "target": (np.arange(rows) % 4 == 0).astype(int)}
    )  # fmt: skip


def test_split_is_seeded_stratified_and_checked() -> None:
    data = frame(200)
    split = SplitStep({"train": 0.5, "eval": 0.25, "test": 0.25, "stratify": "target", "seed": 3})
    parts = split.entrypoint(data)
    assert [len(p) for p in parts] == [100, 50, 50]
    assert [p["target"].mean() for p in parts] == pytest.approx([0.25] * 3, abs=0.02)  # kept
    again = split.entrypoint(data)
    assert all(a.equals(b) for a, b in zip(parts, again, strict=True))
    with pytest.raises(
        ConfigError, match=r"must be fractions adding up to 1, got 0.5 \+ 0.5 \+ 0.25"
    ):
        SplitStep({"train": 0.5, "eval": 0.5, "test": 0.25}).entrypoint(data)
    with pytest.raises(ConfigError, match=r"step 'SplitStep': parameters: .*\(tran\)"):
        SplitStep({"tran": 0.5})


def test_preprocessors_fit_on_train_and_transform_all() -> None:
    train, other = frame(100), frame(40)
    scaled = StandardScalerStep().entrypoint(train, other, other)
    assert abs(scaled.train["x"].mean()) < 1e-9 and abs(scaled.train["x"].std(ddof=0) - 1) < 1e-9
    assert scaled.state["mean"] == {"x": pytest.approx(train["x"].mean())}
    assert scaled.train["target"].equals(train["target"])  # the label is left alone
    encoded = OneHotEncoderStep().entrypoint(train, other, other)
    assert sorted(c for c in encoded.test.columns if c.startswith("color=")) == [
        "color=blue",
        "color=red",
    ]
    assert "color" not in encoded.test.columns and encoded.state == {"color": ["blue", "red"]}


def test_the_classification_evaluator() -> None:
    class Constant:
        def predict(self, features: np.ndarray) -> np.ndarray:
            return np.full(len(features), 0.9)  # probabilities -> all ones

    test = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "target": [1, 1, 0, 0]})
    metrics = ClassificationEvaluator().evaluate(Constant(), test)
    assert metrics == {"accuracy": 0.5, "precision": 0.5, "recall": 1.0, "f1": 0.6667}
    assert list(predicted_labels(Constant(), np.zeros((2, 1)))) == [1, 1]


def test_simple_pipeline_trains_evaluates_and_caches(
    repo: Repository, plugins: PluginManager
) -> None:
    ml_steps.TRAINED.clear()
    run = ml_steps.breast_cancer(0.5).run(plugins=plugins, reporter=QUIET)
    assert list(run.steps) == ["importer", "split", "preprocess", "train", "evaluate"]
    metrics = run.steps["evaluate"].output.load()
    assert metrics["accuracy"] >= 0.9
    assert run.metadata == {"train": {"train_rows": 398}, "evaluate": metrics}
    assert run.steps["train"].record.parameters == {"label": "target", "regularization": 0.5}
    spec = run.record.spec
    assert next(s for s in spec["steps"] if s["name"] == "train")["config"] == {
        "label": "target",
        "regularization": 0.5,
    }
    again = ml_steps.breast_cancer(0.5).run(plugins=plugins, reporter=QUIET)
    assert {s.status for s in again.steps.values()} == {"cached"}
    assert again.metadata["evaluate"] == metrics  # metadata of the reused step run
    changed = ml_steps.breast_cancer(2.0).run(plugins=plugins, reporter=QUIET)
    statuses = {name: s.status for name, s in changed.steps.items()}
    assert statuses["preprocess"] == "cached" and statuses["train"] == "completed"
    assert ml_steps.TRAINED == [0.5, 2.0]


def test_a_users_own_split_logic(repo: Repository, plugins: PluginManager) -> None:
    run = ml_steps.breast_cancer(splitter=ml_steps.HeadTailSplit()).run(
        plugins=plugins, reporter=QUIET
    )
    sizes = [len(run.steps["split"].outputs[part].load()) for part in ("train", "eval", "test")]
    assert sizes == [400, 80, 89]


def test_function_and_class_steps_mix(repo: Repository, plugins: PluginManager) -> None:
    run = ml_steps.mixed.run(plugins=plugins, reporter=QUIET)
    assert list(run.steps) == [
        "PackageDatasetImporter", "drop_column", "SplitStep", "LogisticTrainer",
        "ClassificationEvaluator",
    ]  # fmt: skip
    assert "mean radius" not in run.steps["drop_column"].output.load().columns
    assert run.steps["ClassificationEvaluator"].output.load()["accuracy"] > 0.9


def test_importers(repo: Repository, plugins: PluginManager, tmp_path: Path) -> None:
    csv = tmp_path / "data.csv"
    frame(50).to_csv(csv, index=False)
    pipeline = SimplePipeline(
        importer=CSVImporter({"path": str(csv)}),
        trainer=ml_steps.LogisticTrainer(),
        evaluator=ClassificationEvaluator(),
        preprocessor=OneHotEncoderStep(),
        name="from_csv",
    )
    first = pipeline.run(plugins=plugins, reporter=QUIET)
    assert len(first.steps["importer"].output.load()) == 50
    second = pipeline.run(plugins=plugins, reporter=QUIET)
    assert second.steps["importer"].status == "completed"  # re-read: the file may change
    assert second.steps["split"].status == "cached"  # same content, so the rest is reused

    def in_memory(data: pd.DataFrame) -> SimplePipeline:
        return SimplePipeline(
            importer=DataFrameImporter(data),
            trainer=ml_steps.LogisticTrainer(),
            evaluator=ClassificationEvaluator(),
            preprocessor=OneHotEncoderStep(),
            name="in_memory",
        )

    in_memory(frame(60)).run(plugins=plugins, reporter=QUIET)
    assert (
        in_memory(frame(60)).run(plugins=plugins, reporter=QUIET).steps["importer"].status
        == "cached"
    )
    other = in_memory(frame(61)).run(plugins=plugins, reporter=QUIET)
    assert other.steps["importer"].status == "completed"


def test_steps_list_shows_the_step_classes(cli: Cli) -> None:
    rows = json.loads(cli("steps", "list", "--output", "json").stdout)
    names = {row["name"]: row for row in rows}
    for name in ("SplitStep", "TrainerStep", "EvaluatorStep", "CSVImporter", "StandardScalerStep"):
        assert names[name]["distribution"] == "zenml-core"
    assert names["TrainerStep"]["implementation"] == "zenml_core.steps.ml.training:TrainerStep"


@pytest.mark.parametrize(
    ("blocked", "code", "needed_by"),
    [
        (
            "pandas",
            "import zenml_core.steps.ml.split",
            "zenml_core.steps.ml (the ML step classes, SimplePipeline)",
        ),
        (
            "pyarrow",
            "import pandas, pathlib, tempfile\n"
            "from zenml_core.materializers.pandas import PandasMaterializer\n"
            "PandasMaterializer().save(pandas.DataFrame({'a': [1]}), "
            "pathlib.Path(tempfile.mkdtemp()))",
            "writing a DataFrame artifact (parquet)",
        ),
    ],
)
def test_without_the_ml_extra_the_error_names_it(blocked: str, code: str, needed_by: str) -> None:
    import subprocess
    import sys

    program = f"import sys\nsys.modules[{blocked!r}] = None\n{code}\n"
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"zenml_core.errors.MissingExtraError: {needed_by} needs {blocked}, which is not "
        "installed: install zenml-core's 'ml' extra (from a clone: pip install -e '.[ml]')"
    )
