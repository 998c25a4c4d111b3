"""The class's report: pass rates, common first wrong steps and mistakes, scores as CSV and JSON.

:func:`write_class_report` writes ``class.html`` (one offline page, charts as inline SVG, no
scripts), ``grades.csv`` and ``grades.json`` (student, score, per-gradient points) for a
learning platform to import. Students appear under the label the caller gives (a pseudonym
unless the teacher asked for names).
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .exercise import Exercise
from .feedback import gradient_label

__all__ = ["ClassSummary", "StudentEntry", "summarise", "write_class_report"]


@dataclass(frozen=True)
class StudentEntry:
    """One student in the report: the label shown, the record, the feedback page's file name."""

    label: str
    record: dict[str, Any]
    page: str


@dataclass(frozen=True)
class ClassSummary:
    """What the class got right and wrong.

    Attributes:
        students: how many were graded.
        pass_rates: gradient name -> fraction of students whose gradient is right.
        root_causes: first wrong step -> the students whose first wrong step it is, most common
            first.
        mistakes: mistake kind -> the students with that mistake, most common first.
        statuses: run status (``ran``, ``timeout``, ``error``...) -> how many.
        mean_score: the mean score.
    """

    students: int
    pass_rates: dict[str, float]
    root_causes: dict[str, list[str]]
    mistakes: dict[str, list[str]]
    statuses: dict[str, int]
    mean_score: float


def summarise(exercise: Exercise, entries: Sequence[StudentEntry]) -> ClassSummary:
    """The :class:`ClassSummary` of ``entries``."""
    n = len(entries)
    passed = Counter(
        row["name"] for s in entries for row in s.record["gradients"] if row["verdict"] == "ok"
    )
    causes: dict[str, list[str]] = {}
    kinds: dict[str, list[str]] = {}
    for s in entries:
        for cause in dict.fromkeys(s.record["root_causes"]):
            causes.setdefault(cause, []).append(s.label)
        for kind in dict.fromkeys(m["kind"] for m in s.record["mistakes"]):
            kinds.setdefault(kind, []).append(s.label)
    return ClassSummary(
        students=n,
        pass_rates={g.name: (passed[g.name] / n if n else 0.0) for g in exercise.gradients},
        root_causes=_most_first(causes),
        mistakes=_most_first(kinds),
        statuses=dict(Counter(s.record["status"] for s in entries).most_common()),
        mean_score=sum(s.record["score"] for s in entries) / n if n else 0.0,
    )


def _most_first(groups: dict[str, list[str]]) -> dict[str, list[str]]:
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def _bars(items: Sequence[tuple[str, float, str]], unit: str, top: float) -> str:
    """A horizontal bar chart as inline SVG: (label, value, text shown) per bar."""
    height, width, left = 22, 520, 190
    rows = []
    for index, (label, value, shown) in enumerate(items):
        y = index * height
        length = 0 if top <= 0 else (width - left - 80) * value / top
        rows.append(
            f'<g class="bar"><text x="{left - 6}" y="{y + 15}" text-anchor="end" font-size="12" '
            f'font-family="sans-serif">{html.escape(label[:28])}</text>'
            f'<rect x="{left}" y="{y + 4}" width="{length:.1f}" height="{height - 8}" '
            f'fill="#4c78a8"><title>{html.escape(label)}: {html.escape(shown)}</title></rect>'
            f'<text x="{left + length + 4:.1f}" y="{y + 15}" font-size="12" '
            f'font-family="sans-serif">{html.escape(shown)}</text></g>'
        )
    total = max(1, len(items)) * height
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total}" '
        f'viewBox="0 0 {width} {total}" role="img" aria-label="{html.escape(unit)}">'
        + "".join(rows)
        + "</svg>"
    )


def _who(labels: list[str], pages: dict[str, str]) -> str:
    return ", ".join(f"<a href='{html.escape(pages[x])}'>{html.escape(x)}</a>" for x in labels)


def class_html(exercise: Exercise, entries: Sequence[StudentEntry], notes: Sequence[str]) -> str:
    """The class report page."""
    s = summarise(exercise, entries)
    e = html.escape
    pages = {x.label: x.page for x in entries}
    rates = [(gradient_label(name), rate, f"{rate:.0%}") for name, rate in s.pass_rates.items()]
    causes = [(c, len(w), str(len(w))) for c, w in s.root_causes.items()][:12]
    kinds = [(k, len(w), str(len(w))) for k, w in s.mistakes.items()][:12]
    statuses = [(k, v, str(v)) for k, v in s.statuses.items()]
    top = max(
        [len(w) for w in s.root_causes.values()] + [len(w) for w in s.mistakes.values()] + [1]
    )
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{e(exercise.title)}: class "
        f"report</title><style>{_CSS}</style></head><body><h1>{e(exercise.title)}</h1>",
        f"<p>{s.students} students; mean score <b>{s.mean_score:.2f}</b> / "
        f"{exercise.max_score:g}.</p>",
        "<h2>Per-gradient pass rate</h2>",
        f"<div id='pass-rates'>{_bars(rates, 'pass rate', 1.0)}</div>",
        "<h2>Most common first wrong steps</h2>",
        f"<div id='root-causes'>{_bars(causes, 'first wrong steps', top)}</div>",
        "<table><tr><th>first wrong step</th><th>students</th></tr>"
        + "".join(
            f"<tr><td><code>{e(c)}</code></td><td>{_who(w, pages)}</td></tr>"
            for c, w in s.root_causes.items()
        )
        + "</table>",
        "<h2>Mistakes recognised</h2>",
        f"<div id='mistakes'>{_bars(kinds, 'mistake kinds', top)}</div>",
        "<table><tr><th>mistake</th><th>students</th></tr>"
        + "".join(
            f"<tr><td>{e(k)}</td><td>{_who(w, pages)}</td></tr>" for k, w in s.mistakes.items()
        )
        + "</table>",
        "<h2>How the submissions ran</h2>",
        "<div id='statuses'>"
        + _bars(statuses, "run statuses", max(s.statuses.values(), default=1))
        + "</div>",
        "<h2>Students</h2><table id='students'><tr><th>student</th><th>score</th><th>status</th>"
        + "".join(f"<th>{e(gradient_label(g.name))}</th>" for g in exercise.gradients)
        + "</tr>"
        + "".join(
            f"<tr><td><a href='{e(x.page)}'>{e(x.label)}</a></td><td>{x.record['score']:g}</td>"
            f"<td>{e(x.record['status'])}</td>"
            + "".join(
                f"<td class='verdict-{e(r['verdict'])}'>{r['points']:g}</td>"
                for r in x.record["gradients"]
            )
            + "</tr>"
            for x in entries
        )
        + "</table>",
    ]
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>")
    parts.append("</body></html>")
    return "".join(parts)


def grades_rows(exercise: Exercise, entries: Sequence[StudentEntry]) -> list[dict[str, Any]]:
    """One row per student: student, score, max_score, status, then points per gradient."""
    return [
        {
            "student": x.label,
            "score": x.record["score"],
            "max_score": x.record["max_score"],
            "status": x.record["status"],
            **{gradient_label(r["name"]): r["points"] for r in x.record["gradients"]},
        }
        for x in entries
    ]


def write_class_report(
    folder: Path, exercise: Exercise, entries: Sequence[StudentEntry], notes: Sequence[str] = ()
) -> dict[str, Path]:
    """Write ``class.html``, ``grades.csv`` and ``grades.json`` into ``folder``; their paths."""
    rows = grades_rows(exercise, entries)
    buffer = io.StringIO()
    fields = [
        "student",
        "score",
        "max_score",
        "status",
        *(gradient_label(g.name) for g in exercise.gradients),
    ]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        # A spreadsheet runs a cell starting with = + - @ as a formula: quote such labels.
        safe = str(row["student"])
        row = {**row, "student": "'" + safe if safe[:1] in "=+-@" else safe}
        writer.writerow(row)
    out = {
        "html": folder / "class.html",
        "csv": folder / "grades.csv",
        "json": folder / "grades.json",
    }
    _write(out["html"], class_html(exercise, entries, notes))
    _write(out["csv"], buffer.getvalue())
    _write(out["json"], json.dumps({"exercise": exercise.name, "students": rows}, indent=1))
    return out


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


_CSS = """
body { font-family: sans-serif; max-width: 70em; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
td, th { border: 1px solid #ccc; padding: 3px 7px; }
td.verdict-WRONG { background: #fbdcdc; } td.verdict-ok { background: #e0f3e6; }
"""
