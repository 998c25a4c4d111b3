// The interactive computation graph: pan and zoom, facts of a clicked node, paths to the
// output, and a replay of the forward and backward pass. Reads the JSON in #facts, which
// autograd_lite.draw.facts writes; needs nothing from the network.
"use strict";
(function () {
  const facts = JSON.parse(document.getElementById("facts").textContent);
  const DIGITS = facts.digits;
  const nodes = facts.nodes;                       // topological order, the root last
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const byElement = new Map();                     // drawing element -> the values it shows
  for (const n of nodes) {
    if (!byElement.has(n.element)) byElement.set(n.element, []);
    byElement.get(n.element).push(n);
  }
  const consumers = new Map(nodes.map((n) => [n.id, []]));
  for (const n of nodes) n.inputs.forEach((p, k) => consumers.get(p).push({ node: n, k }));
  const svg = document.querySelector("#view > svg");
  const info = document.getElementById("info");
  const tip = document.getElementById("tip");
  // What a click or a hover can land on: a Graphviz box (values view, record neurons), and
  // the network diagram's neuron circles and input/loss values.
  const ITEM = "g.node, g.neuron, g.value";
  document.body.classList.remove("static");

  // ------------------------------------------------------------------ theme

  // Dark where the notebook around the page is dark (a same-origin frame can read it:
  // JupyterLab's data-jp-theme-light, VS Code's body class, a data-theme attribute), else
  // where the system is (prefers-color-scheme). Followed live as either changes.
  function themeOf(doc) {
    if (!doc || !doc.body) return null;
    const light = doc.body.dataset.jpThemeLight;
    if (light === "true" || light === "false") return light === "true" ? "light" : "dark";
    const classes = doc.body.classList;
    if (classes.contains("vscode-light") || classes.contains("vscode-high-contrast-light")) return "light";
    if (classes.contains("vscode-dark") || classes.contains("vscode-high-contrast")) return "dark";
    for (const el of [doc.documentElement, doc.body]) {
      const word = el.getAttribute("data-theme") || el.getAttribute("theme");
      if (word === "dark" || word === "light") return word;
    }
    return null;
  }
  let outer = null;
  try { outer = window.frameElement ? window.parent.document : null; } catch (err) { outer = null; }
  const systemDark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function applyTheme() {
    const dark = systemDark !== null && systemDark.matches;
    document.documentElement.dataset.theme = themeOf(outer) || (dark ? "dark" : "light");
  }
  applyTheme();
  if (systemDark && systemDark.addEventListener) systemDark.addEventListener("change", applyTheme);
  if (outer && outer.body && window.MutationObserver) {
    const watch = { attributes: true, attributeFilter: ["data-jp-theme-light", "class", "data-theme", "theme"] };
    new MutationObserver(applyTheme).observe(outer.body, watch);
    new MutationObserver(applyTheme).observe(outer.documentElement, watch);
  }

  // ------------------------------------------------------------------ numbers and text

  // Python's format(x, ".{DIGITS}g"), so the page and the drawing agree digit for digit.
  function fmt(x) {
    if (typeof x === "string") return x;
    if (x === null || x === undefined) return "?";
    if (x === 0) return "0";
    const exponent = parseInt(x.toExponential(DIGITS - 1).split("e")[1], 10);
    const strip = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
    if (exponent < -4 || exponent >= DIGITS) {
      const mantissa = strip(x.toExponential(DIGITS - 1).split("e")[0]);
      const sign = exponent < 0 ? "-" : "+";
      return mantissa + "e" + sign + String(Math.abs(exponent)).padStart(2, "0");
    }
    return strip(x.toFixed(Math.max(0, DIGITS - 1 - exponent)));
  }
  const num = (x) => (typeof x === "string" ? NaN : x);
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  const opId = (n) => "op" + n.id.slice(1);
  const element = (id) => document.getElementById(id);

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

  function tipText(elementId, x, y) {
    const id = elementId.startsWith("op") ? "v" + elementId.slice(2) : elementId;
    if (cellsOf.has(id)) {
      const cell = cellAt(id, x, y);
      if (cell) return valueTip(cell.node);
    }
    const shown = byElement.get(id) || [];
    const notes = shown.filter((n) => n.note);
    if (notes.length) return notes.map(valueTip).join("\n");
    // A group (a neuron): its output, the last of its values in topological order.
    return shown.length ? valueTip(shown[shown.length - 1]) : "";
  }

  function edgeTip(g) {
    if (g.dataset.w === undefined) return "";
    const title = g.querySelector("title");
    const name = title ? title.textContent.split("\n")[0] : "weight";
    const grad = g.dataset.grad === undefined ? "" : `, grad ${fmt(Number(g.dataset.grad))}`;
    return `${name}: ${fmt(Number(g.dataset.w))}${grad}`;
  }

  svg.addEventListener("mousemove", (event) => {
    const g = event.target.closest(ITEM);
    const edge = g ? null : event.target.closest("g.edge");
    const text = g ? tipText(g.id, event.clientX, event.clientY) : edge ? edgeTip(edge) : "";
    tip.hidden = !text;
    if (!text) return;
    tip.textContent = text;
    tip.style.left = event.clientX + 14 + "px";
    tip.style.top = event.clientY + 14 + "px";
  });
  svg.addEventListener("mouseleave", () => { tip.hidden = true; });
  for (const n of nodes) {
    const el = n.note && element(n.element);
    if (!el) continue;
    // Only a WRONG entry gets the red outline; every verdict gets its own class.
    el.classList.add("verdict-" + n.note.verdict);
    if (n.note.verdict === "wrong") el.classList.add("wrong");
  }

  // ------------------------------------------------------------------ pan and zoom

  const whole = svg.getAttribute("viewBox").split(/[\s,]+/).map(Number);
  let box = whole.slice();
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  const setBox = (b) => { box = b; svg.setAttribute("viewBox", b.join(" ")); };
  const scale = () => {                            // drawing units per screen pixel
    const r = svg.getBoundingClientRect();
    return Math.max(box[2] / r.width, box[3] / r.height);
  };
  const toDrawing = (x, y) => {                    // a screen point in drawing units
    const r = svg.getBoundingClientRect();
    const s = scale();
    return [box[0] + (x - r.left - (r.width - box[2] / s) / 2) * s,
      box[1] + (y - r.top - (r.height - box[3] / s) / 2) * s];
  };

  // The page opens with its smallest text (edge labels) at READABLE_PX or more: the whole
  // drawing where it fits at that size, else a readable part around the first WRONG entry,
  // or around the output, where the backward pass starts ("fit" shows the whole drawing).
  const READABLE_PX = 11;
  let smallest = Infinity;
  for (const t of svg.querySelectorAll("text")) {
    const size = parseFloat(t.getAttribute("font-size") || getComputedStyle(t).fontSize);
    if (size > 0 && size < smallest) smallest = size;
  }
  function readableBox() {
    const r = svg.getBoundingClientRect();
    const s = Number.isFinite(smallest) ? smallest / READABLE_PX : scale();
    if (scale() <= s || !r.width || !r.height) return whole.slice();
    const wrong = svg.querySelector(".wrong");
    const target = wrong || element(facts.root) || element(byId.get(facts.root).element);
    let [cx, cy] = [whole[0] + whole[2] / 2, whole[1] + whole[3] / 2];
    if (target) {
      const t = target.getBoundingClientRect();
      [cx, cy] = toDrawing(t.left + t.width / 2, t.top + t.height / 2);
    }
    const w = r.width * s;
    const h = r.height * s;
    const clamp = (v, lo, size, span) => (size >= span ? lo + (span - size) / 2
      : Math.min(Math.max(v, lo), lo + span - size));
    return [clamp(cx - w / 2, whole[0], w, whole[2]), clamp(cy - h / 2, whole[1], h, whole[3]), w, h];
  }
  svg.dataset.whole = whole.join(" ");

  // Pan (same zoom) so that an element is in view: a node selected from outside, the
  // replay's current step.
  function reveal(el) {
    if (!el) return;
    const r = el.getBoundingClientRect();
    const [x0, y0] = toDrawing(r.left, r.top);
    const [x1, y1] = toDrawing(r.right, r.bottom);
    const inside = x0 >= box[0] && y0 >= box[1] && x1 <= box[0] + box[2] && y1 <= box[1] + box[3];
    if (inside) return;
    const keep = (lo, size, span, v) => (size >= span ? lo + (span - size) / 2
      : Math.min(Math.max(v, lo), lo + span - size));
    setBox([keep(whole[0], box[2], whole[2], (x0 + x1 - box[2]) / 2),
      keep(whole[1], box[3], whole[3], (y0 + y1 - box[3]) / 2), box[2], box[3]]);
  }
  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const r = svg.getBoundingClientRect();
    const s = scale();
    const cx = box[0] + (event.clientX - r.left - (r.width - box[2] / s) / 2) * s;
    const cy = box[1] + (event.clientY - r.top - (r.height - box[3] / s) / 2) * s;
    const f = Math.pow(1.0015, event.deltaY);
    setBox([cx - (cx - box[0]) * f, cy - (cy - box[1]) * f, box[2] * f, box[3] * f]);
  }, { passive: false });
  let drag = null;
  let dragged = false;
  svg.addEventListener("mousedown", (event) => {
    drag = { x: event.clientX, y: event.clientY, box: box.slice(), s: scale() };
    dragged = false;
  });
  window.addEventListener("mousemove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) {
      dragged = true;
      document.getElementById("view").classList.add("dragging");
    }
    if (dragged) setBox([drag.box[0] - dx * drag.s, drag.box[1] - dy * drag.s, drag.box[2], drag.box[3]]);
  });
  window.addEventListener("mouseup", () => {
    drag = null;
    document.getElementById("view").classList.remove("dragging");
  });
  svg.addEventListener("click", (event) => {
    if (dragged) { dragged = false; return; }
    const g = event.target.closest(ITEM);
    if (g) select(g.id);
    else { clearMarks(); }
  });
  document.getElementById("fit").addEventListener("click", () => setBox(whole.slice()));
  document.getElementById("readable").addEventListener("click", () => { setBox(whole.slice()); setBox(readableBox()); });

  // ------------------------------------------------------------------ the replay

  // Step 0: nothing computed. Steps 1..F: the forward pass, one value each, in topological
  // order. Step F+1: the output's grad is seeded with 1. Then one step per operation, in
  // the engine's backward order (reverse topological), adding grad * local to each input.
  const backward = nodes.slice().reverse().filter((n) => n.inputs.length);
  const F = nodes.length;
  const last = F + 1 + backward.length;
  const slider = document.getElementById("slider");
  const stepText = document.getElementById("step-text");
  slider.max = String(last);

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

  const listeners = [];                           // hosts told of every step shown

  function show(step) {
    step = Math.max(0, Math.min(last, step));
    slider.value = String(step);
    const state = stateAt(step);
    stepText.textContent = step === last ? `done: ${state.message}` : state.message;
    for (const el of svg.querySelectorAll(".current, .pending")) {
      el.classList.remove("current", "pending");
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
    for (const listener of listeners) listener(step, stepText.textContent);
  }

  let timer = null;
  const play = document.getElementById("play");
  function stop() { clearInterval(timer); timer = null; play.textContent = "play"; }
  play.addEventListener("click", () => {
    if (timer) { stop(); return; }
    if (Number(slider.value) >= last) show(0);
    play.textContent = "pause";
    timer = setInterval(() => {
      if (Number(slider.value) >= last) { stop(); return; }
      show(Number(slider.value) + 1);
    }, 700);
  });
  document.getElementById("next").addEventListener("click", () => { stop(); show(Number(slider.value) + 1); });
  document.getElementById("prev").addEventListener("click", () => { stop(); show(Number(slider.value) - 1); });
  document.getElementById("first").addEventListener("click", () => { stop(); show(0); });
  slider.addEventListener("input", () => { stop(); show(Number(slider.value)); });
  // A host that embeds the page (the notebook widget) drives it through this object: go to
  // a step, select a value or drawing element by id, and hear of every step shown.
  window.autogradLitePage = {
    last,
    step: () => Number(slider.value),
    message: () => stepText.textContent,
    go: (step) => { stop(); show(step); reveal(svg.querySelector(".current")); },
    select: (id) => {
      select(id);
      const n = byId.get(id);
      reveal(element(id) || (n && element(n.element)));
    },
    selected: () => info.dataset.selected || "",
    onStep: (listener) => { listeners.push(listener); },
  };

  show(last);

  // Last, once the toolbar holds its text: the opening view depends on the drawing's size.
  const opening = readableBox();
  setBox(opening);
  if (opening.join() !== whole.join()) {
    const hint = info.querySelector(".hint");
    const more = " Part of the drawing is shown, at a size you can read: press fit for all of it.";
    if (hint) hint.insertAdjacentText("beforeend", more);
  }
})();
