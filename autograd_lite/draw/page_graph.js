// The interactive page's graph mode: a computation graph's values (the values view, the
// network view), read from GraphFacts (autograd_lite.draw.facts). page.js runs it.
"use strict";
function autogradLiteGraphMode(env) {
  const { facts, svg, info, fmt, num, esc, element } = env;
  const nodes = facts.nodes;                       // topological order, the root last
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const byElement = new Map();                     // drawing element -> the values it shows
  for (const n of nodes) {
    if (!byElement.has(n.element)) byElement.set(n.element, []);
    byElement.get(n.element).push(n);
  }
  const consumers = new Map(nodes.map((n) => [n.id, []]));
  for (const n of nodes) n.inputs.forEach((p, k) => consumers.get(p).push({ node: n, k }));
  // What a click or a hover can land on: a Graphviz box (values view, record neurons), and
  // the network diagram's neuron circles and input/loss values.
  const ITEM = "g.node, g.neuron, g.value";
  const opId = (n) => "op" + n.id.slice(1);

  // ------------------------------------------------------------------ cells of a box

  // A neuron box holds several values, each in a cell of texts: its short name (w0, b, z, a;
  // after a verdict mark), then its data, then "∇ grad". Found by name, so each value's
  // tooltip and replay use its own cell, not the box's first.
  const MARK = /^[✗?~✓●] /;
  const shortNames = (n) => [n.name.replace(/^.*neurons\.\d+\./, "").replace(/\./g, ""), n.name];
  const cellsOf = new Map();                       // group element id -> [{node, texts}]
  for (const [elementId, shown] of byElement) {
    const g = element(elementId);
    if (!g || (shown.length === 1 && shown[0].id === elementId)) continue;
    const texts = Array.from(g.querySelectorAll("text"));
    const label = (t) => t.textContent.trim().replace(MARK, "");
    const cells = [];
    for (const n of shown) {
      const wanted = shortNames(n);
      const start = texts.findIndex((t) => wanted.includes(label(t)));
      if (start < 0) continue;
      const own = [texts[start]];
      for (let k = start + 1; k < texts.length && k <= start + 2; k++) {
        const t = texts[k].textContent.trim();
        if (!(t.startsWith("∇ ") || /^[-+]?(\d|\.\d|inf|nan)/.test(t))) break;
        own.push(texts[k]);
      }
      texts[start].dataset.value = n.id;
      cells.push({ node: n, texts: own });
    }
    if (cells.length) cellsOf.set(elementId, cells);
  }

  // The cell nearest the pointer, for a box of cells.
  function cellAt(elementId, x, y) {
    let best = null;
    let bestDistance = Infinity;
    for (const cell of cellsOf.get(elementId) || []) {
      for (const t of cell.texts) {
        const r = t.getBoundingClientRect();
        const dx = Math.max(r.left - x, 0, x - r.right);
        const dy = Math.max(r.top - y, 0, y - r.bottom);
        const distance = dx * dx + dy * dy;
        if (distance < bestDistance) { bestDistance = distance; best = cell; }
      }
    }
    return best;
  }

  // ------------------------------------------------------------------ the facts panel

  function describe(n) {
    const rows = [];
    rows.push(`<h2>${esc(n.name)}</h2>`);
    if (n.note) {
      const ref = n.note.reference === null ? "" : `, reference ${fmt(n.note.reference)}`;
      const exp = n.note.expected === null ? "" : `expected ${fmt(n.note.expected)}`;
      rows.push(`<p class="verdict">${esc(n.note.verdict.toUpperCase())}: ${exp}${ref}</p>`);
      if (n.note.mistake) rows.push(`<p class="mistake">${esc(n.note.mistake)}</p>`);
    }
    const made = n.inputs.length ? esc(n.formula) : "a leaf (an input or parameter)";
    rows.push(`<table><tr><th>data</th><td class="data">${fmt(n.data)}</td></tr>` +
      `<tr><th>grad (after backward)</th><td class="grad">${fmt(n.grad)}</td></tr>` +
      `<tr><th>made by</th><td>${made}</td></tr></table>`);
    if (n.inputs.length) {
      rows.push("<h3>inputs: local derivative and contribution</h3><table class=\"inputs\">" +
        "<tr><th>input</th><th>local d/d input</th><th>adds grad &times; local</th></tr>");
      n.inputs.forEach((p, k) => {
        const local = n.locals[k];
        const adds = local === null ? "?" : fmt(num(n.grad) * num(local));
        rows.push(`<tr class="input"><td>${esc(byId.get(p).name)}</td>` +
          `<td>${fmt(local)}</td><td>${adds}</td></tr>`);
      });
      rows.push("</table>");
    }
    rows.push(`<h3>chain rule</h3><p class="sum">${esc(chainRule(n))}</p>`);
    return rows.join("");
  }

  function chainRule(n) {
    const root = byId.get(facts.root).name;
    const d = (top, bottom) => `d${top}/d${bottom}`;
    if (n.id === facts.root) return `${d(root, root)} = 1 (the output)`;
    const uses = consumers.get(n.id);
    if (!uses.length) return `${d(root, n.name)} = 0 (not used)`;
    const symbols = uses.map((u) => `${d(root, u.node.name)} * ${d(u.node.name, n.name)}`);
    const numbers = uses.map((u) => `(${fmt(u.node.grad)})(${fmt(u.node.locals[u.k])})`);
    return `${d(root, n.name)} = ${symbols.join(" + ")}\n = ${numbers.join(" + ")}\n = ${fmt(n.grad)}`;
  }

  // ------------------------------------------------------------------ paths to the output

  function clearMarks() {
    svg.classList.remove("dimmed");
    for (const el of svg.querySelectorAll(".on-path, .selected")) {
      el.classList.remove("on-path", "selected");
    }
  }

  const diagramEdges = Array.from(svg.querySelectorAll("g.edge[id^='e_']"));

  function markPaths(start) {
    const reached = new Set();
    const todo = start.map((n) => n.id);
    while (todo.length) {
      const id = todo.pop();
      if (reached.has(id)) continue;
      reached.add(id);
      for (const u of consumers.get(id)) todo.push(u.node.id);
    }
    const mark = (id) => { const el = element(id); if (el) el.classList.add("on-path"); };
    for (const id of reached) {
      const n = byId.get(id);
      mark(n.element);
      if (n.inputs.some((p) => reached.has(p))) mark(opId(n));
      for (const p of n.inputs) {
        if (!reached.has(p)) continue;
        mark(`${p}-${opId(n)}`);
        mark(`${opId(n)}-${n.id}`);
        mark(`${byId.get(p).element}-${n.element}`);
        // the network diagram's edges: e_<tail element>_<head element>_<k>
        const prefix = `e_${byId.get(p).element}_${n.element}_`;
        if (byId.get(p).element !== n.element) {
          for (const edge of diagramEdges) if (edge.id.startsWith(prefix)) edge.classList.add("on-path");
        }
      }
    }
    svg.classList.add("dimmed");
    return reached;
  }

  function select(elementId) {
    clearMarks();
    const id = elementId.startsWith("op") ? "v" + elementId.slice(2) : elementId;
    const shown = byElement.get(id) || (byId.has(id) ? [byId.get(id)] : []);
    if (!shown.length) return;
    const el = element(id) || element(shown[0].element);
    if (el) el.classList.add("selected");
    markPaths(shown);
    info.innerHTML = shown.map(describe).join("<hr>");
    info.dataset.selected = shown.map((n) => n.name).join(",");
  }

  // ------------------------------------------------------------------ hover

  const valueTip = (n) => {
    if (!n.note) return `${n.name}: data ${fmt(n.data)}, grad ${fmt(n.grad)}`;
    const parts = [`${n.name}: ${n.note.verdict.toUpperCase()}`];
    if (n.note.expected !== null) parts.push(`expected ${fmt(n.note.expected)}`);
    if (n.note.reference !== null) parts.push(`reference ${fmt(n.note.reference)}`);
    if (n.note.mistake) return `${n.note.mistake} [${parts.join(", ")}]`;
    return parts.join(", ");
  };

  // A drawing's own <title>s: the network diagram's say what a neuron or weight is, so they
  // become the page's tooltip text; Graphviz's only repeat an id ("v0", "v0->op2"). Either
  // way they go, or the browser would show its own tooltip over the page's.
  for (const title of Array.from(svg.querySelectorAll("g > title"))) {
    const g = title.parentElement;
    const text = title.textContent.trim();
    if (text && text !== g.id && !/^[\w.:]+(->|--)[\w.:]+$/.test(text)) g.dataset.tip = text;
    title.remove();
  }

  function tipText(elementId, x, y) {
    const id = elementId.startsWith("op") ? "v" + elementId.slice(2) : elementId;
    if (cellsOf.has(id)) {
      const cell = cellAt(id, x, y);
      if (cell) return valueTip(cell.node);
    }
    const shown = byElement.get(id) || [];
    const notes = shown.filter((n) => n.note);
    if (notes.length) return notes.map(valueTip).join("\n");
    const own = element(id);
    if (own && own.dataset.tip) return own.dataset.tip;
    // A group (a neuron): its output, the last of its values in topological order.
    return shown.length ? valueTip(shown[shown.length - 1]) : "";
  }

  function edgeTip(g) {
    if (g.dataset.tip) return g.dataset.tip;
    if (g.dataset.w === undefined) return "";
    const name = "weight";
    const grad = g.dataset.grad === undefined ? "" : `, grad ${fmt(Number(g.dataset.grad))}`;
    return `${name}: ${fmt(Number(g.dataset.w))}${grad}`;
  }

  function hoverText(target, x, y) {
    const g = target.closest(ITEM);
    if (g) return tipText(g.id, x, y);
    const edge = target.closest("g.edge");
    return edge ? edgeTip(edge) : "";
  }

  for (const n of nodes) {
    const el = n.note && element(n.element);
    if (!el) continue;
    // Only a WRONG entry gets the red outline; every verdict gets its own class.
    el.classList.add("verdict-" + n.note.verdict);
    if (n.note.verdict === "wrong") el.classList.add("wrong");
  }

  // ------------------------------------------------------------------ the replay

  // Step 0: nothing computed. Steps 1..F: the forward pass, one value each, in topological
  // order. Step F+1: the output's grad is seeded with 1. Then one step per operation, in
  // the engine's backward order (reverse topological), adding grad * local to each input.
  const backward = nodes.slice().reverse().filter((n) => n.inputs.length);
  const F = nodes.length;
  const last = F + 1 + backward.length;

  // Each value's data and grad texts, in its own box ("data 2", "grad 0.5") or in its
  // cell of a neuron box ("2", "∇ 0.5"), with the finished text to restore.
  const fields = new Map();
  for (const n of nodes) {
    const own = element(n.id);
    const cell = (cellsOf.get(n.element) || []).find((c) => c.node === n);
    let data = null;
    let grad = null;
    let dataPrefix = "data ";
    let gradPrefix = "grad ";
    if (own) {
      const texts = Array.from(own.querySelectorAll("text"));
      data = texts.find((t) => t.textContent.trim().startsWith("data ")) || null;
      grad = texts.find((t) => t.textContent.trim().startsWith("grad ")) || null;
    } else if (cell) {
      grad = cell.texts.find((t) => t.textContent.trim().startsWith("∇ ")) || null;
      data = cell.texts.slice(1).find((t) => t !== grad) || null;
      dataPrefix = "";
      gradPrefix = "∇ ";
    }
    if (!data && !grad) continue;
    fields.set(n.id, { data, grad, dataPrefix, gradPrefix,
      dataText: data && data.textContent, gradText: grad && grad.textContent });
  }

  function stateAt(step) {
    const known = new Set(nodes.slice(0, Math.min(step, F)).map((n) => n.id));
    const grads = new Map();
    let message = "";
    if (step === 0) message = "start: press play or ▶ to run the forward pass";
    else if (step <= F) {
      const n = nodes[step - 1];
      const how = n.inputs.length ? `${n.formula} = ` : "";
      message = `forward ${step}/${F}: ${n.name} = ${how}${fmt(n.data)}${n.inputs.length ? "" : " (leaf)"}`;
    }
    let current = step >= 1 && step <= F ? nodes[step - 1] : null;
    if (step > F) {
      grads.set(facts.root, 1);
      const root = byId.get(facts.root);
      message = `backward: d${root.name}/d${root.name} = 1 (seed)`;
      current = root;
      for (let j = 0; j < step - F - 1; j++) {
        const n = backward[j];
        const g = grads.get(n.id) || 0;
        const adds = n.inputs.map((p, k) => {
          const local = num(n.locals[k]);
          const contribution = g === 0 ? 0 : g * local;
          grads.set(p, (grads.get(p) || 0) + contribution);
          return `${byId.get(p).name}.grad += ${fmt(g)} × ${fmt(n.locals[k])} = ${fmt(contribution)} (now ${fmt(grads.get(p))})`;
        });
        message = `backward ${j + 1}/${backward.length}: ${n.name} passes grad ${fmt(g)} on: ${adds.join("; ")}`;
        current = n;
      }
    }
    return { known, grads, message, current };
  }

  // Draw step `step` of the replay; returns the step line's text.
  // An element with neither fields nor cells (a neuron's circle, an input's or the loss's
  // box in the network diagram) shows its value as a bare number: "?" until computed.
  const NUMBER = /^[-+−]?(\d|\.\d|inf|nan)/;
  const bareNumbers = new Map();                  // element id -> [[text, finished text]]
  for (const [elementId, shown] of byElement) {
    const el = element(elementId);
    if (!el || cellsOf.has(elementId) || shown.some((n) => fields.has(n.id))) continue;
    const texts = Array.from(el.querySelectorAll("text"))
      .filter((t) => NUMBER.test(t.textContent.trim()))
      .map((t) => [t, t.textContent]);
    if (texts.length) bareNumbers.set(elementId, texts);
  }

  function render(step) {
    const state = stateAt(step);
    for (const el of svg.querySelectorAll(".current, .pending")) {
      el.classList.remove("current", "pending");
    }
    for (const [elementId, texts] of bareNumbers) {
      const computed = step === last || byElement.get(elementId).some((m) => state.known.has(m.id));
      for (const [t, finished] of texts) t.textContent = computed ? finished : "?";
    }
    for (const n of nodes) {
      const f = fields.get(n.id);
      const pending = !state.known.has(n.id);
      const el = element(n.element);
      if (el && pending && byElement.get(n.element).every((m) => !state.known.has(m.id))) {
        el.classList.add("pending");
      }
      if (!f) continue;
      if (step === last) {
        if (f.data) f.data.textContent = f.dataText;
        if (f.grad) f.grad.textContent = f.gradText;
        continue;
      }
      if (f.data) f.data.textContent = pending ? f.dataPrefix + "?" : f.dataText;
      if (f.grad) {
        const known = state.grads.has(n.id);
        f.grad.textContent = f.gradPrefix + (known ? fmt(state.grads.get(n.id)) : "?");
      }
    }
    if (state.current && step !== last) {
      const el = element(state.current.element);
      if (el) el.classList.add("current");
    }
    return state.message;
  }

  // The element a host's select(id) or the opening view should show.
  function elementOf(id) {
    const n = byId.get(id);
    return element(id) || (n && element(n.element)) || null;
  }

  return {
    item: ITEM,
    last,
    render,
    select,
    clear: clearMarks,
    hoverText,
    elementOf,
    focus: () => svg.querySelector(".wrong") || elementOf(facts.root),
  };
}
