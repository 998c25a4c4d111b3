#!/usr/bin/env bash
# Set up the peers the benchmark compares against, then print the table.
# micrograd, HIPS autograd and JAX (CPU) from PyPI; PyTorch 2.13 CPU (pip takes it from a local
# file where one is provided, else downloads it; pass --no-torch to skip). A peer that cannot be
# installed is reported as skipped in the table.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q -e .
.venv/bin/python -m pip install -q micrograd==0.1.0 || echo "micrograd could not be installed: skipped"
.venv/bin/python -m pip install -q autograd || echo "HIPS autograd could not be installed: skipped"
.venv/bin/python -m pip install -q jax jaxlib || echo "JAX could not be installed: skipped"
if [ "${1:-}" != "--no-torch" ]; then
    .venv/bin/python -m pip install -q torch==2.13.0 || echo "PyTorch could not be installed: skipped"
fi
.venv/bin/python benchmarks/bench.py
