// Practice mode: SM-2 spaced repetition over the interview questions, in the browser.
// The schedule lives in this browser's localStorage under one key, in the same JSON format
// as `mlsys interviews drill` keeps on disk, so export/import moves it between the two.
// SM-2 (Wozniak): a grade q >= 3 updates EF' = EF + 0.1 - (5-q)(0.08 + (5-q)0.02), floored at
// 1.3, and the interval goes 1, 6, then previous x EF'; q < 3 starts the repetitions again
// (next review tomorrow) without touching EF. Cards graded below 4 come back once more at the
// end of today's session (SM-2 step 7) without being rescheduled twice.
(function () {
  "use strict";
  var root = document.getElementById("iv-practice");
  if (!root) return;
  var KEY = "mlsys-interviews-progress", FORMAT = "mlsys-interviews-progress";
  var $ = function (id) { return document.getElementById(id); };
  var form = $("iv-pfilters"), gradeBar = $("iv-grade"), message = $("iv-message");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".iv-pcard"));
  var queue = [], pos = 0, progress;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function iso(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function today() { return iso(new Date()); }
  function addDays(day, n) {
    var p = day.split("-"), d = new Date(+p[0], +p[1] - 1, +p[2]);
    d.setDate(d.getDate() + n);
    return iso(d);
  }
  function say(text) { message.textContent = text; }

  function valid(data) {
    if (!data || data.format !== FORMAT || data.version !== 1 || typeof data.cards !== "object" || !data.cards) return false;
    return Object.keys(data.cards).every(function (id) {
      var c = data.cards[id];
      return c && typeof c.ef === "number" && typeof c.reps === "number" && typeof c.interval === "number";
    });
  }
  function empty() { return { format: FORMAT, version: 1, cards: {} }; }
  function load() {
    var raw = localStorage.getItem(KEY);
    if (raw === null) return empty();
    try {
      var data = JSON.parse(raw);
      if (valid(data)) return data;
    } catch (e) { /* falls through to the reset below */ }
    localStorage.setItem(KEY + ".corrupt", raw);
    say("Your saved progress was unreadable; it was kept aside and practice starts afresh.");
    return empty();
  }
  function save() { localStorage.setItem(KEY, JSON.stringify(progress)); }

  function review(card, q, day) {
    card = card || { ef: 2.5, reps: 0, interval: 0, due: null, last: null, lapses: 0 };
    if (q < 3) {
      return { ef: card.ef, reps: 0, interval: 1, due: addDays(day, 1), last: day, lapses: (card.lapses || 0) + 1 };
    }
    var d = 5 - q, ef = Math.max(1.3, card.ef + (0.1 - d * (0.08 + d * 0.02)));
    var reps = card.reps + 1;
    var interval = reps === 1 ? 1 : reps === 2 ? 6 : Math.floor(card.interval * ef + 0.5);
    return { ef: Math.round(ef * 10000) / 10000, reps: reps, interval: interval, due: addDays(day, interval), last: day, lapses: card.lapses || 0 };
  }

  function chosen() {
    var t = form.elements.track.value, l = form.elements.level.value;
    return cards.filter(function (c) {
      return (!t || c.getAttribute("data-track") === t) && (!l || c.getAttribute("data-level") === l);
    });
  }
  function schedule(el) { return progress.cards[el.getAttribute("data-id")]; }

  function build() {
    var day = today(), pool = chosen();
    var due = pool.filter(function (c) { var s = schedule(c); return s && s.due && s.due <= day; });
    due.sort(function (a, b) { return schedule(a).due < schedule(b).due ? -1 : 1; });
    var fresh = pool.filter(function (c) { return !schedule(c); });
    var limit = Math.max(0, parseInt(form.elements["new"].value, 10) || 0);
    $("iv-due").textContent = due.length;
    $("iv-new").textContent = fresh.length;
    queue = due.map(function (c) { return { el: c, again: false }; })
      .concat(fresh.slice(0, limit).map(function (c) { return { el: c, again: false }; }));
    pos = 0;
    show();
  }

  function show() {
    cards.forEach(function (c) { c.hidden = true; });
    gradeBar.hidden = true;
    $("iv-left").textContent = queue.length - pos;
    $("iv-done").hidden = pos < queue.length;
    if (pos >= queue.length) return;
    var el = queue[pos].el;
    el.querySelector(".iv-pans").hidden = true;
    el.querySelector(".iv-show").hidden = false;
    el.hidden = false;
  }

  function reveal(el) {
    el.querySelector(".iv-pans").hidden = false;
    el.querySelector(".iv-show").hidden = true;
    gradeBar.hidden = false;
    gradeBar.querySelector("button").focus();
  }

  function grade(q) {
    var item = queue[pos], id = item.el.getAttribute("data-id"), day = today();
    if (!item.again) {
      progress.cards[id] = review(progress.cards[id], q, day);
      save();
      say("Next review of this question: " + progress.cards[id].due + ".");
    }
    if (q < 4) queue.push({ el: item.el, again: true });
    pos += 1;
    var s = chosen();
    $("iv-due").textContent = s.filter(function (c) { var x = schedule(c); return x && x.due && x.due <= day; }).length;
    $("iv-new").textContent = s.filter(function (c) { return !schedule(c); }).length;
    show();
  }

  function exportProgress() {
    var blob = new Blob([JSON.stringify(progress, null, 1)], { type: "application/json" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "mlsys-interviews-progress.json";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  function importProgress(file) {
    file.text().then(function (text) {
      var data;
      try { data = JSON.parse(text); } catch (e) { data = null; }
      if (!valid(data)) {
        say("Not imported: " + file.name + " is not an mlsys interviews progress file.");
        return;
      }
      progress = data;
      save();
      say("Imported progress for " + Object.keys(data.cards).length + " question(s).");
      build();
    });
  }

  cards.forEach(function (c) {
    c.querySelector(".iv-show").addEventListener("click", function () { reveal(c); });
  });
  gradeBar.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-grade]");
    if (b) grade(parseInt(b.getAttribute("data-grade"), 10));
  });
  document.addEventListener("keydown", function (e) {
    if (gradeBar.hidden || e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
    if (/^[0-5]$/.test(e.key)) grade(parseInt(e.key, 10));
  });
  form.addEventListener("change", build);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  $("iv-export").addEventListener("click", exportProgress);
  $("iv-import").addEventListener("change", function (e) {
    if (e.target.files[0]) importProgress(e.target.files[0]);
    e.target.value = "";
  });
  progress = load();
  build();
})();
