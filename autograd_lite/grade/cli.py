"""The ``grade`` and ``exercise`` commands of ``autograd-lite``.

``autograd-lite grade SUBMISSIONS/ --exercise EXERCISE --out REPORT/`` grades a folder;
``autograd-lite exercise starter EXERCISE -o starter.ipynb`` writes a student's starter
notebook; ``autograd-lite exercise list`` lists the built-in exercises.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .builtin import BUILTIN
from .exercise import ExerciseError
from .load import load_exercise
from .run import grade
from .sandbox import Limits
from .starter import write_starter

__all__ = ["exercise_main", "main"]


def main(argv: list[str]) -> int:
    """``autograd-lite grade``: grade a folder of submissions; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="autograd-lite grade",
        description="Grade a folder of learners' backward passes (.py or .ipynb), safely.",
    )
    parser.add_argument("submissions", help="folder of submissions; a student is a file's stem")
    parser.add_argument(
        "--exercise", required=True, help=f"a built-in ({', '.join(BUILTIN)}) or a .py file"
    )
    parser.add_argument("--out", required=True, help="report folder")
    parser.add_argument("--names", action="store_true", help="show names (default: pseudonyms)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per submission")
    parser.add_argument("--memory", type=int, default=1024, help="MiB per submission")
    parser.add_argument(
        "--workers", type=int, default=None, help="local processes (default: cores)"
    )
    parser.add_argument(
        "--scheduler", default=None, help="Dask scheduler address (tcp://host:8786)"
    )
    parser.add_argument("--cache", default=None, help="cache folder (default: OUT/.cache)")
    parser.add_argument("--quiet", action="store_true", help="no line per student")
    args = parser.parse_args(argv)

    def progress(student: str, record: dict[str, Any]) -> None:
        if not args.quiet:
            print(
                f"graded {record['score']:g}/{record['max_score']:g} {record['status']}", flush=True
            )

    try:
        result = grade(
            args.submissions,
            args.exercise,
            args.out,
            names=args.names,
            limits=Limits(seconds=args.timeout, memory_mb=args.memory),
            workers=args.workers,
            scheduler=args.scheduler,
            cache=args.cache,
            progress=progress,
        )
    except (ExerciseError, FileNotFoundError, ValueError, ImportError) as error:
        print(f"autograd-lite grade: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "autograd-lite grade: interrupted; graded records are kept, run again to go on",
            file=sys.stderr,
        )
        return 130
    s = result.summary
    print(
        f"{s.students} students ({result.graded} graded now, {s.students - result.graded} from "
        f"the cache); mean score {s.mean_score:.2f}/{result.exercise.max_score:g}"
    )
    for cause, who in list(s.root_causes.items())[:5]:
        print(f"  first wrong step {cause}: {len(who)} students")
    print(f"report: {result.files['html']}")
    return 0


def exercise_main(argv: list[str]) -> int:
    """``autograd-lite exercise``: ``starter EXERCISE -o FILE.ipynb`` or ``list``."""
    parser = argparse.ArgumentParser(
        prog="autograd-lite exercise", description="Exercises to grade."
    )
    sub = parser.add_subparsers(dest="action", required=True)
    starter = sub.add_parser("starter", help="write a student's starter notebook")
    starter.add_argument("exercise", help=f"a built-in ({', '.join(BUILTIN)}) or a .py file")
    starter.add_argument("-o", "--output", required=True, help="the notebook to write (.ipynb)")
    sub.add_parser("list", help="list the built-in exercises")
    args = parser.parse_args(argv)
    if args.action == "list":
        for name in BUILTIN:
            ex = load_exercise(name)
            print(f"{name:<14} {ex.title} ({len(ex.gradients)} gradients, {ex.max_score:g} points)")
        return 0
    try:
        path = write_starter(load_exercise(args.exercise), args.output)
    except (ExerciseError, ValueError, OSError) as error:
        print(f"autograd-lite exercise: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0
