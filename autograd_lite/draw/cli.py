"""The ``graph`` command: draw a formula's computation graph to a file from the shell.

``python -m autograd_lite graph "tanh(x*w + b)" --at x=2 w=-3 b=6.88 -o graph.svg``
parses the formula safely (:mod:`autograd_lite.draw.formula`), runs ``backward()`` and writes the
drawing (:mod:`autograd_lite.draw.graph`). Exit codes: 0 done, 2 a bad formula or option, 1 the
drawing could not be rendered or written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .formula import FUNCTIONS, ExpressionError, evaluate
from .graph import DEFAULT_MAX_NODES, GraphTooLargeError, draw_graph
from .render import RenderError

__all__ = ["build_parser", "main"]

EXIT_OK = 0
EXIT_RENDER = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``graph`` command.

    Returns:
        An ``argparse.ArgumentParser``.

    Example:
        >>> build_parser().parse_args(["x*x", "--at", "x=3"]).at
        ['x=3']
    """
    parser = argparse.ArgumentParser(
        prog="python -m autograd_lite graph",
        description=(
            "Draw the computation graph of a formula after backward(). The formula may use "
            "numbers, variables, + - * / **, pi, e and the functions " + ", ".join(FUNCTIONS) + "."
        ),
        epilog='example: python -m autograd_lite graph "tanh(x*w + b)" '
        "--at x=2 w=-3 b=6.88 -o graph.svg   (a formula that starts with '-' goes last, after --)",
    )
    parser.add_argument("formula", help='the formula, quoted: "tanh(x*w + b)"')
    parser.add_argument(
        "--at",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="the value of each variable, e.g. --at x=2 w=-3",
    )
    parser.add_argument(
        "-o",
        "--output",
        default="graph.svg",
        help="file to write: .svg and .png (always work), .pdf (needs Graphviz dot), .dot/.gv "
        "(default: graph.svg)",
    )
    parser.add_argument("--rankdir", choices=["LR", "TB", "RL", "BT"], default="LR")
    parser.add_argument("--digits", type=int, default=4, help="significant digits (default 4)")
    parser.add_argument("--no-data", action="store_true", help="hide each value's data")
    parser.add_argument("--no-grad", action="store_true", help="hide each value's grad")
    parser.add_argument(
        "--edge-labels",
        action="store_true",
        help="label edges with local derivatives and their contributions",
    )
    parser.add_argument(
        "--no-backward", action="store_true", help="draw before backward() (grads are 0)"
    )
    parser.add_argument(
        "--max-nodes",
        type=int,
        default=DEFAULT_MAX_NODES,
        help=f"refuse larger graphs; 0 for no limit (default {DEFAULT_MAX_NODES})",
    )
    parser.add_argument(
        "--renderer",
        choices=["auto", "dot", "bundled", "wasm"],
        default="auto",
        help="Graphviz to use: system dot, or the bundled graphviz-pure (default: auto)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``graph`` command.

    Args:
        argv: the arguments after ``graph`` (``sys.argv[1:]`` when None, as when run as
            ``python -m autograd_lite.draw.cli``).

    Returns:
        The exit code: 0 on success, 2 for a bad formula or option, 1 if rendering or
        writing failed.

    Example:
        >>> main(["x*w", "--at", "x=2", "w=-3", "-o", "g.svg"])  # doctest: +SKIP
        0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as exit_:  # argparse exits 2 on bad usage and 0 for --help
        return int(exit_.code) if isinstance(exit_.code, int) else EXIT_USAGE

    try:
        variables = _parse_assignments(args.at)
        y, inputs = evaluate(args.formula, variables)
    except ExpressionError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if not args.no_backward:
        y.backward()

    try:
        drawing = draw_graph(
            y,
            rankdir=args.rankdir,
            digits=args.digits,
            show_data=not args.no_data,
            show_grad=not args.no_grad,
            edge_labels=args.edge_labels,
            max_nodes=args.max_nodes or None,
            renderer=args.renderer,
        )
    except (GraphTooLargeError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        path = drawing.save(args.output)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except (RenderError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_RENDER

    print(f"{args.formula.strip()} = {y.data:.{args.digits}g}")
    if not args.no_backward:
        for name, value in inputs.items():
            print(f"  d/d{name} = {value.grad:.{args.digits}g}")
    print(f"wrote {path} ({drawing.num_values} values, {drawing.num_ops} operations)")
    return EXIT_OK


def _parse_assignments(items: Sequence[str]) -> dict[str, float]:
    """Turn ``["x=2", "w=-3"]`` into ``{"x": 2.0, "w": -3.0}``."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, number = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"--at expects NAME=VALUE, e.g. x=2.5; got {item!r}")
        if name in values:
            raise ExpressionError(f"--at gives {name!r} twice ({name}={values[name]:g} and {item})")
        try:
            values[name] = float(number)
        except ValueError:
            raise ExpressionError(f"--at {item}: {number!r} is not a number") from None
    return values


if __name__ == "__main__":
    sys.exit(main())
