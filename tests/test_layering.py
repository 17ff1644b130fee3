"""The layering, pinned: the core imports no plugin, and its modules import each other without
cycles. Module-level imports must form no cycle at all; imports inside functions (lazy, to keep
start-up light) may only close the cycle listed below: a new one fails here."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "zenml_core"
PLUGIN_PACKAGES = ("zenml_docker", "zenml_kubeflow", "zenml_aiplatform", "zenml_tensorflow",
                   "zenml_subprocess")  # fmt: skip
# ``Client.resume`` (the read API's shortcut) starts a run, and a run's result is a read-API
# object (``PipelineRun``): one call each way, both inside functions.
KNOWN_LAZY_CYCLES = [
    {"zenml_core.client", "zenml_core.pipelines.resume", "zenml_core.pipelines.run"}
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in CORE.rglob("*.py"):
        name = ".".join(path.relative_to(CORE.parent).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path, *, lazy: bool, modules: frozenset[str] = frozenset()) -> list[str]:
    """Modules imported at run time (not under TYPE_CHECKING); ``lazy`` adds those imported
    inside functions. ``from package import submodule`` counts as importing the submodule."""
    found: list[str] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.ImportFrom) and child.module and (lazy or not in_function):
                named = [f"{child.module}.{alias.name}" for alias in child.names]
                submodules = [name for name in named if name in modules]
                found.extend(submodules if len(submodules) == len(named) else [child.module])
            elif isinstance(child, ast.Import) and (lazy or not in_function):
                found.extend(alias.name for alias in child.names)
            visit(child, inside)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def _cycles(lazy: bool) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    modules = _modules()
    names = frozenset(modules)
    graph = {
        module: {i for i in _imports(path, lazy=lazy, modules=names) if i in names and i != module}
        for module, path in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def strong(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                strong(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for module in sorted(graph):
        if module not in index:
            strong(module)
    return components


def test_the_core_imports_no_plugin_anywhere() -> None:
    for name, path in _modules().items():
        plugins = [i for i in _imports(path, lazy=True) if i.split(".")[0] in PLUGIN_PACKAGES]
        assert plugins == [], f"{name} imports {plugins}: the core may not depend on a plugin"


def test_module_level_imports_of_the_core_form_no_cycle() -> None:
    assert _cycles(lazy=False) == []


def test_lazy_imports_close_no_cycle_beyond_the_known_ones() -> None:
    unexpected = [cycle for cycle in _cycles(lazy=True) if cycle not in KNOWN_LAZY_CYCLES]
    assert unexpected == []
