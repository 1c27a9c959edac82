// The labs' explorables: every number was computed by mlsysim at build time (one entry per
// combination of the controls, in the page's JSON); this script only looks the current setting
// up and redraws the numbers, the verdict and the plot. No formatting and no model happen here.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var H = 300, L = 64, R = 40, T = 16, B = 44;

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function Explorable(root) {
    this.root = root;
    this.data = JSON.parse(root.querySelector(".ex-data").textContent);
    this.selects = Array.prototype.slice.call(root.querySelectorAll("select[data-input]"));
    this.current = this.data.inputs.map(function (spec) { return spec.default; });
    var self = this;
    this.selects.forEach(function (select, i) {
      select.value = String(self.current[i]);
      select.addEventListener("input", function () {
        self.current[i] = Number(select.value);
        self.update();
      });
    });
    this.wirePrediction();
    this.update();
  }

  Explorable.prototype.index = function (setting) {
    var inputs = this.data.inputs, k = 0;
    for (var i = 0; i < inputs.length; i++) k = k * inputs[i].labels.length + setting[i];
    return k;
  };

  Explorable.prototype.update = function () {
    var point = this.data.points[this.index(this.current)];
    var root = this.root;
    this.data.outputs.forEach(function (out, i) {
      root.querySelector('[data-output="' + out.name + '"]').textContent = point.t[i];
    });
    var verdict = root.querySelector(".ex-verdict");
    verdict.textContent = point.why;
    verdict.className = "ex-verdict " + (point.ok ? "ok" : "bad");
    root.dataset.index = String(this.index(this.current));
    this.plot();
  };

  // The series of `key` along the plot's x input, the other inputs as currently set.
  Explorable.prototype.series = function (key) {
    var xi = this.inputNumber(this.data.plot.x), k = this.data.keys.indexOf(key);
    var self = this, out = [];
    this.data.inputs[xi].labels.forEach(function (_, j) {
      var setting = self.current.slice();
      setting[xi] = j;
      var point = self.data.points[self.index(setting)];
      out.push({ v: point.v[k], t: point.t[k] });
    });
    return out;
  };

  Explorable.prototype.inputNumber = function (name) {
    for (var i = 0; i < this.data.inputs.length; i++) if (this.data.inputs[i].name === name) return i;
    return 0;
  };

  Explorable.prototype.plot = function () {
    var plot = this.data.plot, self = this;
    var xi = this.inputNumber(plot.x), xs = this.data.inputs[xi].labels;
    var lines = plot.y.map(function (key) { return self.series(key); });
    var limit = plot.limit ? this.series(plot.limit) : null;
    var all = [];
    lines.concat(limit ? [limit] : []).forEach(function (s) {
      s.forEach(function (p) { if (p.v !== null && (!plot.log || p.v > 0)) all.push(p.v); });
    });
    var figure = this.root.querySelector(".ex-plot");
    // drawn at the figure's own width, so its text stays readable on a phone
    var W = Math.max(340, Math.min(720, figure.clientWidth || 640));
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", class: "ex-svg" });
    figure.replaceChildren(svg);
    if (!all.length) {
      svg.appendChild(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no feasible setting along this axis"));
      return;
    }
    var f = plot.log ? Math.log10 : function (v) { return v; };
    var lo = f(Math.min.apply(null, all)), hi = f(Math.max.apply(null, all));
    if (!plot.log) lo = Math.min(lo, 0);
    if (hi === lo) { hi += 1; lo -= plot.log ? 1 : 0; }
    var pad = (hi - lo) * 0.06;  // keep lines off the axes
    hi += pad;
    if (plot.log || lo < 0) lo -= pad;
    var x = function (j) { return L + (xs.length === 1 ? 0.5 : j / (xs.length - 1)) * (W - L - R); };
    var y = function (v) { return T + (1 - (f(v) - lo) / (hi - lo)) * (H - T - B); };
    svg.appendChild(el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "ex-axis" }));
    svg.appendChild(el("line", { x1: L, y1: T, x2: L, y2: H - B, class: "ex-axis" }));
    // on a narrow plot, label every k-th value so the labels never overlap
    var widest = Math.max.apply(null, xs.map(function (t) { return t.length; })) * 7.5 + 10;
    var gap = xs.length > 1 ? (W - L - R) / (xs.length - 1) : W;
    var every = Math.max(1, Math.ceil(widest / gap));
    xs.forEach(function (label, j) {
      if (j % every && j !== xs.length - 1) return;
      if (j === xs.length - 1 && j % every && (j % every) * gap < widest) return;
      svg.appendChild(el("text", { x: x(j), y: H - B + 18, "text-anchor": "middle", class: "ex-tick" }, label));
    });
    svg.appendChild(el("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle", class: "ex-tick" },
      this.data.inputs[xi].label));
    svg.appendChild(el("rect", { x: x(this.current[xi]) - 10, y: T, width: 20, height: H - T - B, class: "ex-you" }));
    var draw = function (s, cls, name) {
      var d = "", pen = false;
      s.forEach(function (p, j) {
        if (p.v === null || (plot.log && p.v <= 0)) { pen = false; return; }
        d += (pen ? " L" : " M") + x(j).toFixed(1) + " " + y(p.v).toFixed(1);
        pen = true;
      });
      if (d) svg.appendChild(el("path", { d: d, class: cls }, undefined)).appendChild(el("title", {}, name));
    };
    if (limit) draw(limit, "ex-limit", plot.limit_label);
    lines.forEach(function (s, i) {
      draw(s, "ex-line ex-c" + i, plot.labels[i]);
      var p = s[self.current[xi]];
      if (p.v !== null && (!plot.log || p.v > 0)) {
        svg.appendChild(el("circle", { cx: x(self.current[xi]), cy: y(p.v), r: 5, class: "ex-dot ex-c" + i }));
      }
    });
    // y labels: the lowest and highest values shown, in mlsysim's own words
    var texts = [];
    lines.forEach(function (s) { s.forEach(function (p) { if (p.v !== null && (!plot.log || p.v > 0)) texts.push(p); }); });
    texts.sort(function (a, b) { return a.v - b.v; });
    [texts[0], texts[texts.length - 1]].forEach(function (p) {
      if (p && p.t !== undefined) {
        svg.appendChild(el("text", { x: L - 6, y: y(p.v) + 4, "text-anchor": "end", class: "ex-tick" }, p.t));
      }
    });
    var legend = plot.labels.map(function (label, i) {
      return '<span class="ex-key ex-c' + i + '">' + label.replace(/</g, "&lt;") + "</span>";
    });
    if (limit) legend.push('<span class="ex-key ex-limit-key">' + plot.limit_label.replace(/</g, "&lt;") + "</span>");
    var caption = document.createElement("figcaption");
    caption.innerHTML = legend.join(" ");
    figure.appendChild(caption);
  };

  Explorable.prototype.wirePrediction = function () {
    var root = this.root, predict = this.data.predict;
    var button = root.querySelector(".ex-commit"), reveal = root.querySelector(".ex-reveal");
    var radios = Array.prototype.slice.call(root.querySelectorAll(".ex-options input"));
    radios.forEach(function (r) { r.addEventListener("change", function () { button.disabled = false; }); });
    button.addEventListener("click", function () {
      var picked = radios.filter(function (r) { return r.checked; })[0];
      if (!picked) return;
      radios.forEach(function (r) { r.disabled = true; });
      button.disabled = true;
      button.textContent = "Prediction committed";
      var right = picked.value === predict.answer;
      reveal.className = "ex-reveal " + (right ? "ok" : "bad");
      reveal.textContent = (right ? "Your prediction was right. " :
        "You predicted \u201c" + picked.value + "\u201d; the answer is \u201c" + predict.answer + "\u201d. ")
        + predict.explanation;
      reveal.hidden = false;
    });
  };

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".explorable"), function (root) {
      var ex = root.explorable = new Explorable(root);
      root.classList.add("ready");
      var width = root.clientWidth;
      window.addEventListener("resize", function () {
        if (root.clientWidth !== width) { width = root.clientWidth; ex.plot(); }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
