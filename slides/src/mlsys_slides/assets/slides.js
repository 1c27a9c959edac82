// ML Systems lecture slides: navigation (keys, clicks, swipes), incremental lists, a speaker
// view in a second window (notes + timer) kept in step through BroadcastChannel, light/dark,
// and print. Our own code, no dependencies.
(() => {
  const deck = document.querySelector(".deck");
  if (!deck) return;
  const slides = [...deck.querySelectorAll(".slide")];
  const key = "mlsys-slides:" + deck.dataset.deck;
  const params = new URLSearchParams(location.search);
  const channel = "BroadcastChannel" in window ? new BroadcastChannel(key) : null;
  const root = document.documentElement;
  const stored = localStorage.getItem("mlsys-slides-theme");
  if (stored) root.dataset.theme = stored;
  else if (root.dataset.theme === "light" && matchMedia("(prefers-color-scheme: dark)").matches)
    root.dataset.theme = "dark";
  let index = 0, step = 0;

  const steps = (s) => [...s.querySelectorAll(".incremental li")];
  function show(i, st, from) {
    index = Math.max(0, Math.min(slides.length - 1, i));
    const items = steps(slides[index]);
    step = st === "end" ? items.length : Math.max(0, Math.min(items.length, st));
    slides.forEach((s, k) => s.classList.toggle("current", k === index));
    items.forEach((li, k) => li.classList.toggle("pending", k >= step));
    const counter = document.querySelector(".counter");
    if (counter) counter.textContent = `${index + 1} / ${slides.length}`;
    const bar = document.querySelector(".progress span");
    if (bar) bar.style.width = `${(100 * (index + 1)) / slides.length}%`;
    if (location.hash !== `#${index + 1}` && !params.has("speaker")) history.replaceState(null, "", `#${index + 1}`);
    if (from !== "remote") {
      channel?.postMessage({ index, step });
      localStorage.setItem(key, JSON.stringify({ index, step, t: Date.now() }));
    }
    if (params.has("speaker")) renderSpeaker();
  }
  function next() {
    if (step < steps(slides[index]).length) show(index, step + 1);
    else if (index < slides.length - 1) show(index + 1, 0);
  }
  function prev() {
    if (step > 0) show(index, step - 1);
    else if (index > 0) show(index - 1, "end");
  }
  function toggleTheme() {
    root.dataset.theme = root.dataset.theme === "dark" ? "light" : "dark";
    localStorage.setItem("mlsys-slides-theme", root.dataset.theme);
  }
  function fit() {
    const s = Math.min(innerWidth / 1280, innerHeight / 720);
    deck.style.setProperty("--scale", String(s));
  }
  const openSpeaker = () => window.open(`${location.pathname}?speaker#${index + 1}`, key + "-speaker",
    "width=1100,height=760");

  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const k = e.key;
    if (["ArrowRight", "ArrowDown", " ", "PageDown", "Enter", "n"].includes(k)) next();
    else if (["ArrowLeft", "ArrowUp", "PageUp", "Backspace", "p"].includes(k) && !(k === "p" && e.shiftKey)) prev();
    else if (k === "Home") show(0, 0);
    else if (k === "End") show(slides.length - 1, "end");
    else if (k === "s") openSpeaker();
    else if (k === "d") toggleTheme();
    else if (k === "f") document.fullscreenElement ? document.exitFullscreen() : document.documentElement.requestFullscreen?.();
    else if (k === "P") window.print();
    else return;
    e.preventDefault();
  });
  let touch = null;
  addEventListener("touchstart", (e) => { touch = e.changedTouches[0]; }, { passive: true });
  addEventListener("touchend", (e) => {
    if (!touch) return;
    const t = e.changedTouches[0], dx = t.clientX - touch.clientX, dy = t.clientY - touch.clientY;
    touch = null;
    if (Math.abs(dx) > 40 && Math.abs(dx) > Math.abs(dy)) (dx < 0 ? next : prev)();
  }, { passive: true });
  const on = (sel, fn) => document.querySelector(sel)?.addEventListener("click", fn);
  on(".controls .next", next);
  on(".controls .prev", prev);
  on(".controls .speaker", openSpeaker);
  on(".controls .theme", toggleTheme);
  on(".controls .print", () => window.print());
  channel?.addEventListener("message", (e) => show(e.data.index, e.data.step, "remote"));
  addEventListener("storage", (e) => {
    if (e.key === key && e.newValue) { const d = JSON.parse(e.newValue); show(d.index, d.step, "remote"); }
    if (e.key === "mlsys-slides-theme" && e.newValue) root.dataset.theme = e.newValue;
  });
  addEventListener("resize", fit);
  addEventListener("hashchange", () => { const n = parseInt(location.hash.slice(1), 10); if (n) show(n - 1, 0); });

  // Speaker view: the same page opened with ?speaker.
  let started = Date.now(), view = null;
  function pane(cls) {
    const p = document.createElement("div");
    p.className = "pane " + cls;
    return p;
  }
  function place(p, slide) {
    p.replaceChildren();
    if (!slide) return;
    const c = slide.cloneNode(true);
    c.classList.add("current");
    c.querySelectorAll("li.pending").forEach((li) => li.classList.remove("pending"));
    p.appendChild(c);
    const s = p.clientWidth / 1280;
    c.style.transform = `scale(${s})`;
    p.style.height = `${720 * s}px`;
  }
  function renderSpeaker() {
    if (!view) return;
    place(view.cur, slides[index]);
    place(view.nxt, slides[index + 1]);
    const notes = slides[index].querySelector(".notes");
    view.notes.innerHTML = notes ? notes.innerHTML : "<p><em>No notes for this slide.</em></p>";
    view.count.textContent = `Slide ${index + 1} of ${slides.length} · ${slides[index].dataset.title || ""}`;
  }
  function buildSpeaker() {
    document.body.classList.add("speaker");
    const v = document.createElement("div");
    v.className = "speaker-view";
    view = { cur: pane("current-pane"), nxt: pane("next-pane"), notes: document.createElement("div"),
      count: document.createElement("span"), timer: document.createElement("span") };
    view.notes.className = "notes-pane";
    view.timer.className = "timer";
    const left = document.createElement("div"), right = document.createElement("div");
    const bar = document.createElement("div");
    bar.className = "bar";
    const reset = document.createElement("button");
    reset.className = "ctl reset";
    reset.textContent = "Reset timer";
    reset.onclick = () => { started = Date.now(); };
    bar.append(view.timer, reset, view.count);
    left.append(bar, view.cur);
    const label = document.createElement("div");
    label.textContent = "Next";
    right.append(label, view.nxt);
    v.append(left, right, view.notes);
    document.body.appendChild(v);
    const tick = () => {
      const s = Math.floor((Date.now() - started) / 1000);
      view.timer.textContent = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
    };
    tick();
    setInterval(tick, 1000);
  }
  if (params.has("speaker")) buildSpeaker();
  fit();
  const start = parseInt(location.hash.slice(1), 10);
  const saved = params.has("speaker") ? JSON.parse(localStorage.getItem(key) || "null") : null;
  show(start ? start - 1 : saved ? saved.index : 0, saved && !start ? saved.step : 0, "remote");
  window.mlsysSlides = { show, next, prev, get index() { return index; }, get step() { return step; } };
})();
