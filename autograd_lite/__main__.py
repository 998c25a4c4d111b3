"""Command line: ``python -m autograd_lite <command> [options]``.

Commands:
    demo    train small networks and write figures and a graph drawing (``demo --help``)
    graph   draw a formula's computation graph to a file (``graph --help``)
    grade   grade a folder of learners' backward passes, safely (``grade --help``)
    exercise  write a student's starter notebook (``exercise starter --help``)

Each command lives in its own module with a ``main(argv) -> int`` function; this file only
dispatches, so ``python -m autograd_lite`` stays fast to start.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        "autograd_lite.learn.demo",
        "train small networks and write figures and a graph drawing",
    ),
    "graph": ("autograd_lite.draw.cli", "draw a formula's computation graph to a file"),
    "grade": ("autograd_lite.grade.cli", "grade a folder of learners' backward passes, safely"),
    "exercise": ("autograd_lite.grade.cli", "write a starter notebook; list built-in exercises"),
}


def _usage() -> str:
    lines = ["usage: python -m autograd_lite <command> [options]", "", "commands:"]
    lines += [f"  {name:<8} {summary}" for name, (_, summary) in COMMANDS.items()]
    lines.append("\n'python -m autograd_lite <command> --help' for a command's options.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command named by ``argv[0]``; returns the process exit code."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"autograd_lite: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    entry = getattr(module, f"{name}_main", None) or module.main
    code: int = entry(rest)
    return code


if __name__ == "__main__":
    sys.exit(main())
