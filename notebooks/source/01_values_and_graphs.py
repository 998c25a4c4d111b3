# %% [markdown]
# # 1. Values and computation graphs
#
# autograd_lite differentiates ordinary Python arithmetic. A number you want derivatives for is
# a `Value`. Every operation on Values records a node of a **computation graph**, and
# `backward()` walks that graph from the output back to the inputs, filling in each node's
# `grad`: the derivative of the output with respect to that node.
#
# This page builds the smallest interesting example, one artificial neuron, and looks at it from
# every side:
#
# 1. its graph before and after the backward pass,
# 2. the chain rule written on the graph's edges,
# 3. the same backward pass as a step-by-step derivation,
# 4. a value used twice, and why its gradient is a sum.
#
# The drawings need no system Graphviz: where the `dot` program is missing, autograd_lite lays
# the graph out with the Graphviz that pip installed beside it (`graphviz-pure`).

# %%
from autograd_lite import Value, draw_graph, explain

# %% [markdown]
# ## A neuron
#
# A neuron weighs its inputs, adds a bias and squashes the sum:
# $o = \tanh(x_1 w_1 + x_2 w_2 + b)$.
#
# Give each Value a `label` so that drawings and error messages can name it. Intermediate
# results are Values too; setting their `.label` is optional but makes the drawings easier to
# read.

# %%
x1 = Value(2.0, label="x1")
x2 = Value(0.0, label="x2")
w1 = Value(-3.0, label="w1")
w2 = Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")  # chosen so that o comes out as 1/sqrt(2)

x1w1 = x1 * w1
x1w1.label = "x1*w1"
x2w2 = x2 * w2
x2w2.label = "x2*w2"
s = x1w1 + x2w2
s.label = "s"
n = s + b
n.label = "n"
o = n.tanh()
o.label = "o"
o

# %% [markdown]
# ## The graph before `backward()`
#
# `draw_graph(o)` shows every value as a box (label, data, grad) and every operation as a small
# grey node between its inputs and its output, the way these graphs are drawn by hand. Nothing
# has been differentiated yet, so every grad is 0, and the caption says so.

# %% tags=["graph"]
draw_graph(o)

# %% [markdown]
# ## The backward pass
#
# `o.backward()` starts from `o.grad = 1` (do/do) and hands gradients back through the graph.
# Each operation multiplies the gradient arriving at its output by its *local* derivative and
# passes the result to its inputs.

# %%
o.backward()
for v in (n, b, s, x1w1, x2w2, w1, x1, w2, x2):
    print(f"do/d{v.label:<6} = {v.grad:+.4f}")

# %% [markdown]
# Reading the numbers from the output backwards:
#
# - tanh'(n) = 1 - tanh(n)² = 1 - o² = 0.5 here, so do/dn = 0.5;
# - a sum passes the gradient at its output unchanged to each term: do/db = do/ds = 0.5, and
#   again do/d(x1·w1) = 0.5;
# - a product sends each factor the gradient times the *other* factor:
#   do/dw1 = 0.5 · x1 = 1.0 and do/dx1 = 0.5 · w1 = -1.5;
# - x2 is 0, so nudging w2 cannot change the output: do/dw2 = 0.
#
# The same graph, now with its gradients:

# %% tags=["graph"]
draw_graph(o)

# %% [markdown]
# ## The chain rule on the edges
#
# With `edge_labels=True`, every edge into an operation carries two numbers:
#
# - `local`: the operation's local derivative d(output)/d(input), and
# - `adds`: what flows back along the edge into the input's grad: the operation's output grad
#   times the local derivative.
#
# A node's grad is the sum of what the edges leaving it add. Follow x1: the product `x1*w1` has
# grad 0.5, its local derivative with respect to x1 is w1 = -3, so the edge adds -1.5 to x1.

# %% tags=["graph"]
draw_graph(o, edge_labels=True)

# %% [markdown]
# ## The same backward pass, written out
#
# `explain(o)` writes the backward pass the way it is derived on paper: one line per node, in
# the order the gradients are computed, each with its chain-rule step and the numbers filled in.
# In a notebook it displays as a table; `print` gives plain text.

# %%
explain(o)

# %% [markdown]
# To paste a derivation into a report or an exercise sheet, export it: `to_markdown()` or
# `to_latex()` (an `align*` block). `max_nodes` keeps a long one short:

# %%
print(explain(o, max_nodes=4).to_markdown())

# %% [markdown]
# ## A value used twice
#
# A node that feeds two operations receives a gradient from each of them, and its grad is the
# **sum**. Take $f = a \cdot c + a$: $a$ reaches $f$ along two paths, so
# $\partial f / \partial a = c + 1$.

# %%
a = Value(3.0, label="a")
c = Value(-2.0, label="c")
ac = a * c
ac.label = "a*c"
f = ac + a
f.label = "f"
f.backward()
print(f"df/da = {a.grad}   (c + 1 = {c.data + 1})")
print(f"df/dc = {c.grad}   (a = {a.data})")

# %% [markdown]
# In the drawing, `a` has two outgoing edges. The edge into `*` adds 1 · c = -2 (the product's
# grad times its local derivative c), the edge into `+` adds 1 · 1 = 1, and `a.grad` is the
# sum, -1.
# This is the multivariable chain rule: add up the contributions of every path. An engine that
# *assigned* a gradient instead of adding it would keep whichever path it visited last.

# %% tags=["graph"]
draw_graph(f, edge_labels=True)

# %% [markdown]
# `explain` shows the sum as two terms on `a`'s line:

# %%
print(explain(f))

# %% [markdown]
# ## Gradients of inputs add up across `backward()` calls
#
# The same summing is why a *leaf* (an input or a parameter) keeps adding: calling `backward()`
# a second time adds the new gradients to what the leaves already hold. That is what lets
# several losses add their gradients, and it is also a classic surprise when a cell is run twice.
# Intermediate nodes are recomputed on every call. `zero_grad()` starts again.

# %%
f.backward()
print("after a second backward():", a.grad)
f.zero_grad()
f.backward()
print("after zero_grad() and backward():", a.grad)

# %% [markdown]
# ## What next
#
# - **02_checking_hand_derived_gradients**: check a gradient you derived by hand, entry by
#   entry, on five learners' notebooks.
# - **03_training_a_network**: neurons, layers and a training loop on two classic data sets.
# - **04_higher_order**: derivatives of derivatives, Hessians and Newton's method.
#
# `draw_graph` has more options than shown here: `rankdir="TB"` draws top to bottom, `digits`
# sets the significant digits, `show_data`/`show_grad` hide numbers, `highlight` colours nodes
# (or the entries of a gradient check), `group="layer"` clusters a network's nodes by layer,
# `view="network"` draws a network as circles and lines. `draw_graph(o).save("neuron.svg")`
# (or `.png`) writes the picture to a file; `.save("neuron.html")` writes an interactive page
# that works offline: click a node for its chain rule, step through the forward and backward
# pass.
