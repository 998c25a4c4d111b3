# %% [markdown]
# # 4. Derivatives of derivatives: `grad(grad(f))`, Hessians and Newton's method
#
# `grad(f)` turns a function into its derivative, computed by a backward pass over the graph
# that `f` builds. That backward pass is itself made of ordinary operations on Values, so it
# can build a graph of its own and be differentiated again, to any order.
#
# This page computes second and higher derivatives, Hessian matrices, and uses them for
# Newton's method. Every number is checked against **sympy**, which differentiates the same
# formulas symbolically and exactly.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from autograd_lite import Value, draw_graph, exp, grad, hessian, sin, value_and_grad

plt.rcParams["figure.dpi"] = 80  # small figures keep this page light

# %% [markdown]
# ## `grad` makes a function
#
# `grad(f)` is a new function with the same arguments as `f` that returns df/dx instead of f.
# Write `f` with autograd_lite's functions (`sin`, `exp`, ...) or Value methods, so that the
# engine sees every operation; they accept plain numbers too.


# %%
def f(x):
    return x**3 * sin(x)


df = grad(f)
d2f = grad(df)
d3f = grad(d2f)
print(f"f(1.5)    = {f(1.5):.12f}")
print(f"f'(1.5)   = {df(1.5):.12f}")
print(f"f''(1.5)  = {d2f(1.5):.12f}")
print(f"f'''(1.5) = {d3f(1.5):.12f}")

# %% [markdown]
# sympy's exact derivatives of $x^3 \sin x$, evaluated at the same point:

# %%
x = sp.Symbol("x")
f_exact = x**3 * sp.sin(x)
for order, ours in enumerate([f, df, d2f, d3f]):
    exact = float(sp.diff(f_exact, x, order).subs(x, 1.5))
    print(
        f"order {order}: autograd_lite {ours(1.5):+.15f}   sympy {exact:+.15f}   "
        f"difference {abs(ours(1.5) - exact):.1e}"
    )

# %% [markdown]
# The differences are rounding in the last bits of a float64. Nothing limits the order: here are
# the first seven derivatives of $e^{\sin x}$ at a few points, each `grad` wrapping the one
# before, against sympy.


# %%
def g(x):
    return exp(sin(x))


g_exact = sp.exp(sp.sin(x))
derivatives = [g]
for _ in range(6):
    derivatives.append(grad(derivatives[-1]))

worst = 0.0
for point in (-2.0, 0.3, 1.7):
    for order, d in enumerate(derivatives):
        exact = float(sp.diff(g_exact, x, order).subs(x, point))
        worst = max(worst, abs(d(point) - exact) / max(1.0, abs(exact)))
print(f"orders 0-6 at 3 points: largest relative difference from sympy {worst:.1e}")

# %% [markdown]
# ## How it works: the derivative is a graph too
#
# `y.backward(create_graph=True)` is the method form. Instead of storing plain floats, the
# backward pass records its own arithmetic, so each `.grad` is a `Value` with a graph behind it.
# For $y = x \cdot x \cdot x$, `x.grad` is the graph that computes $3x^2$ out of the local
# derivatives of the two products:

# %%
xv = Value(2.0, label="x")
y = xv * xv * xv
y.backward(create_graph=True)
dy_dx = xv.grad
print("dy/dx =", dy_dx)

# %% tags=["graph"]
draw_graph(dy_dx, show_grad=False)

# %% [markdown]
# Running `backward()` on that Value differentiates it once more: d²y/dx² = 6x = 12. (`x.grad`
# is reset first, because a leaf adds each backward pass's gradient to what it holds.)

# %%
xv.grad = 0.0
dy_dx.backward()
print("d2y/dx2 =", xv.grad)

# %% [markdown]
# ## Several arguments: `argnums` and `value_and_grad`
#
# `argnums` picks the arguments to differentiate (an int or a tuple). `value_and_grad` returns
# the function's value and its gradient from one forward and one backward pass.


# %%
def h(x, y):
    return x**2 * y + sin(x * y)


value, (dh_dx, dh_dy) = value_and_grad(h, argnums=(0, 1))(1.0, 2.0)
print(f"h(1, 2) = {value:.12f}, dh/dx = {dh_dx:.12f}, dh/dy = {dh_dy:.12f}")

X, Y = sp.symbols("x y")
h_exact = X**2 * Y + sp.sin(X * Y)
at = {X: 1.0, Y: 2.0}
print(
    f"sympy:    dh/dx = {float(sp.diff(h_exact, X).subs(at)):.12f}, "
    f"dh/dy = {float(sp.diff(h_exact, Y).subs(at)):.12f}"
)

# %% [markdown]
# ## The Hessian
#
# `hessian(h, argnums=(0, 1))` returns the matrix of second derivatives
# $H_{ij} = \partial^2 h / \partial v_i \partial v_j$ as a numpy array.

# %%
H = hessian(h, argnums=(0, 1))(1.0, 2.0)
H_exact = np.array(sp.hessian(h_exact, (X, Y)).subs(at), dtype=float)
print("autograd_lite:\n", H)
print("sympy:\n", H_exact)
print(f"largest difference: {np.max(np.abs(H - H_exact)):.1e}")

# %% [markdown]
# ## Newton's method in one dimension
#
# To find a minimum of $f(x) = x^4 - 3x^2 + x$, Newton's method jumps to the minimum of the
# local quadratic model: $x \leftarrow x - f'(x) / f''(x)$. Both derivatives come from `grad`.
# The exact answer to compare with is the largest root of $f'(x) = 4x^3 - 6x + 1$, which sympy
# finds to 30 digits.


# %%
def quartic(x):
    return x**4 - 3 * x**2 + x


d_quartic = grad(quartic)
d2_quartic = grad(d_quartic)

x_exact = max(sp.Poly(sp.diff(x**4 - 3 * x**2 + x, x)).nroots(n=30))
print(f"sympy: f'(x) = 0 at x* = {x_exact}")

xk = 2.0
for step in range(7):
    print(
        f"step {step}: x = {xk:.16f}   f'(x) = {d_quartic(xk):+.3e}   "
        f"|x - x*| = {abs(xk - float(x_exact)):.1e}"
    )
    xk = xk - d_quartic(xk) / d2_quartic(xk)

# %% [markdown]
# The error column shows Newton's quadratic convergence: once close, the number of correct
# digits roughly doubles with every step, until float64 runs out of digits. $f''(x^*) > 0$, so
# this is a minimum:

# %%
print(f"f''(x*) = {d2_quartic(float(x_exact)):.6f}")

# %% [markdown]
# ## Newton's method in two dimensions, with the Hessian
#
# The Rosenbrock function $r(x, y) = (1 - x)^2 + 100(y - x^2)^2$ has its minimum at $(1, 1)$ at
# the bottom of a long curved valley, where plain gradient descent crawls. Newton's method
# solves $H \, \Delta = -\nabla r$ at every step.


# %%
def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


gradient = grad(rosenbrock, argnums=(0, 1))
curvature = hessian(rosenbrock, argnums=(0, 1))

point = np.array([-1.2, 1.0])
path = [point]
for step in range(7):
    g_k = np.array(gradient(*point))
    print(
        f"step {step}: (x, y) = ({point[0]:+.10f}, {point[1]:+.10f})   "
        f"r = {rosenbrock(*point):.3e}   |grad| = {np.linalg.norm(g_k):.3e}"
    )
    point = point - np.linalg.solve(curvature(*point), g_k)
    path.append(point)

# %% [markdown]
# The first steps wander (the quadratic model is poor far from the minimum: one step even climbs
# out of the valley), then the iterates lock on and converge quadratically. sympy confirms that
# $(1, 1)$ is the only point where the gradient vanishes, and that the engine's gradient and
# Hessian at the starting point are exact:

# %%
r_exact = (1 - X) ** 2 + 100 * (Y - X**2) ** 2
print("sympy: grad r = 0 at", sp.solve([sp.diff(r_exact, X), sp.diff(r_exact, Y)], [X, Y]))
start = {X: -1.2, Y: 1.0}
grad_exact = np.array([float(sp.diff(r_exact, v).subs(start)) for v in (X, Y)])
hess_exact = np.array(sp.hessian(r_exact, (X, Y)).subs(start), dtype=float)
print("gradient at (-1.2, 1): engine", np.array(gradient(-1.2, 1.0)), " sympy", grad_exact)
print("Hessian at (-1.2, 1):  engine", curvature(-1.2, 1.0).tolist(), " sympy", hess_exact.tolist())

# %% [markdown]
# The path, over the level sets of $\log(1 + r)$ (darker is lower):

# %% tags=["plot"]
path = np.array(path)
gx, gy = np.meshgrid(np.linspace(-1.6, 1.6, 200), np.linspace(-3.5, 2.0, 200))
fig, ax = plt.subplots(figsize=(6, 4.5))
ax.contourf(gx, gy, np.log1p(rosenbrock(gx, gy)), levels=14, cmap="Blues_r")
ax.plot(path[:, 0], path[:, 1], "o-", color="crimson", markersize=4, label="Newton iterates")
ax.plot([1], [1], "k*", markersize=12, label="minimum (1, 1)")
for k, (px, py) in enumerate(path[:4]):
    ax.annotate(str(k), (px, py), textcoords="offset points", xytext=(5, 5))
ax.set(xlabel="x", ylabel="y", title="Newton's method on the Rosenbrock function")
ax.legend(loc="lower left")
fig.tight_layout()

# %% [markdown]
# ## Summary
#
# - `grad(f)`, `value_and_grad(f)` and `hessian(f)` take `argnums` and return functions;
#   they nest to any order.
# - `y.backward(create_graph=True)` leaves `Value` gradients that can be differentiated again.
# - All of it runs on the same engine and rule table as a first derivative: there is no
#   separate second-order code to get wrong, and sympy agrees to the last few bits.
