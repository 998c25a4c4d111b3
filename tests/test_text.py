"""What a label becomes in a drawing: the characters that would reorder or hide text."""

from __future__ import annotations

import pytest

from autograd_lite import MLP, Value, draw_graph, explain
from autograd_lite.draw.text import clean_controls

# U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, U+200B ZERO WIDTH SPACE,
# U+2028 LINE SEPARATOR, U+0000 NUL.
HIDDEN = ["\u202e", "\u2066", "\u200b", "\u2028", "\x00"]


@pytest.mark.parametrize("char", HIDDEN)
def test_a_right_to_left_override_in_a_label_is_drawn_as_an_escape(char: str) -> None:
    x = Value(1.0, f"safe{char}evil")
    y = x * 2
    escape = char.encode("unicode_escape").decode("ascii")
    svg = draw_graph(y, show_grad=False).svg()
    assert char not in svg
    assert f"safe{escape}evil" in svg
    # the same escape explain prints, so the drawing and the text agree
    assert f"safe{escape}evil" in str(explain(y))


def test_an_override_in_a_group_title_is_drawn_as_an_escape() -> None:
    x = Value(1.0, "x")
    y = x * 2
    svg = draw_graph(y, group=lambda n: "layer\u202e1").svg()
    assert "\u202e" not in svg and "layer\\u202e1" in svg


def test_the_interactive_page_names_an_override_as_an_escape() -> None:
    y = Value(1.0, "a\u202eb") * 2
    page = draw_graph(y).interactive().html
    assert "\u202e" not in page


def test_tabs_become_spaces_and_newlines_stay() -> None:
    assert clean_controls("a\tb\r\nc") == "a b\nc"


def test_printable_unicode_is_kept() -> None:
    text = "ünïcødé θ ∂L/∂x αβγ 😀 日本"
    assert clean_controls(text) == text


def test_network_view_labels_keep_no_override() -> None:
    model = MLP(2, [2, 1], seed=0)
    x = [Value(0.5, "in\u202e0"), Value(-1.0, "in1")]
    loss = model(x) ** 2  # type: ignore[operator]
    loss.backward()
    svg = draw_graph(loss, view="network").svg()
    assert "\u202e" not in svg and "in\\u202e0" in svg
