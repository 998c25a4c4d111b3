"""The foundation demo: build one neuron's expression, run backward, print every node.

Run with ``python -m autograd_lite demo``.
"""

from __future__ import annotations

import argparse

from .engine import topological_order
from .value import Value


def main(argv: list[str] | None = None) -> int:
    """Build ``tanh(x1*w1 + x2*w2 + b)``, backpropagate, and print each node's data and grad."""
    parser = argparse.ArgumentParser(prog="python -m autograd_lite demo", description=__doc__)
    parser.parse_args(argv)
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    print("o = tanh(x1*w1 + x2*w2 + b), nodes in topological order:")
    for node in topological_order(o):
        name = node.label or "(" + node.op + ")"
        inputs = ", ".join(p.label or f"({p.op})" for p in node.parents)
        made = f" = {node.rule.symbol}({inputs})" if node.rule is not None else ""
        print(f"  {name:<8}{made:<28} data={node.data:+.4f}  grad={node.grad:+.4f}")
    return 0
