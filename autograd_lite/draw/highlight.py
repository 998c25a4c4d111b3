"""Which nodes of a drawing are coloured, and how: marked nodes and a check report's verdicts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from ..core.value import Value

__all__ = ["LEGEND", "STYLES", "VERDICTS", "highlight_kinds"]

# How a highlighted node looks, by kind. "mark" is a node passed in by the caller.
STYLES: Final[dict[str, dict[str, str]]] = {
    "wrong": {"style": "filled", "fillcolor": "#f6b0b0", "color": "#c62828", "penwidth": "2"},
    "unclear": {"style": "filled", "fillcolor": "#fff1b8", "color": "#a07800"},
    "kink": {"style": "filled", "fillcolor": "#e3d7f7", "color": "#6a3fb5"},
    "ok": {"style": "filled", "fillcolor": "#bfe6cb", "color": "#2e7d32"},
    "mark": {"style": "filled", "fillcolor": "#cfe2ff", "color": "#1f5fbf", "penwidth": "2"},
}


LEGEND: Final = {
    "wrong": "red: WRONG",
    "unclear": "yellow: unclear",
    "kink": "purple: kink",
    "ok": "green: ok",
}


# Verdict words a check report or mapping may use, and the kind each one maps to
# (autograd_lite.check.report uses "ok", "WRONG", "kink" and "unclear").
VERDICTS: Final[dict[str, str | None]] = {
    "ok": "ok",
    "pass": "ok",
    "passed": "ok",
    "wrong": "wrong",
    "fail": "wrong",
    "failed": "wrong",
    "kink": "kink",
    "unclear": "unclear",
    "not checked": None,
    "unchecked": None,
    "skipped": None,
}


def highlight_kinds(highlight: Any, order: list[Value]) -> tuple[dict[Value, str], str]:
    """Map nodes to a highlight kind (``wrong``, ``ok``, ``mark``...) and make the legend.

    A report is matched to the drawn graph by node where it knows its nodes (drawing
    ``report.loss``) and by label otherwise (drawing your own graph of the same function).
    """
    if highlight is None:
        return {}, ""
    if isinstance(highlight, Value):
        return {highlight: "mark"}, ""
    verdicts: dict[Any, str | None]
    if callable(getattr(highlight, "verdicts", None)):  # autograd_lite.check.report.GradientReport
        verdicts = {k: _verdict_kind(v) for k, v in highlight.verdicts().items()}
        if callable(getattr(highlight, "node_verdicts", None)):
            verdicts |= {k: _verdict_kind(v) for k, v in highlight.node_verdicts().items()}
    elif hasattr(highlight, "entries") or hasattr(highlight, "rows"):
        rows = highlight.entries if hasattr(highlight, "entries") else highlight.rows
        verdicts = {}
        for row in rows:
            kind = _verdict_of(row)
            verdicts[_row_field(row, "name")] = kind
            node = _row_field(row, "node")
            if isinstance(node, Value):
                verdicts[node] = kind
    elif isinstance(highlight, Mapping):
        verdicts = {key: _verdict_kind(value) for key, value in highlight.items()}
    elif isinstance(highlight, Iterable) and not isinstance(highlight, str):
        marked = list(highlight)
        for item in marked:
            if not isinstance(item, Value):
                raise TypeError(
                    "highlight: expected Values, a check_gradients report or a mapping of "
                    f"nodes to verdicts, got an iterable holding {type(item).__name__} {item!r}"
                )
        return dict.fromkeys(marked, "mark"), ""
    else:
        raise TypeError(
            "highlight: expected a Value, Values, a check_gradients report or a mapping of "
            f"nodes to verdicts, got {type(highlight).__name__}"
        )

    kinds: dict[Value, str] = {}
    for node in order:
        kind = verdicts.get(node)
        if kind is None and node.label is not None:
            kind = verdicts.get(node.label)
        if kind is not None:
            kinds[node] = kind
    counts = {k: sum(1 for v in kinds.values() if v == k) for k in LEGEND}
    legend = ", ".join(f"{LEGEND[k]} ({n})" for k, n in counts.items() if n)
    return kinds, legend


def _row_field(row: Any, name: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def _verdict_of(row: Any) -> str | None:
    verdict = _row_field(row, "verdict")
    if verdict is None:
        verdict = _row_field(row, "ok")
    return _verdict_kind(verdict)


def _verdict_kind(verdict: Any) -> str | None:
    if verdict is None:
        return None
    if isinstance(verdict, bool):
        return "ok" if verdict else "wrong"
    word = str(getattr(verdict, "value", verdict)).strip().lower()
    if word not in VERDICTS:
        raise ValueError(
            f"highlight: unknown verdict {verdict!r}; expected one of "
            f"{', '.join(sorted(VERDICTS))} or a bool"
        )
    return VERDICTS[word]
