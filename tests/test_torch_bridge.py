"""torch_bridge: to_torch gives the same function in PyTorch, from_torch comes back exactly."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from autograd_lite import MLP, Layer, Neuron, Value
from autograd_lite.nn import Module

torch = pytest.importorskip("torch")


def _ours(model: Any, X: np.ndarray) -> np.ndarray:
    rows = []
    for x in X.tolist():
        out = model(x)
        rows.append([out.data] if isinstance(out, Value) else [v.data for v in out])
    return np.array(rows)


@pytest.mark.parametrize(
    "model",
    [
        MLP(3, [8, 8, 2], activation="tanh", seed=1),
        MLP(2, [16, 16, 1], seed=2),
        MLP(4, [5, 3], activation="sigmoid", output_activation="sigmoid", init="scaled", seed=3),
        Layer(3, 4, "relu", seed=4),
        Neuron(3, "tanh", seed=5),
        MLP(2, [6, 1], activation="softplus", seed=6),
    ],
    ids=["mlp-tanh", "mlp-relu", "mlp-sigmoid", "layer", "neuron", "mlp-softplus"],
)
def test_to_torch_outputs_equal_ours_in_float64(model: Any) -> None:
    X = np.random.default_rng(0).normal(size=(64, model.nin)) * 12.0  # softplus beyond 20 too
    net = model.to_torch()
    assert isinstance(net, torch.nn.Module)
    assert all(p.dtype == torch.float64 for p in net.parameters())
    theirs = net(torch.tensor(X, dtype=torch.float64)).detach().numpy()
    assert np.max(np.abs(theirs - _ours(model, X))) <= 1e-12
    assert sum(p.numel() for p in net.parameters()) == len(model.parameters())


def test_from_torch_round_trips_exactly_and_copies() -> None:
    model = MLP(2, [6, 6, 3], activation="tanh", seed=7)
    net = model.to_torch()
    back = MLP.from_torch(net)
    assert back.state_dict() == model.state_dict()
    assert repr(back) == repr(model)
    with torch.no_grad():
        net[0].weight[0, 0] = 123.0  # the copies are independent
    assert model.layers[0].neurons[0].w[0].data != 123.0
    model.eval()
    assert not model.to_torch().training and not MLP.from_torch(model.to_torch()).training


def test_from_torch_reads_a_hand_built_module_and_refuses_other_shapes() -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1, bias=False)
    ).double()
    model = MLP.from_torch(net)
    X = np.random.default_rng(1).normal(size=(10, 2))
    theirs = net(torch.tensor(X)).detach().numpy()
    assert np.max(np.abs(theirs - _ours(model, X))) <= 1e-12
    assert model.layers[1].neurons[0].b.data == 0.0
    bad = [
        (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout()), "layer 1 is Dropout"),
        (torch.nn.Sequential(torch.nn.ReLU()), r"layer 0 \(ReLU\) does not follow a Linear"),
        (torch.nn.Linear(2, 3), "expected a non-empty torch.nn.Sequential"),
        (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Softplus()), "threshold >= 40"),
        (
            torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)),
            "takes 4 inputs but the layer before gives 3",
        ),
        (
            torch.nn.Sequential(
                torch.nn.Linear(2, 3),
                torch.nn.ReLU(),
                torch.nn.Linear(3, 3),
                torch.nn.Tanh(),
                torch.nn.Linear(3, 1),
            ),
            "one hidden activation",
        ),
    ]
    for module, message in bad:
        with pytest.raises(ValueError, match=message):
            MLP.from_torch(module)


def test_to_torch_of_another_module_and_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    class Own(Module):
        def __init__(self) -> None:
            self.w = Value(1.0)

        def forward(self, x: float) -> Value:
            return self.w * x

    with pytest.raises(TypeError, match="Own is not a Neuron, Layer or MLP"):
        Own().to_torch()
    monkeypatch.setitem(sys.modules, "torch", None)  # what an install without torch sees
    with pytest.raises(ImportError, match="needs PyTorch, which autograd_lite does not install"):
        MLP(2, [1], seed=0).to_torch()


# ---------------------------------------------------------------- issue 21


def test_from_torch_recognises_activations_by_class_not_by_name() -> None:
    # Regression (issue 21, finding 9): any class named "Tanh" was read as tanh.
    class Tanh(torch.nn.Module):  # a module of one's own that happens to be called Tanh
        def forward(self, x: Any) -> Any:
            return x * 2

    net = torch.nn.Sequential(torch.nn.Linear(2, 1), Tanh())
    with pytest.raises(ValueError, match=r"layer 1 is Tanh"):
        MLP.from_torch(net)


def test_from_torch_refuses_a_linear_subclass_with_its_own_forward() -> None:
    # Regression (issue 21, finding 9): such a subclass was read as a plain Linear.
    class Doubled(torch.nn.Linear):
        def forward(self, x: Any) -> Any:
            return 2 * super().forward(x)

    class Odd(torch.nn.Tanh):
        def forward(self, x: Any) -> Any:
            return x

    with pytest.raises(ValueError, match=r"layer 0 \(Doubled\) is a subclass of torch.nn.Linear"):
        MLP.from_torch(torch.nn.Sequential(Doubled(2, 1)))
    with pytest.raises(ValueError, match=r"layer 1 \(Odd\) is a subclass of torch.nn.Tanh"):
        MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1), Odd()))
    hooked = torch.nn.Linear(2, 1)
    hooked.register_forward_hook(lambda module, args, out: out * 3)
    with pytest.raises(ValueError, match="forward hooks"):
        MLP.from_torch(torch.nn.Sequential(hooked))

    class Plain(torch.nn.Linear):  # a subclass that computes what Linear computes is read
        pass

    assert len(MLP.from_torch(torch.nn.Sequential(Plain(2, 1))).parameters()) == 3


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
def test_from_torch_refuses_a_layer_with_no_outputs_clearly() -> None:
    # Regression (issue 21, finding 14): Sequential(Linear(2, 0)) raised IndexError.
    for layer in (torch.nn.Linear(2, 0), torch.nn.Linear(0, 2)):
        with pytest.raises(ValueError, match=r"needs at least one input and one output"):
            MLP.from_torch(torch.nn.Sequential(layer))
