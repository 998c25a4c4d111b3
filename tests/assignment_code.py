"""Course-assignment code in the style learners get it: losses returning (loss, dW), a model's
loss(X, y) returning (loss, grads), and forward/backward function pairs with a cache.
Each has a ``bug`` switch for one mistake. Written for the tests, not copied from any course.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def svm_loss_naive(W: Any, X: Any, y: Any, reg: float, bug: str = "") -> tuple[Any, Any]:
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                if bug != "no_correct_class":
                    dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    if bug == "reg_once":
        dW += reg * W
    else:
        dW += 2 * reg * W
    return loss, dW


def softmax_loss_vectorized(W: Any, X: Any, y: Any, reg: float, bug: str = "") -> tuple[Any, Any]:
    num_train = X.shape[0]
    scores = X.dot(W)
    scores = scores - np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(num_train), y])) / num_train
    loss += reg * np.sum(W * W)
    dscores = probs.copy()
    dscores[np.arange(num_train), y] -= 1
    if bug != "no_mean":
        dscores /= num_train
    dW = X.T.dot(dscores)
    dW += 2 * reg * W
    return loss, dW


class TwoLayerNet:
    def __init__(self, params: dict[str, Any], bug: str = "") -> None:
        self.params = params
        self.reg = 0.05
        self.bug = bug

    def loss(self, X: Any, y: Any) -> tuple[Any, dict[str, Any]]:
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N = X.shape[0]
        hidden = np.maximum(0, X.dot(W1) + b1)
        scores = hidden.dot(W2) + b2
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
        loss = -np.sum(np.log(probs[np.arange(N), y])) / N
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        grads = {}
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads["W2"] = hidden.T.dot(dscores) + self.reg * W2
        grads["b2"] = np.sum(dscores, axis=0)
        dhidden = dscores.dot(W2.T)
        if self.bug != "no_relu_mask":
            dhidden[hidden <= 0] = 0
        grads["W1"] = X.T.dot(dhidden) + self.reg * W1
        grads["b1"] = np.sum(dhidden, axis=0)
        return loss, grads


def affine_forward(x: Any, w: Any, b: Any) -> tuple[Any, Any]:
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, (x, w, b)


def affine_backward(dout: Any, cache: Any) -> tuple[Any, Any, Any]:
    x, w, _b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def affine_backward_buggy(dout: Any, cache: Any) -> tuple[Any, Any, Any]:
    x, w, _b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.mean(dout, axis=0)
    return dx, dw, db


def relu_forward(x: Any) -> tuple[Any, Any]:
    return np.maximum(0, x), x


def relu_backward(dout: Any, cache: Any) -> Any:
    dx = dout.copy()
    dx[cache <= 0] = 0
    return dx
