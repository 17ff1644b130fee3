"""What a loaded artifact value looks like to a person: JSON as JSON, a frame's head, an array's
shape. ``zenml artifacts show --value`` prints these; the structure is plain JSON so scripts
(``--output json``) and run reports read the same thing.

Libraries are recognised by the value's type module, never imported here.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

HEAD_ROWS = 10
ARRAY_VALUES = 20
TEXT_CHARACTERS = 2000
BYTES_SHOWN = 32
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _is_json(value: Any) -> bool:
    try:
        return bool(json.loads(json.dumps(value)) == value)
    except (TypeError, ValueError):
        return False


def _json_cell(value: Any) -> Any:
    """One table cell as JSON: numbers and text as they are, anything else as its text."""
    if hasattr(value, "item") and callable(value.item):
        with contextlib.suppress(TypeError, ValueError):
            value = value.item()  # numpy scalars
    return value if _is_json(value) else str(value)


def _array_summary(array: Any) -> dict[str, float]:
    """Minimum, maximum and mean of a numeric array's finite values (empty otherwise)."""
    if array.dtype.kind not in "biuf" or array.size == 0:
        return {}
    import numpy as np

    finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
    if finite.size == 0:
        return {}
    return {"min": float(finite.min()), "max": float(finite.max()), "mean": float(finite.mean())}


def preview(value: Any) -> dict[str, Any]:
    """A JSON document describing ``value`` (``kind`` says which of the shapes below)."""
    module = type(value).__module__.partition(".")[0]
    kind = type(value).__name__
    if module == "pandas" and kind in ("DataFrame", "Series"):
        frame = value.to_frame() if kind == "Series" else value
        head = frame.head(HEAD_ROWS)
        return {
            "kind": kind.lower(),
            "shape": list(value.shape),
            "columns": {str(name): str(dtype) for name, dtype in frame.dtypes.items()},
            "head": [
                {str(column): _json_cell(cell) for column, cell in row.items()}
                for _, row in head.iterrows()
            ],
            "text": head.to_string(),
        }
    if module == "numpy" and kind == "ndarray":
        flat = value.reshape(-1)[:ARRAY_VALUES]
        return {
            "kind": "array",
            "shape": list(value.shape),
            "dtype": str(value.dtype),
            "values": [_json_cell(item) for item in flat],
            "truncated": value.size > ARRAY_VALUES,
            "summary": _array_summary(value),
        }
    if isinstance(value, bytes):
        if value.startswith(PNG_SIGNATURE):  # an image: reports show it inline
            import base64

            return {"kind": "image", "format": "png", "size": len(value),
                    "base64": base64.b64encode(value).decode("ascii")}  # fmt: skip
        return {"kind": "bytes", "size": len(value), "head": value[:BYTES_SHOWN].hex()}
    if _is_json(value):
        return {"kind": "json", "value": value}
    text = repr(value)
    return {
        "kind": "repr",
        "type": f"{type(value).__module__}.{type(value).__qualname__}",
        "text": text[:TEXT_CHARACTERS] + (" ..." if len(text) > TEXT_CHARACTERS else ""),
    }


def render(shown: dict[str, Any]) -> str:
    """The preview as text for a terminal."""
    kind = shown["kind"]
    if kind == "json":
        return json.dumps(shown["value"], indent=2, ensure_ascii=False)
    if kind in ("dataframe", "series"):
        rows, *rest = shown["shape"]
        size = f"{rows} rows x {rest[0]} columns" if rest else f"{rows} rows"
        more = f" (first {HEAD_ROWS})" if rows > HEAD_ROWS else ""
        return f"{shown['text']}\n[{size}{more}]"
    if kind == "array":
        shape = "x".join(str(n) for n in shown["shape"]) or "scalar"
        values = ", ".join(str(v) for v in shown["values"]) + (
            ", ..." if shown["truncated"] else ""
        )
        return f"array {shape} {shown['dtype']}: [{values}]"
    if kind == "image":
        return f"PNG image, {shown['size']} bytes"
    if kind == "bytes":
        return (
            f"{shown['size']} bytes: {shown['head']}{'...' if shown['size'] > BYTES_SHOWN else ''}"
        )
    return f"{shown['type']}: {shown['text']}"
