// The interactive page's arrays mode: a check report drawn as named arrays (the array view),
// read from ArraysFacts (autograd_lite.draw.arrays_view). page.js runs it. A click on a box
// or a heatmap cell shows the array's operation, chain rule and entries; the replay walks the
// arrays forward in the order they are computed, then backward, one chain rule a step.
"use strict";
function autogradLiteArraysMode(env) {
  const { facts, svg, info, fmt, esc, element } = env;
  const arrays = facts.arrays;                     // forward order, the loss last
  const byName = new Map(arrays.map((a) => [a.name, a]));
  const byElement = new Map(arrays.map((a) => [a.element, a]));
  const ITEM = "g.array";
  const SHOWN_ENTRIES = 200;

  // The page shows its own tooltips: each <title> becomes the element's tip text.
  for (const title of Array.from(svg.querySelectorAll("g.array > title, rect.cell > title"))) {
    title.parentElement.dataset.tip = title.textContent;
    title.remove();
  }
  for (const a of arrays) {
    const el = element(a.element);
    if (!el) continue;
    if (a.counts && a.counts.WRONG) el.classList.add("wrong", "verdict-wrong");
    else if (a.counts && a.counts.ok) el.classList.add("verdict-ok");
  }

  // A cell is one entry only where the heatmap draws every entry on its own (a big array's
  // cells are bins or merged runs of one verdict).
  const exact = new Map(arrays.map((a) => {
    const cells = element(a.element) ? element(a.element).querySelectorAll("rect.cell") : [];
    const single = Array.from(cells).every((c) => (c.dataset.entries || "1") === "1");
    return [a.name, single && cells.length === a.values.length];
  }));
  const shape = (a) => (a.shape.length ? a.shape.join("×") : "scalar");
  const counts = (a) => Object.entries(a.counts || {}).map(([k, n]) => `${n} ${k}`).join(", ");

  // The array and entry an element id points at: "a_W1", "a_W1_3" (a cell), or a name.
  function locate(id) {
    if (byElement.has(id)) return { array: byElement.get(id), entry: null };
    if (byName.has(id)) return { array: byName.get(id), entry: null };
    const cell = /^(.*)_(\d+)$/.exec(id);
    if (cell && byElement.has(cell[1])) {
      const array = byElement.get(cell[1]);
      return { array, entry: exact.get(array.name) ? Number(cell[2]) : null };
    }
    return null;
  }

  // ------------------------------------------------------------------ the facts panel

  function index(a, flat) {
    if (!a.shape.length) return "";
    const out = [];
    for (let k = a.shape.length - 1; k >= 0; k--) {
      out.unshift(flat % a.shape[k]);
      flat = Math.floor(flat / a.shape[k]);
    }
    return `[${out.join(",")}]`;
  }

  function describe(a, picked) {
    const rows = [`<h2>${esc(a.name)}</h2>`];
    const made = a.kind === "input" ? "an input" : esc(a.op) + (a.line ? ` (line ${a.line})` : "");
    rows.push(`<table><tr><th>shape</th><td>${shape(a)}</td></tr>` +
      `<tr><th>made by</th><td>${made}</td></tr>` +
      (a.inputs.length ? `<tr><th>from</th><td>${a.inputs.map(esc).join(", ")}</td></tr>` : "") +
      (a.consumers.length ? `<tr><th>used by</th><td>${a.consumers.map(esc).join(", ")}</td></tr>` : "") +
      "</table>");
    if (a.counts && a.counts.WRONG) {
      const first = a.root_cause ? "First wrong step: " : "";
      rows.push(`<p class="verdict">${first}${esc(counts(a))}</p>`);
    } else if (counts(a)) {
      rows.push(`<p>${esc(counts(a))}</p>`);
    }
    if (a.finding) rows.push(`<p class="mistake">${esc(a.finding)}</p>`);
    rows.push(`<h3>chain rule</h3><p class="sum">${esc(a.chain)}</p>`);
    const columns = [["verdict", a.verdicts], ["yours", a.yours], ["engine", a.engine],
      ["finite diff", a.numerical], ["value", a.values]].filter(([, v]) => v);
    const n = a.values.length;
    const order = [];
    if (picked !== null && picked < n) order.push(picked);
    for (let k = 0; k < n && order.length < SHOWN_ENTRIES; k++) if (k !== picked) order.push(k);
    rows.push("<h3>entries</h3><div class=\"scroll\"><table class=\"entries\"><tr><th>entry</th>" +
      columns.map(([label]) => `<th>${label}</th>`).join("") + "</tr>");
    for (const k of order) {
      const wrong = a.verdicts && a.verdicts[k] === "WRONG";
      const cls = [k === picked ? "picked" : "", wrong ? "wrong-entry" : ""].join(" ").trim();
      rows.push(`<tr class="entry ${cls}"><td>${esc(a.name + index(a, k))}</td>` +
        columns.map(([, v]) => `<td>${typeof v[k] === "number" ? fmt(v[k]) : esc(v[k])}</td>`).join("") + "</tr>");
    }
    rows.push("</table></div>");
    if (n > order.length) rows.push(`<p class="hint">… and ${n - order.length} more entries</p>`);
    return rows.join("");
  }

  // ------------------------------------------------------------------ paths to the loss

  function clear() {
    svg.classList.remove("dimmed");
    for (const el of svg.querySelectorAll(".on-path, .selected, .picked")) {
      el.classList.remove("on-path", "selected", "picked");
    }
  }

  function select(id) {
    clear();
    const found = locate(id);
    if (!found) return;
    const { array, entry } = found;
    const reached = new Set();
    const todo = [array.name];
    while (todo.length) {
      const name = todo.pop();
      if (reached.has(name) || !byName.has(name)) continue;
      reached.add(name);
      todo.push(...byName.get(name).consumers);
    }
    for (const name of reached) {
      const a = byName.get(name);
      const el = element(a.element);
      if (el) el.classList.add("on-path");
      for (const next of a.consumers) {
        if (!reached.has(next) || !byName.has(next)) continue;
        const flow = element(`f_${a.element}_${byName.get(next).element}`);
        if (flow) flow.classList.add("on-path");
      }
    }
    svg.classList.add("dimmed");
    const el = element(array.element);
    if (el) el.classList.add("selected");
    if (entry !== null && element(`${array.element}_${entry}`)) {
      element(`${array.element}_${entry}`).classList.add("picked");
    }
    info.innerHTML = describe(array, entry);
    info.dataset.selected = array.name + (entry === null ? "" : index(array, entry));
  }

  function hoverText(target) {
    const cell = target.closest("rect.cell");
    if (cell && cell.dataset.tip) return cell.dataset.tip;
    const g = target.closest(ITEM);
    if (!g) return "";
    const a = byElement.get(g.id);
    return a ? `${a.name}: ${a.kind === "input" ? "input" : a.op}, ${shape(a)}${counts(a) ? ", " + counts(a) : ""}` : "";
  }

  // ------------------------------------------------------------------ the replay

  // Step 0: nothing computed. Steps 1..A: the arrays in the order the forward pass makes
  // them. Steps A+1..2A: backward, from the loss to the inputs, each array's chain rule.
  const A = arrays.length;
  const last = 2 * A;

  function render(step) {
    for (const el of svg.querySelectorAll(".current, .pending, .grad-pending")) {
      el.classList.remove("current", "pending", "grad-pending");
    }
    let message = "start: press play or ▶ to run the forward pass";
    let current = null;
    arrays.forEach((a, k) => {
      const el = element(a.element);
      if (!el) return;
      if (step <= A && k >= step) el.classList.add("pending");
      if (step > A && step < last && A - 1 - k > step - A - 1) el.classList.add("grad-pending");
    });
    if (step >= 1 && step <= A) {
      current = arrays[step - 1];
      const made = current.kind === "input" ? "input" : current.op;
      message = `forward ${step}/${A}: ${current.name} = ${made} (${shape(current)})`;
    } else if (step > A) {
      current = arrays[A - (step - A)];
      const judged = counts(current) ? `: ${counts(current)}` : "";
      message = `backward ${step - A}/${A}: ${current.chain}${judged}`;
    }
    if (current && step !== last && element(current.element)) {
      element(current.element).classList.add("current");
    }
    return message;
  }

  function elementOf(id) {
    const found = locate(id);
    return found ? element(found.array.element) : null;
  }

  return {
    item: `${ITEM}, rect.cell`,
    last,
    render,
    select: (id) => select(id),
    clear,
    hoverText,
    elementOf,
    focus: () => {
      const cause = arrays.find((a) => a.root_cause) || arrays.find((a) => a.counts && a.counts.WRONG);
      return element((cause || arrays[A - 1]).element);
    },
  };
}
