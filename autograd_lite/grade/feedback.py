"""One student's feedback page, in HTML and Markdown, from a graded record.

The page gives the score, each gradient's verdict and points, the first wrong step, the
mistakes recognised, the check's diagnosis, and a drawing of every gradient's entries with the
wrong ones red. Everything taken from the record (which holds the student's output and error
messages) is escaped; the drawing is an inline SVG written here from verdict names only.
"""

from __future__ import annotations

import base64
import html
from typing import Any

__all__ = [
    "feedback_html",
    "feedback_markdown",
    "feedback_text",
    "gradient_drawing",
    "gradient_label",
]

_COLOURS = {"ok": "#3a9d5d", "WRONG": "#d62728", "kink": "#999999", "unclear": "#999999"}
_ICONS = {"ok": "✔", "WRONG": "✘", "missing": "—", "unjudged": "?"}


def gradient_label(name: str) -> str:
    """How a gradient is shown: ``dW1`` for ``W1``; an attribute as it is (``dense1.dweights``)."""
    return name if "." in name else f"d{name}"


def gradient_drawing(record: dict[str, Any]) -> str:
    """An SVG drawing every gradient's entries as a grid of cells, wrong entries red."""
    cell, gap, x, parts = 14, 2, 10, []
    height = 0
    for row in record["gradients"]:
        cells = row["cells"]
        shape = [int(n) for n in row["shape"]]
        columns = shape[-1] if len(shape) >= 2 and shape[-1] > 0 else max(1, min(len(cells), 20))
        columns = min(columns, 20)
        rows = max(1, -(-len(cells) // columns)) if cells else 1
        width = columns * (cell + gap)
        label = html.escape(gradient_label(row["name"]))
        parts.append(
            f'<g class="gradient verdict-{html.escape(row["verdict"])}">'
            f'<text x="{x}" y="14" font-size="12" font-family="sans-serif">{label}</text>'
        )
        if not cells:
            parts.append(
                f'<rect x="{x}" y="22" width="{cell * 3}" height="{cell}" fill="none" '
                f'stroke="#999" stroke-dasharray="3 2"/><text x="{x}" y="{22 + cell + 12}" '
                f'font-size="11" font-family="sans-serif">{html.escape(row["verdict"])}</text>'
            )
        for index, verdict in enumerate(cells):
            cx = x + (index % columns) * (cell + gap)
            cy = 22 + (index // columns) * (cell + gap)
            colour = _COLOURS.get(verdict, "#999999")
            parts.append(
                f'<rect class="cell verdict-{verdict}" x="{cx}" y="{cy}" width="{cell}" '
                f'height="{cell}" fill="{colour}"><title>{label} entry {index}: {verdict}'
                "</title></rect>"
            )
        parts.append("</g>")
        height = max(height, 22 + rows * (cell + gap) + 16)
        x += max(width, 60) + 24
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{x}" height="{height}" '
        f'viewBox="0 0 {x} {height}" role="img" aria-label="gradient entries">'
        + "".join(parts)
        + "</svg>"
    )


def feedback_text(record: dict[str, Any], title: str = "") -> str:
    """Plain-text feedback: the score, each gradient's verdict, the first wrong step, mistakes."""
    lines = [f"{title}: " if title else "", f"score {record['score']:g} / {record['max_score']:g}"]
    out = ["".join(lines)]
    if record["status"] != "ran":
        out.append(f"Your code: {record['status']}. {record['message'].strip()[-600:]}")
    for row in record["gradients"]:
        out.append(
            f"  {_ICONS[row['verdict']]} {gradient_label(row['name'])}: {row['verdict']} "
            f"({row['points']:g}/{row['max_points']:g}) {row['detail']}"
        )
    if record["root_causes"]:
        out.append("First wrong step: " + ", ".join(record["root_causes"]))
    for m in record["mistakes"]:
        out.append(f"  - {m['message']}")
    return "\n".join(out)


def feedback_markdown(record: dict[str, Any], who: str, title: str) -> str:
    """The feedback page in Markdown."""
    esc = _md
    out = [
        f"# {esc(title)}",
        "",
        f"**{esc(who)}**: score **{record['score']:g} / {record['max_score']:g}**",
        "",
    ]
    if record["status"] != "ran":
        out += [
            f"**Your code: {esc(record['status'])}.**",
            "",
            "```",
            _fence(record["message"]),
            "```",
            "",
        ]
    out += ["| gradient | verdict | points | detail |", "|---|---|---|---|"]
    for row in record["gradients"]:
        out.append(
            f"| `{esc(gradient_label(row['name']))}` | {_ICONS[row['verdict']]} {row['verdict']} | "
            f"{row['points']:g} / {row['max_points']:g} | {esc(row['detail'])} |"
        )
    out.append("")
    if record["root_causes"]:
        out += ["## First wrong step", ""] + [f"- `{esc(c)}`" for c in record["root_causes"]] + [""]
    if record["mistakes"]:
        out += ["## Mistakes recognised", ""]
        out += [f"- **{esc(m['kind'])}**: {esc(m['message'])}" for m in record["mistakes"]] + [""]
    if record["drawing"]:
        out += ["![the check drawn: wrong entries red](" + esc(who) + ".svg)", ""]
    if record["diagnosis"]:
        out += ["## The check's diagnosis", "", "```", _fence(record["diagnosis"]), "```", ""]
    if record["output"]:
        out += [
            "## What your code printed (first bytes)",
            "",
            "```",
            _fence(record["output"]),
            "```",
        ]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return html.escape(str(text)).replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    return str(text).replace("```", "ˋˋˋ")


def feedback_html(record: dict[str, Any], who: str, title: str) -> str:
    """The feedback page in HTML (one offline file, no scripts)."""
    e = html.escape
    rows = "".join(
        f'<tr class="verdict-{e(r["verdict"])}">'
        f"<td><code>{e(gradient_label(r['name']))}</code></td>"
        f"<td>{_ICONS[r['verdict']]} {e(r['verdict'])}</td>"
        f"<td>{r['points']:g} / {r['max_points']:g}</td><td>{e(r['detail'])}</td></tr>"
        for r in record["gradients"]
    )
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}: {e(who)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p class='score'><b>{e(who)}</b>: score <b id='score'>{record['score']:g}</b> / "
        f"{record['max_score']:g}</p>",
    ]
    if record["status"] != "ran":
        parts.append(
            f"<p class='status'>Your code: <b>{e(record['status'])}</b></p>"
            f"<pre>{e(record['message'])}</pre>"
        )
    parts.append(
        "<table><thead><tr><th>gradient</th><th>verdict</th><th>points</th><th>detail</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
    if record["root_causes"]:
        items = "".join(f"<li><code>{e(c)}</code></li>" for c in record["root_causes"])
        parts.append(f"<h2>First wrong step</h2><ul id='root-causes'>{items}</ul>")
    if record["mistakes"]:
        items = "".join(
            f"<li><b>{e(m['kind'])}</b>: {e(m['message'])}</li>" for m in record["mistakes"]
        )
        parts.append(f"<h2>Mistakes recognised</h2><ul id='mistakes'>{items}</ul>")
    if record["drawing"]:
        # As an image: an SVG in <img> never runs scripts, whatever the record holds.
        data = base64.b64encode(record["drawing"].encode("utf-8")).decode("ascii")
        parts.append(
            "<h2>The check, drawn</h2><p>Each array of the forward pass, your gradient's "
            "entries red where wrong, green where right.</p>"
            f"<img id='check-drawing' alt='the check drawn' src='data:image/svg+xml;base64,{data}'>"
        )
    parts.append(
        "<h2>Your gradients, entry by entry</h2><p>red: wrong, green: right, grey: not "
        f"judged</p><div class='drawing'>{gradient_drawing(record)}</div>"
    )
    if record["diagnosis"]:
        parts.append(f"<h2>The check's diagnosis</h2><pre>{e(record['diagnosis'])}</pre>")
    if record["output"]:
        parts.append(
            f"<h2>What your code printed (first bytes)</h2><pre>{e(record['output'])}</pre>"
        )
    if record["isolation"]:
        items = "".join(f"<li>{e(k)}: {e(v)}</li>" for k, v in record["isolation"].items())
        parts.append(f"<details><summary>How your code was run</summary><ul>{items}</ul></details>")
    parts.append("</body></html>")
    return "".join(parts)


_CSS = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; color: #222; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 4px 8px; }
tr.verdict-WRONG td:nth-child(2) { color: #d62728; font-weight: bold; }
tr.verdict-ok td:nth-child(2) { color: #3a9d5d; }
pre { background: #f5f5f5; padding: 8px; white-space: pre-wrap; max-height: 30em; overflow: auto; }
.drawing { overflow-x: auto; } #check-drawing { max-width: 100%; }
"""
