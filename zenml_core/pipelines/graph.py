"""Text pictures of a pipeline's DAG: Mermaid (renders on GitHub) and Graphviz DOT."""

from __future__ import annotations

from zenml_core.pipelines.spec import PipelineSpec


def _edges(spec: PipelineSpec) -> list[tuple[str, str, str]]:
    return [
        (wire.step, step.name, f"{wire.output} → {input_name}")
        for step in spec.steps
        for input_name, wire in step.inputs.items()
        if not wire.external
    ]


def _order_edges(spec: PipelineSpec) -> list[tuple[str, str]]:
    """``after=`` orderings: no data flows along them."""
    return [(before, step.name) for step in spec.steps for before in step.after]


def to_mermaid(spec: PipelineSpec) -> str:
    lines = ["flowchart TD"]
    lines += [f'    {step.name}["{step.name}"]' for step in spec.steps]
    lines += [f"    {source} -->|{label}| {target}" for source, target, label in _edges(spec)]
    lines += [f"    {source} -.->|after| {target}" for source, target in _order_edges(spec)]
    return "\n".join(lines)


def to_dot(spec: PipelineSpec) -> str:
    lines = [f'digraph "{spec.name}" {{', "    rankdir=LR;", "    node [shape=box];"]
    lines += [f'    "{step.name}";' for step in spec.steps]
    lines += [
        f'    "{source}" -> "{target}" [label="{label}"];' for source, target, label in _edges(spec)
    ]
    lines += [
        f'    "{source}" -> "{target}" [label="after", style=dashed];'
        for source, target in _order_edges(spec)
    ]
    lines.append("}")
    return "\n".join(lines)
