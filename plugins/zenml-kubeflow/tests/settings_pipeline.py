"""A pipeline with Kubeflow step settings, for the compile tests."""

from zenml_core.pipelines import pipeline
from zenml_core.steps import step

HEAVY = {"cpu": "2", "memory": "4G", "gpu_type": "NVIDIA_TESLA_T4", "gpu_count": 2,
         "retries": 3, "environment": {"MODE": "fast"}}  # fmt: skip


@step
def prepare(count: int = 3) -> list[int]:
    return list(range(count))


@step(settings={"kubeflow": HEAVY})
def fit(values: list[int]) -> int:
    return sum(values)


@step
def report(total: int, values: list[int]) -> str:
    return f"{total} from {len(values)}"


@pipeline
def configured(count: int = 3) -> None:
    values = prepare(count=count)
    report(fit(values), values)


@step
def notify(message: str = "done") -> None:
    print(message)


@pipeline
def ordered() -> None:
    """``notify`` reads nothing from ``fit`` but must wait for it: ``after=``."""
    values = prepare()
    trained = fit(values)
    notify(after=trained)
