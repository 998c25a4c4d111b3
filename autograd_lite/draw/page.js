// The interactive page: pan and zoom, light and dark, the facts of what is clicked, and a
// replay stepped by the toolbar or by a host (the notebook widget). What is drawn and
// replayed comes from a mode: page_graph.js (values, network) or page_arrays.js (arrays).
// Reads the JSON in #facts; needs nothing from the network.
"use strict";
(function () {
  const facts = JSON.parse(document.getElementById("facts").textContent);
  const DIGITS = facts.digits || 4;
  const svg = document.querySelector("#view > svg");
  const info = document.getElementById("info");
  const tip = document.getElementById("tip");
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
  const element = (id) => document.getElementById(id);

  const mode = (facts.arrays ? autogradLiteArraysMode : autogradLiteGraphMode)(
    { facts, svg, info, fmt, num, esc, element });

  svg.addEventListener("mousemove", (event) => {
    const text = mode.hoverText(event.target, event.clientX, event.clientY);
    tip.hidden = !text;
    if (!text) return;
    tip.textContent = text;
    tip.style.left = event.clientX + 14 + "px";
    tip.style.top = event.clientY + 14 + "px";
  });
  svg.addEventListener("mouseleave", () => { tip.hidden = true; });

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
    const target = mode.focus();
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
    const g = event.target.closest(mode.item);
    if (g) mode.select(g.id);
    else mode.clear();
  });
  document.getElementById("fit").addEventListener("click", () => setBox(whole.slice()));
  document.getElementById("readable").addEventListener("click", () => { setBox(whole.slice()); setBox(readableBox()); });

  // ------------------------------------------------------------------ the replay

  const last = mode.last;
  const slider = document.getElementById("slider");
  const stepText = document.getElementById("step-text");
  slider.max = String(last);
  const listeners = [];                           // hosts told of every step shown

  function show(step) {
    step = Math.max(0, Math.min(last, step));
    slider.value = String(step);
    const message = mode.render(step);
    stepText.textContent = step === last ? `done: ${message}` : message;
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
    select: (id) => { mode.select(id); reveal(mode.elementOf(id)); },
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
