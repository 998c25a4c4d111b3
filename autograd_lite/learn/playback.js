// The training replay: reads the recording in #recording (parameters per frame, scores, the
// explained sample's numbers) and draws each frame: the network with every neuron's output
// over the input plane, the decision boundary (or fitted curve), the curves with a cursor.
// Neuron outputs are computed here from the recorded parameters. Nothing is fetched.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("recording").textContent);
  const el = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ theme

  // Dark where the notebook around the page is dark (JupyterLab's data-jp-theme-light on a
  // same-origin parent), else where the system is (prefers-color-scheme); followed live.
  function themeOf(doc) {
    if (!doc || !doc.body) return null;
    const light = doc.body.dataset.jpThemeLight;
    if (light === "true" || light === "false") return light === "true" ? "light" : "dark";
    const classes = doc.body.classList;
    if (classes.contains("vscode-light")) return "light";
    if (classes.contains("vscode-dark")) return "dark";
    for (const node of [doc.documentElement, doc.body]) {
      const word = node.getAttribute("data-theme");
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
    if (typeof draw === "function") draw();
  }
  function colours() {
    const style = getComputedStyle(document.documentElement);
    const read = (name) => style.getPropertyValue(name).trim();
    return { bg: read("--bg"), ink: read("--ink"), muted: read("--muted"), line: read("--line"),
      pos: read("--pos"), neg: read("--neg"), acc: read("--acc"), plane: read("--plane"),
      dotLine: read("--dot-line") };
  }

  // ------------------------------------------------------------------ numbers

  // base64 of little-endian float64s (every browser runs on little-endian hardware).
  function floats(b64) {
    const text = atob(b64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return new Float64Array(bytes.buffer);
  }
  // Python's f"{x:.6g}" with explain()'s habit of writing 1.0 rather than 1.
  function pyG(x, digits) {
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    const exponent = parseInt(x.toExponential(digits - 1).split("e")[1], 10);
    const strip = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
    if (exponent < -4 || exponent >= digits) {
      const mantissa = strip(x.toExponential(digits - 1).split("e")[0]);
      return mantissa + "e" + (exponent < 0 ? "-" : "+") + String(Math.abs(exponent)).padStart(2, "0");
    }
    return strip(x.toFixed(Math.max(0, digits - 1 - exponent)));
  }
  function num(x) {
    const text = pyG(x, 6);
    return /^-?\d+$/.test(text) ? text + ".0" : text;
  }
  const short = (x) => pyG(x, 4);
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  // ------------------------------------------------------------------ the recording

  const F = data.frames.count;
  const P = data.names.length;
  const params = floats(data.frames.params);
  const grads = floats(data.frames.grads);
  // per frame: batch loss, train loss, train accuracy, test loss, test accuracy (null: none)
  const scores = Float64Array.from(data.frames.scores.flat(), (v) => (v === null ? NaN : v));
  const steps = data.frames.steps;
  const nin = data.nin;
  const layers = data.layers;
  const ex = data.explain;
  const N = ex.names.length;
  const exValues = floats(ex.values);
  const exGrads = floats(ex.grads);
  const exLocals = floats(ex.locals);
  const T = exLocals.length / F;
  const termStart = [];
  { let at = 0; for (const t of ex.terms) { termStart.push(at); at += t.length; } }
  const trainX = floats(data.train.X);
  const testX = data.test ? floats(data.test.X) : null;
  const score = (frame, k) => scores[frame * 5 + k];

  // Where each neuron's weights start in a frame's parameters: w_0..w_{nin-1}, then b.
  const offsets = [];
  { let at = 0, fan = nin;
    for (const layer of layers) {
      const row = [];
      for (let j = 0; j < layer.size; j++) { row.push(at); at += fan + 1; }
      offsets.push(row); fan = layer.size;
    } }
  const paramPlace = []; // param index -> [layer, neuron, input (fan = bias)]
  offsets.forEach((row, l) => row.forEach((start, j) => {
    const fan = l === 0 ? nin : layers[l - 1].size;
    for (let k = 0; k <= fan; k++) paramPlace[start + k] = [l, j, k];
  }));

  const activations = {
    relu: (z) => (z > 0 ? z : 0),
    tanh: Math.tanh,
    sigmoid: (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))),
    softplus: (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))),
    linear: (z) => z,
  };

  // The points the page draws over: a grid of the plane (cell centres, row 0 at the top), or
  // points along the line for one input.
  const grid = data.grid;
  const points = [];
  if (nin === 2) {
    const n = grid.n;
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        points.push([grid.low[0] + ((i + 0.5) * (grid.high[0] - grid.low[0])) / n,
          grid.high[1] - ((j + 0.5) * (grid.high[1] - grid.low[1])) / n]);
      }
    }
  } else {
    const n = grid.n * 4;
    for (let i = 0; i < n; i++) points.push([grid.low[0] + (i * (grid.high[0] - grid.low[0])) / (n - 1)]);
  }

  // Every neuron's output at every point, for one frame: outputs[l][j] is a Float64Array.
  function forward(frame, xs) {
    const base = frame * P;
    let inputs = [];
    for (let k = 0; k < nin; k++) inputs.push(Float64Array.from(xs, (p) => p[k]));
    const outputs = [];
    layers.forEach((layer, l) => {
      const act = activations[layer.activation];
      const fan = inputs.length;
      const out = [];
      for (let j = 0; j < layer.size; j++) {
        const start = base + offsets[l][j];
        const values = new Float64Array(xs.length);
        for (let p = 0; p < xs.length; p++) {
          let z = 0;
          for (let k = 0; k < fan; k++) z += params[start + k] * inputs[k][p];
          values[p] = act(z + params[start + fan]);
        }
        out.push(values);
      }
      outputs.push(out);
      inputs = out;
    });
    return { inputs: Array.from({ length: nin }, (_, k) => Float64Array.from(xs, (p) => p[k])), outputs };
  }
  const cache = new Map();
  function computed(frame) {
    if (!cache.has(frame)) {
      if (cache.size > 8) cache.delete(cache.keys().next().value);
      cache.set(frame, forward(frame, points));
    }
    return cache.get(frame);
  }

  // ------------------------------------------------------------------ state and controls

  let frame = F - 1;
  let playing = false;
  let timer = null;
  let selected = null; // {kind: "param", index} or {kind: "neuron", layer, neuron}
  const listeners = [];
  const slider = el("slider");
  slider.max = String(F - 1);

  function go(k) {
    const next = Math.max(0, Math.min(F - 1, Math.round(k)));
    frame = next;
    draw();
    for (const listen of listeners) listen(frame, playing);
  }
  function setPlaying(on) {
    playing = on && F > 1;
    el("play").textContent = playing ? "pause" : "play";
    if (timer !== null) { clearInterval(timer); timer = null; }
    if (playing) {
      if (frame >= F - 1) go(0);
      const speed = parseFloat(el("speed").value) || 1;
      timer = setInterval(() => {
        if (frame >= F - 1) { setPlaying(false); return; }
        go(frame + 1);
      }, 1000 / (12 * speed));
    }
    for (const listen of listeners) listen(frame, playing);
  }
  el("play").addEventListener("click", () => setPlaying(!playing));
  el("first").addEventListener("click", () => { setPlaying(false); go(0); });
  el("prev").addEventListener("click", () => { setPlaying(false); go(frame - 1); });
  el("next").addEventListener("click", () => { setPlaying(false); go(frame + 1); });
  slider.addEventListener("input", () => { setPlaying(false); go(parseInt(slider.value, 10)); });
  el("speed").addEventListener("change", () => { if (playing) setPlaying(true); });
  document.addEventListener("keydown", (event) => {
    // Buttons, the slider and the speed list handle their own keys (space would press twice).
    if (event.target && ["SELECT", "INPUT", "BUTTON"].includes(event.target.tagName)) return;
    if (event.key === " ") { event.preventDefault(); setPlaying(!playing); }
    else if (event.key === "ArrowRight") { setPlaying(false); go(frame + 1); }
    else if (event.key === "ArrowLeft") { setPlaying(false); go(frame - 1); }
  });

  // ------------------------------------------------------------------ colours of numbers

  function hex(colour) {
    const m = /^#?([0-9a-f]{6})$/i.exec(colour.trim());
    const v = m ? parseInt(m[1], 16) : 0x888888;
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  // A signed number in [-1, 1] as a colour: pos (blue) above 0, neg (orange) below, the
  // background at 0.
  function diverging(t, c) {
    const bg = hex(c.plane), target = hex(t >= 0 ? c.pos : c.neg);
    const a = Math.min(1, Math.abs(t));
    return [0, 1, 2].map((i) => Math.round(bg[i] + (target[i] - bg[i]) * a));
  }
  const PALETTE = ["#d9731f", "#1f5fbf", "#2e9a3e", "#b8479a", "#8c7a1a", "#1a8c96", "#7a4fc4"];

  // ------------------------------------------------------------------ the network diagram

  const box = el("network");
  const svgNS = "http://www.w3.org/2000/svg";
  const columns = [nin, ...layers.map((l) => l.size)];
  const tallest = Math.max(...columns);
  const S = Math.max(14, Math.min(40, Math.floor(480 / tallest) - 6));
  const gapY = Math.max(4, Math.round(S / 5));
  const room = el("network-box").clientWidth - 12;
  const width = Math.max(columns.length * (S + 60), Math.min(room, columns.length * (S + 160)));
  const height = tallest * (S + gapY) + 24;
  const colX = (c) => 10 + (c * (width - S - 20)) / (columns.length - 1);
  const rowY = (c, j) => 12 + (height - 24 - columns[c] * (S + gapY)) / 2 + j * (S + gapY);
  box.style.width = width + "px";
  box.style.height = height + "px";
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  box.appendChild(svg);
  const weightLines = []; // param index -> visible line
  layers.forEach((layer, l) => {
    const fan = columns[l];
    for (let j = 0; j < layer.size; j++) {
      for (let k = 0; k < fan; k++) {
        const p = offsets[l][j] + k;
        const x1 = colX(l) + S, y1 = rowY(l, k) + S / 2, x2 = colX(l + 1), y2 = rowY(l + 1, j) + S / 2;
        const make = (cls) => {
          const line = document.createElementNS(svgNS, "line");
          line.setAttribute("x1", x1); line.setAttribute("y1", y1);
          line.setAttribute("x2", x2); line.setAttribute("y2", y2);
          line.setAttribute("class", cls);
          line.dataset.param = String(p);
          svg.appendChild(line);
          return line;
        };
        weightLines[p] = make("weight");
        make("hit");
      }
      // The bias: a dot at the neuron's lower left.
      const p = offsets[l][j] + fan;
      const dot = document.createElementNS(svgNS, "circle");
      dot.setAttribute("cx", colX(l + 1) - 3);
      dot.setAttribute("cy", rowY(l + 1, j) + S - 2);
      dot.setAttribute("r", 3.2);
      dot.setAttribute("class", "bias");
      dot.dataset.param = String(p);
      svg.appendChild(dot);
      weightLines[p] = dot;
    }
  });
  const neuronCanvases = []; // [column][j]
  columns.forEach((size, c) => {
    const column = [];
    for (let j = 0; j < size; j++) {
      const canvas = document.createElement("canvas");
      const n = nin === 2 ? grid.n : 48;
      canvas.width = n; canvas.height = nin === 2 ? n : 32;
      canvas.className = "neuron";
      canvas.style.left = colX(c) + "px";
      canvas.style.top = rowY(c, j) + "px";
      canvas.style.width = S + "px";
      canvas.style.height = S + "px";
      canvas.dataset.layer = String(c - 1);
      canvas.dataset.neuron = String(j);
      canvas.title = c === 0 ? "x." + j : "layers." + (c - 1) + ".neurons." + j;
      box.appendChild(canvas);
      column.push(canvas);
    }
    neuronCanvases.push(column);
  });
  svg.addEventListener("click", (event) => {
    const p = event.target && event.target.dataset ? event.target.dataset.param : undefined;
    if (p === undefined) return;
    selected = { kind: "param", index: parseInt(p, 10) };
    draw();
  });
  // Hovering a weight or a bias names it with its value and gradient at the frame shown.
  svg.addEventListener("mouseover", (event) => {
    const t = event.target;
    const p = t && t.dataset ? t.dataset.param : undefined;
    if (p === undefined) return;
    const index = parseInt(p, 10);
    const g = grads[frame * P + index];
    t.setAttribute("title", data.names[index] + " = " + num(params[frame * P + index]) +
      (Number.isFinite(g) ? ", gradient " + num(g) : "") + " (click for its chain rule)");
    let tip = t.querySelector("title");
    if (!tip) { tip = document.createElementNS(svgNS, "title"); t.appendChild(tip); }
    tip.textContent = t.getAttribute("title");
  });
  box.addEventListener("click", (event) => {
    const t = event.target;
    if (!t.classList || !t.classList.contains("neuron") || t.dataset.layer === "-1") return;
    selected = { kind: "neuron", layer: parseInt(t.dataset.layer, 10), neuron: parseInt(t.dataset.neuron, 10) };
    draw();
  });

  function paintNeuron(canvas, values, c) {
    const ctx = canvas.getContext("2d");
    let peak = 0;
    for (const v of values) peak = Math.max(peak, Math.abs(v));
    peak = peak || 1;
    if (nin === 2) {
      const image = ctx.createImageData(canvas.width, canvas.height);
      for (let p = 0; p < values.length; p++) {
        const [r, g, b] = diverging(values[p] / peak, c);
        image.data.set([r, g, b, 255], p * 4);
      }
      ctx.putImageData(image, 0, 0);
    } else {
      ctx.fillStyle = c.plane; ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = c.muted; ctx.lineWidth = 0.5;
      ctx.beginPath(); ctx.moveTo(0, canvas.height / 2); ctx.lineTo(canvas.width, canvas.height / 2); ctx.stroke();
      ctx.strokeStyle = c.pos; ctx.lineWidth = 1.5; ctx.beginPath();
      for (let p = 0; p < values.length; p++) {
        const x = (p * (canvas.width - 1)) / (values.length - 1);
        const y = canvas.height / 2 - (values[p] / peak) * (canvas.height / 2 - 2);
        if (p === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      }
      ctx.stroke();
    }
  }

  // ------------------------------------------------------------------ the plane

  const plane = el("plane");
  el("plane-title").textContent = nin === 1 ? "the fitted curve" :
    data.kind === "regression" ? "the output over the plane" : "decision boundary";
  const toPlane = (x, y) => [((x - grid.low[0]) / (grid.high[0] - grid.low[0])) * plane.width,
    ((grid.high[1] - y) / (grid.high[1] - grid.low[1])) * plane.height];

  // The class a grid point's outputs predict (the page's decision, as accuracy is scored).
  function decide(outs, p) {
    if (data.decision === "argmax") {
      let best = 0;
      for (let o = 1; o < outs.length; o++) if (outs[o][p] > outs[best][p]) best = o;
      return best;
    }
    return outs[0][p] > 0 ? 1 : 0;
  }

  function paintPlane(result, c) {
    const ctx = plane.getContext("2d");
    const outs = result.outputs[layers.length - 1];
    ctx.fillStyle = c.plane; ctx.fillRect(0, 0, plane.width, plane.height);
    if (nin === 2) {
      const n = grid.n;
      const image = new ImageData(n, n);
      let peak = 0;
      if (data.kind === "regression") for (const v of outs[0]) peak = Math.max(peak, Math.abs(v));
      for (let p = 0; p < n * n; p++) {
        let rgb;
        if (data.kind === "regression") rgb = diverging(outs[0][p] / (peak || 1), c);
        else if (data.decision === "argmax") {
          const cls = decide(outs, p);
          const target = hex(PALETTE[cls % PALETTE.length]), bg = hex(c.plane);
          rgb = [0, 1, 2].map((i) => Math.round(bg[i] + (target[i] - bg[i]) * 0.45));
        } else {
          const t = Math.tanh(outs[0][p]);
          // Never fully pale: the class stays readable in every cell (0.12 at the boundary).
          rgb = diverging(Math.sign(t || 1) * (0.12 + 0.5 * Math.abs(t)), c);
        }
        image.data.set([rgb[0], rgb[1], rgb[2], 255], p * 4);
      }
      const scratch = document.createElement("canvas");
      scratch.width = n; scratch.height = n;
      scratch.getContext("2d").putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(scratch, 0, 0, plane.width, plane.height);
      const dotsOf = (X, y, hollow) => {
        for (let i = 0; i < y.length; i++) {
          const [sx, sy] = toPlane(X[2 * i], X[2 * i + 1]);
          const colour = data.kind === "regression" ? c.ink :
            data.decision === "argmax" ? PALETTE[y[i] % PALETTE.length] : (y[i] > 0.5 ? c.pos : c.neg);
          ctx.beginPath(); ctx.arc(sx, sy, 3.6, 0, 2 * Math.PI);
          if (hollow) { ctx.strokeStyle = colour; ctx.lineWidth = 1.6; ctx.stroke(); }
          else { ctx.fillStyle = colour; ctx.fill(); ctx.strokeStyle = c.dotLine; ctx.lineWidth = 0.9; ctx.stroke(); }
        }
      };
      dotsOf(trainX, data.train.y, false);
      if (data.test) dotsOf(testX, data.test.y, true);
    } else {
      const ys = [...data.train.y, ...(data.test ? data.test.y : []), ...outs[0]];
      let lo = Math.min(...ys), hi = Math.max(...ys);
      if (!(hi > lo)) hi = lo + 1;
      const pad = 0.08 * (hi - lo); lo -= pad; hi += pad;
      const sx = (x) => ((x - grid.low[0]) / (grid.high[0] - grid.low[0])) * plane.width;
      const sy = (v) => plane.height - ((v - lo) / (hi - lo)) * plane.height;
      ctx.strokeStyle = c.line; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(0, sy(0)); ctx.lineTo(plane.width, sy(0)); ctx.stroke();
      const dotsOf = (X, y, hollow) => {
        for (let i = 0; i < y.length; i++) {
          ctx.beginPath(); ctx.arc(sx(X[i]), sy(y[i]), 3, 0, 2 * Math.PI);
          if (hollow) { ctx.strokeStyle = c.neg; ctx.stroke(); } else { ctx.fillStyle = c.neg; ctx.fill(); }
        }
      };
      dotsOf(trainX, data.train.y, false);
      if (data.test) dotsOf(testX, data.test.y, true);
      ctx.strokeStyle = c.pos; ctx.lineWidth = 2.5; ctx.beginPath();
      points.forEach((p, i) => { if (i === 0) ctx.moveTo(sx(p[0]), sy(outs[0][i])); else ctx.lineTo(sx(p[0]), sy(outs[0][i])); });
      ctx.stroke();
    }
  }

  // ------------------------------------------------------------------ the curves

  const curves = el("curves");
  const lastStep = Math.max(1, steps[F - 1]);
  let lossTop = 0;
  for (let k = 0; k < F; k++) for (const i of [1, 3]) { const v = score(k, i); if (Number.isFinite(v)) lossTop = Math.max(lossTop, v); }
  lossTop = lossTop || 1;
  const hasAcc = data.kind === "classification";
  const curveX = (step) => 34 + (step / lastStep) * (curves.width - 44);
  function paintCurves(c) {
    const ctx = curves.getContext("2d");
    const h = curves.height - 22;
    ctx.fillStyle = c.bg; ctx.fillRect(0, 0, curves.width, curves.height);
    ctx.strokeStyle = c.line; ctx.lineWidth = 1;
    ctx.strokeRect(34, 6, curves.width - 44, h - 6);
    ctx.fillStyle = c.muted; ctx.font = "10px system-ui, sans-serif";
    ctx.fillText(short(lossTop), 2, 12); ctx.fillText("0", 24, h);
    ctx.fillText("step " + steps[F - 1], curves.width - 60, h + 14);
    ctx.fillText("0", 32, h + 14);
    const line = (k, top, colour, dashed) => {
      ctx.strokeStyle = colour; ctx.lineWidth = 1.6; ctx.setLineDash(dashed ? [4, 3] : []);
      ctx.beginPath(); let on = false;
      for (let f = 0; f < F; f++) {
        const v = score(f, k);
        if (!Number.isFinite(v)) { on = false; continue; }
        const y = h - (v / top) * (h - 8);
        if (on) ctx.lineTo(curveX(steps[f]), y); else ctx.moveTo(curveX(steps[f]), y);
        on = true;
      }
      ctx.stroke(); ctx.setLineDash([]);
    };
    line(1, lossTop, c.ink, false);
    if (data.test) line(3, lossTop, c.ink, true);
    if (hasAcc) { line(2, 1, c.acc, false); if (data.test) line(4, 1, c.acc, true); }
    const x = curveX(steps[frame]);
    ctx.strokeStyle = c.neg; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.moveTo(x, 6); ctx.lineTo(x, h); ctx.stroke();
  }
  function seekCurves(event) {
    const rect = curves.getBoundingClientRect();
    const step = ((event.clientX - rect.left) * (curves.width / rect.width) - 34) / (curves.width - 44) * lastStep;
    let best = 0;
    for (let f = 1; f < F; f++) if (Math.abs(steps[f] - step) < Math.abs(steps[best] - step)) best = f;
    setPlaying(false);
    go(best);
  }
  curves.addEventListener("mousedown", seekCurves);
  curves.addEventListener("mousemove", (event) => { if (event.buttons & 1) seekCurves(event); });
  el("legend").innerHTML =
    '<span class="key solid ink"></span>train loss' + (data.test ? ' <span class="key dashed ink"></span>test loss' : "") +
    (hasAcc ? ' <span class="key solid acc"></span>train accuracy' + (data.test ? ' <span class="key dashed acc"></span>test accuracy' : "") : "") +
    " (accuracy from 0 to 1)";

  // ------------------------------------------------------------------ the chain rule

  const nodeIndex = new Map(ex.names.map((name, i) => [name, i]));
  const wrap = (name) => (/[\s+\-*/^()=]/.test(name) ? "(" + name + ")" : name);
  const d = (top, bottom) => "d" + wrap(top) + "/d" + wrap(bottom);
  const rootExpression = ex.definitions[0].slice(ex.names[0].length + 3);
  const nodeValue = (f, i) => exValues[f * N + i];
  const nodeGrad = (f, i) => exGrads[f * N + i];

  // explain()'s chain_rule line, from a node's terms: [child, from_root, upstream, local].
  function chainLine(name, isRoot, terms, hidden, grad) {
    const lhs = d(ex.root, name);
    if (isRoot) return lhs + " = 1.0";
    const symbols = [], numbers = [];
    for (const [child, fromRoot, upstream, local] of terms) {
      if (fromRoot) { symbols.push("d(" + rootExpression + ")/d" + wrap(name)); numbers.push("(" + num(local) + ")"); }
      else { symbols.push(d(ex.root, child) + " * " + d(child, name)); numbers.push("(" + num(upstream) + ")(" + num(local) + ")"); }
    }
    if (hidden) { symbols.push("... (" + hidden + " more terms)"); numbers.push("..."); }
    if (terms.length === 1 && !hidden && terms[0][1]) return lhs + " = " + symbols[0] + " = " + num(grad);
    return lhs + " = " + symbols.join(" + ") + " = " + numbers.join(" + ") + " = " + num(grad);
  }
  function nodeLines(f, i) {
    const terms = ex.terms[i].map(([child, fromRoot], t) =>
      [ex.names[child], fromRoot, nodeGrad(f, child), exLocals[f * T + termStart[i] + t]]);
    return [ex.definitions[i] + " = " + num(nodeValue(f, i)) + (ex.leaves[i] ? " (leaf)" : ""),
      chainLine(ex.names[i], i === 0, terms, ex.hidden[i], nodeGrad(f, i))];
  }
  // A parameter's two lines on the sample: "w = 0.3 (leaf)" and its chain rule.
  function paramLines(f, p) {
    const [child, source] = ex.params[p];
    const local = source < 0 ? 1.0 : nodeValue(f, source);
    const upstream = nodeGrad(f, child);
    const grad = upstream * local;
    const value = params[f * P + p];
    return { lines: [data.names[p] + " = " + num(value) + " (leaf)",
      chainLine(data.names[p], false, [[ex.names[child], child === 0, upstream, local]], 0, grad)], grad };
  }
  // The nodes shown above a parameter's lines: the loss's own nodes, the output layer, and
  // the parameter's neuron (with "..." for the layers in between), root first.
  function pathNodes(layer, neuron) {
    const last = layers.length - 1;
    const out = [];
    let gap = false;
    ex.names.forEach((name, i) => {
      const m = /^layers\.(\d+)\.neurons\.(\d+)\.[za]$/.exec(name);
      if (ex.leaves[i]) return; // the inputs and the loss's constants: on no path from a weight
      if (!m) { out.push(i); return; }
      const l = parseInt(m[1], 10), j = parseInt(m[2], 10);
      if (l === last || (l === layer && j === neuron)) out.push(i);
      else if (l > layer && l < last && !gap) { out.push(-1); gap = true; }
    });
    return out;
  }
  function chainHTML(f, layer, neuron, extra) {
    const items = pathNodes(layer, neuron).map((i) => {
      if (i < 0) return '<li class="gap">... the layers in between (their lines are in explain(loss))</li>';
      const [def, rule] = nodeLines(f, i);
      return "<li><code>" + esc(def) + "</code><br><code>" + esc(rule) + "</code></li>";
    });
    if (extra) items.push('<li class="chosen"><code>' + esc(extra[0]) + "</code><br><code>" + esc(extra[1]) + "</code></li>");
    const xs = ex.x.map(short).join(", ");
    return '<h3>the chain rule on sample #' + ex.sample + " (x = (" + esc(xs) + "), y = " + esc(short(ex.y)) +
      ") at this step, as <code>explain(loss)</code> writes it</h3><ol class=\"chain\">" + items.join("") + "</ol>";
  }
  function describe() {
    const info = el("info");
    if (!selected) return;
    const f = frame;
    const stepText = "step " + steps[f] + (f === F - 1 && !Number.isFinite(score(f, 0)) ? " (after training)" : "");
    if (selected.kind === "param") {
      const p = selected.index;
      const [l, j, k] = paramPlace[p];
      const fan = l === 0 ? nin : layers[l - 1].size;
      const from = k === fan ? "the bias of" : "the weight from " + (l === 0 ? "x." + k : "layers." + (l - 1) + ".neurons." + k) + " into";
      const batchGrad = grads[f * P + p];
      const { lines, grad } = paramLines(f, p);
      info.innerHTML = '<h2 class="param-name">' + esc(data.names[p]) + "</h2><p>" + esc(from) +
        " layers." + l + ".neurons." + j + ", at " + esc(stepText) + "</p>" +
        '<table class="numbers"><tr><th>value</th><td class="value">' + esc(num(params[f * P + p])) + "</td></tr>" +
        '<tr><th>gradient</th><td class="gradient">' + esc(Number.isFinite(batchGrad) ? num(batchGrad) : "none (no step from here)") +
        "</td><td class=\"note\">" + (Number.isFinite(batchGrad) ? "of the batch loss; this step's update uses it" : "training ended here") + "</td></tr>" +
        '<tr><th>on sample #' + ex.sample + '</th><td class="sample-gradient">' + esc(num(grad)) +
        "</td><td class=\"note\">one sample's share, below</td></tr></table>" +
        chainHTML(f, l, j, lines);
    } else {
      const { layer, neuron } = selected;
      const name = "layers." + layer + ".neurons." + neuron;
      info.innerHTML = '<h2 class="param-name">' + esc(name) + "</h2><p>" + esc(layers[layer].activation) +
        " neuron, at " + esc(stepText) + "; its picture is its output over the plane</p>" + chainHTML(f, layer, neuron, null);
    }
  }

  // ------------------------------------------------------------------ drawing a frame

  function draw() {
    if (!data) return;
    const c = colours();
    const result = computed(frame);
    slider.value = String(frame);
    for (let k = 0; k < nin; k++) paintNeuron(neuronCanvases[0][k], result.inputs[k], c);
    result.outputs.forEach((out, l) => out.forEach((values, j) => paintNeuron(neuronCanvases[l + 1][j], values, c)));
    const base = frame * P;
    let peak = 0;
    for (let p = 0; p < P; p++) peak = Math.max(peak, Math.abs(params[base + p]));
    for (let p = 0; p < P; p++) {
      const w = params[base + p];
      const shape = weightLines[p];
      const strength = Math.abs(w) / (peak || 1);
      shape.style.stroke = w >= 0 ? c.pos : c.neg;
      if (shape.tagName === "circle") { shape.style.fill = w >= 0 ? c.pos : c.neg; shape.style.opacity = 0.3 + 0.7 * strength; }
      else { shape.style.strokeWidth = 0.4 + 4.6 * strength; shape.style.opacity = 0.25 + 0.75 * strength; }
      shape.classList.toggle("selected", !!selected && selected.kind === "param" && selected.index === p);
    }
    paintPlane(result, c);
    paintCurves(c);
    const parts = ["step " + steps[frame] + " (frame " + (frame + 1) + " of " + F + ")",
      "loss " + short(score(frame, 1))];
    if (hasAcc) parts.push("accuracy " + short(score(frame, 2)));
    if (data.test) { parts.push("test loss " + short(score(frame, 3))); if (hasAcc) parts.push("test accuracy " + short(score(frame, 4))); }
    el("status").textContent = parts.join(" \u00b7 ");
    describe();
  }

  applyTheme();
  if (systemDark && systemDark.addEventListener) systemDark.addEventListener("change", applyTheme);
  if (outer && outer.body && window.MutationObserver) {
    const watch = { attributes: true, attributeFilter: ["data-jp-theme-light", "class", "data-theme"] };
    new MutationObserver(applyTheme).observe(outer.body, watch);
  }
  draw();

  // ------------------------------------------------------------------ for hosts and tests

  window.autogradLitePlayback = {
    frames: F,
    frame: () => frame,
    step: (f) => steps[f === undefined ? frame : f],
    go: (k) => { setPlaying(false); go(k); },
    play: () => setPlaying(true),
    pause: () => setPlaying(false),
    playing: () => playing,
    onFrame: (listen) => listeners.push(listen),
    points: () => points.map((p) => p.slice()),
    // The network's outputs over the points at frame f (one array per output).
    outputs: (f) => computed(f).outputs[layers.length - 1].map((a) => Array.from(a)),
    neuron: (f, l, j) => Array.from(computed(f).outputs[l][j]),
    decide: (f) => { const outs = computed(f).outputs[layers.length - 1]; return points.map((_, p) => decide(outs, p)); },
    params: (f) => Array.from(params.subarray(f * P, (f + 1) * P)),
    chainLines: (f, p) => paramLines(f, p).lines,
    nodeLines: (f, name) => nodeLines(f, nodeIndex.get(name)),
    select: (p) => { selected = { kind: "param", index: p }; draw(); },
  };
})();
