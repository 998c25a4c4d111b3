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

  // ------------------------------------------------------------------ the facts panel

  function describe(n) {
    const rows = [];
    rows.push(`<h2>${esc(n.name)}</h2>`);
    if (n.note) {
      const ref = n.note.reference === null ? "" : `, reference ${fmt(n.note.reference)}`;
      const exp = n.note.expected === null ? "" : `expected ${fmt(n.note.expected)}`;
      rows.push(`<p class="verdict">${esc(n.note.verdict.toUpperCase())}: ${exp}${ref}</p>`);
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
    const el = element(id);
    if (el) el.classList.add("selected");
    markPaths(shown);
    info.innerHTML = shown.map(describe).join("<hr>");
    info.dataset.selected = shown.map((n) => n.name).join(",");
  }

  // ------------------------------------------------------------------ hover

  function tipText(elementId) {
    const id = elementId.startsWith("op") ? "v" + elementId.slice(2) : elementId;
    const shown = byElement.get(id) || [];
    const notes = shown.filter((n) => n.note);
    if (notes.length) {
      return notes.map((n) => {
        const parts = [`${n.name}: ${n.note.verdict.toUpperCase()}`];
        if (n.note.expected !== null) parts.push(`expected ${fmt(n.note.expected)}`);
        if (n.note.reference !== null) parts.push(`reference ${fmt(n.note.reference)}`);
        return parts.join(", ");
      }).join("\n");
    }
    return shown.slice(0, 1).map((n) => `${n.name}: data ${fmt(n.data)}, grad ${fmt(n.grad)}`).join("");
  }

  svg.addEventListener("mouseover", (event) => {
    const g = event.target.closest("g.node");
    if (!g) return;
    const text = tipText(g.id);
    if (!text) return;
    tip.textContent = text;
    tip.hidden = false;
  });
  svg.addEventListener("mousemove", (event) => {
    tip.style.left = event.clientX + 14 + "px";
    tip.style.top = event.clientY + 14 + "px";
  });
  svg.addEventListener("mouseout", (event) => {
    const g = event.target.closest("g.node");
    if (g && !g.contains(event.relatedTarget)) tip.hidden = true;
  });
  for (const n of nodes) {
    if (n.note && element(n.element)) element(n.element).classList.add("wrong");
  }

  // ------------------------------------------------------------------ pan and zoom

  const initial = svg.getAttribute("viewBox").split(/[\s,]+/).map(Number);
  let box = initial.slice();
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  const setBox = (b) => { box = b; svg.setAttribute("viewBox", b.join(" ")); };
  const scale = () => {
    const r = svg.getBoundingClientRect();
    return Math.max(box[2] / r.width, box[3] / r.height);
  };
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
    const g = event.target.closest("g.node");
    if (g) select(g.id);
    else { clearMarks(); }
  });
  document.getElementById("fit").addEventListener("click", () => setBox(initial.slice()));

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

  const fields = new Map();                       // value id -> its "data"/"grad" <text>s
  for (const n of nodes) {
    const g = element(n.id);
    if (!g) continue;
    const texts = Array.from(g.querySelectorAll("text"));
    const find = (word) => texts.find((t) => t.textContent.trim().startsWith(word + " "));
    fields.set(n.id, { data: find("data"), grad: find("grad"),
      dataText: find("data") && find("data").textContent,
      gradText: find("grad") && find("grad").textContent });
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

  function show(step) {
    step = Math.max(0, Math.min(last, step));
    slider.value = String(step);
    const state = stateAt(step);
    stepText.textContent = step === last ? `done: ${state.message}` : state.message;
    for (const el of svg.querySelectorAll("g.node.current, g.node.pending")) {
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
      if (f.data) f.data.textContent = pending ? "data ?" : f.dataText;
      if (f.grad) f.grad.textContent = state.grads.has(n.id) ? "grad " + fmt(state.grads.get(n.id)) : "grad ?";
    }
    if (state.current && step !== last) {
      const el = element(state.current.element);
      if (el) el.classList.add("current");
    }
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
  show(last);
})();
