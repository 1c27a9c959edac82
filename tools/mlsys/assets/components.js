/* Behaviour of rendered book components: copy buttons on code, footnotes as margin notes
   (wide screens), previews of cross-references, citations and footnotes, and a full-screen
   figure viewer with zoom. No libraries; everything degrades to plain
   endnotes and selectable code without JavaScript. */
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy") ? resolve() : reject(new Error("copy failed")); }
      catch (err) { reject(err); }
      finally { area.remove(); }
    });
  }

  function addCopyButtons(root) {
    root.querySelectorAll("div.sourceCode").forEach(function (block) {
      if (block.querySelector(":scope > .code-copy")) return;
      var code = block.querySelector("pre code") || block.querySelector("pre");
      if (!code) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "code-copy";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy code to clipboard");
      button.addEventListener("click", function () {
        copyText(code.innerText.replace(/\n$/, "")).then(function () {
          button.textContent = "Copied";
          button.classList.add("copied");
          setTimeout(function () {
            button.textContent = "Copy";
            button.classList.remove("copied");
          }, 1500);
        }, function () { button.textContent = "Press Ctrl+C"; });
      });
      block.appendChild(button);
    });
  }

  function noteBody(ref) {
    var id = (ref.getAttribute("href") || "").slice(1);
    var item = id && document.getElementById(id);
    if (!item) return null;
    var clone = item.cloneNode(true);
    clone.removeAttribute("id");
    clone.querySelectorAll(".footnote-back").forEach(function (a) { a.remove(); });
    clone.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
    return clone;
  }

  function buildSidenotes(article) {
    article.querySelectorAll("a.footnote-ref").forEach(function (ref) {
      var body = noteBody(ref);
      if (!body) return;
      var aside = document.createElement("aside");
      aside.className = "sidenote";
      aside.setAttribute("role", "note");
      var num = document.createElement("span");
      num.className = "sidenote-number";
      num.textContent = ref.textContent.trim();
      aside.appendChild(num);
      while (body.firstChild) aside.appendChild(body.firstChild);
      var first = aside.querySelector("p");
      if (first && first.previousSibling === num) { first.prepend(num); }
      // Float the note beside the top-level block that holds the reference: a note
      // placed inside a list, table or callout would be clipped or squeezed there.
      var host = ref;
      while (host.parentElement && host.parentElement !== article) host = host.parentElement;
      if (!host.parentElement) host = ref.closest("p, li, div") || ref.parentElement;
      host.parentNode.insertBefore(aside, host);
    });
  }

  // ---- previews: hovering (or, on a touch screen, tapping) a cross-reference, citation or
  // footnote shows what it points at, as Quarto books do. A target on another page is fetched
  // once and cached; pages opened from disk cannot fetch, so their links simply navigate.
  var popover = null, popoverFor = null;
  var pageCache = {};
  function closePopover() {
    if (popover) { popover.remove(); popover = null; popoverFor = null; }
  }
  function previewKind(a) {
    if (a.classList.contains("footnote-ref")) return "footnote";
    if (a.classList.contains("quarto-xref")) return "xref";
    if (a.closest(".citation") || a.getAttribute("role") === "doc-biblioref") return "citation";
    return null;
  }
  function fetchPage(url) {
    if (!pageCache[url]) {
      pageCache[url] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.text();
      }).then(function (text) { return new DOMParser().parseFromString(text, "text/html"); });
    }
    return pageCache[url];
  }
  function absolutise(node, base) {
    node.querySelectorAll("[src], a[href]").forEach(function (e) {
      var attr = e.hasAttribute("src") ? "src" : "href";
      e.setAttribute(attr, new URL(e.getAttribute(attr), base).href);
    });
  }
  // What a preview shows for the element `target`: a figure, table or callout whole; a
  // heading with the paragraph after it; a reference entry or footnote without its back link.
  function previewContent(target) {
    var box = document.createElement("div");
    var heading = /^H[1-6]$/.test(target.tagName) ? target :
      (target.tagName === "SECTION" ? target.querySelector("h1, h2, h3, h4, h5, h6") : null);
    if (heading) {
      box.appendChild(heading.cloneNode(true));
      var next = heading.nextElementSibling;
      while (next && next.tagName !== "P" && !/^H[1-6]$/.test(next.tagName)) next = next.nextElementSibling;
      if (next && next.tagName === "P") box.appendChild(next.cloneNode(true));
    } else {
      box.appendChild(target.cloneNode(true));
    }
    box.querySelectorAll(".footnote-back, .anchor-link").forEach(function (e) { e.remove(); });
    box.querySelectorAll("[id]").forEach(function (e) { e.removeAttribute("id"); });
    return box;
  }
  function chapterSummary(doc) {
    var title = doc.querySelector(".page-header h1");
    var first = doc.querySelector("article.prose > p");
    if (!title) return null;
    var box = doc.createElement("section");
    var h = doc.createElement("h2");
    h.textContent = title.textContent;
    box.appendChild(h);
    if (first) box.appendChild(first.cloneNode(true));
    return box;
  }
  function resolveTarget(a) {
    var url = new URL(a.getAttribute("href"), location.href);
    var id = decodeURIComponent(url.hash.slice(1));
    var here = url.pathname === location.pathname && url.search === location.search;
    if (here) return Promise.resolve(id ? document.getElementById(id) : null);
    if (location.protocol === "file:") return Promise.resolve(null);
    var pageUrl = url.href.split("#")[0];
    return fetchPage(pageUrl).then(function (doc) {
      // A reference to a whole chapter previews its title and opening paragraph.
      var t = id ? doc.getElementById(id) : chapterSummary(doc);
      if (t) absolutise(t, pageUrl);
      return t;
    }, function () { return null; });
  }
  function placePopover(a) {
    var r = a.getBoundingClientRect();
    var width = popover.offsetWidth;
    var left = Math.max(8, Math.min(window.scrollX + r.left - width / 2,
      window.scrollX + document.documentElement.clientWidth - width - 8));
    var below = window.innerHeight - r.bottom > popover.offsetHeight + 12 || r.top < popover.offsetHeight + 12;
    popover.style.left = left + "px";
    popover.style.top = (below ? window.scrollY + r.bottom + 6
                               : window.scrollY + r.top - popover.offsetHeight - 6) + "px";
  }
  function openPreview(a, withLink) {
    var kind = previewKind(a);
    return resolveTarget(a).then(function (target) {
      if (!target) return false;
      closePopover();
      popover = previewContent(target);
      popover.className = "preview-popover preview-" + kind + (kind === "footnote" ? " footnote-popover" : "");
      popover.setAttribute("role", "dialog");
      popover.setAttribute("aria-label", kind === "footnote" ? "Footnote " + a.textContent.trim()
                                                              : "Preview of " + a.textContent.trim());
      popoverFor = a;
      if (withLink && kind !== "footnote") {
        var go = document.createElement("a");
        go.className = "preview-go";
        go.href = a.href;
        go.textContent = "Go there ›";
        popover.appendChild(go);
      }
      popover.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
      popover.addEventListener("mouseleave", scheduleHide);
      document.body.appendChild(popover);
      placePopover(a);
      return true;
    });
  }
  var showTimer = null, hideTimer = null;
  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(closePopover, 250);
  }
  function initPreviews(article) {
    var touch = window.matchMedia("(hover: none)");
    article.addEventListener("mouseover", function (ev) {
      var a = ev.target.closest && ev.target.closest("a[href]");
      if (!a || !previewKind(a) || touch.matches) return;
      if (a.classList.contains("footnote-ref") && article.classList.contains("mlsys-sidenotes")) return;
      clearTimeout(hideTimer);
      clearTimeout(showTimer);
      showTimer = setTimeout(function () { openPreview(a, false); }, 300);
    });
    article.addEventListener("mouseout", function (ev) {
      var a = ev.target.closest && ev.target.closest("a[href]");
      if (!a || !previewKind(a)) return;
      clearTimeout(showTimer);
      scheduleHide();
    });
    article.addEventListener("click", function (ev) {
      var a = ev.target.closest && ev.target.closest("a[href]");
      if (!a || !previewKind(a)) return;
      var footnote = a.classList.contains("footnote-ref");
      if (footnote && article.classList.contains("mlsys-sidenotes")) return;
      // A tap on a touch screen (or any click on a footnote mark) previews; a second tap on
      // the same link, or the preview's own link, goes there.
      if (!footnote && !touch.matches) return;
      clearTimeout(showTimer);  // the hover that preceded the click must not reopen it later
      if (popover && popoverFor === a) return;
      ev.preventDefault();
      openPreview(a, true).then(function (shown) { if (!shown && !footnote) location.href = a.href; });
    });
  }

  // ---- figures open full-screen on a tap or click, with zoom of our own: pinch (two
  // pointers), wheel, double-tap and the +/- buttons; one pointer drags a zoomed figure.
  var FIGURE_IMG = "figure img, .cell-output-display img, p > img";
  function openLightbox(img) {
    var dlg = document.createElement("dialog");
    dlg.className = "lightbox";
    dlg.setAttribute("aria-label", "Figure, full screen");
    var stage = document.createElement("div");
    stage.className = "lightbox-stage";
    var big = document.createElement("img");
    big.src = img.currentSrc || img.src;
    big.alt = img.alt;
    big.draggable = false;
    stage.appendChild(big);
    var bar = document.createElement("div");
    bar.className = "lightbox-bar";
    function button(label, text, fn) {
      var b = document.createElement("button");
      b.type = "button";
      b.setAttribute("aria-label", label);
      b.textContent = text;
      b.addEventListener("click", fn);
      bar.appendChild(b);
      return b;
    }
    dlg.appendChild(stage);
    dlg.appendChild(bar);
    var cap = img.closest("figure") && img.closest("figure").querySelector("figcaption");
    if (cap) {
      var p = document.createElement("p");
      p.className = "lightbox-caption";
      p.textContent = cap.textContent.trim();
      dlg.appendChild(p);
    }
    var scale = 1, tx = 0, ty = 0, origin = null;
    function apply() {
      big.style.transform = "translate(" + tx + "px," + ty + "px) scale(" + scale + ")";
      dlg.dataset.scale = scale.toFixed(3);
    }
    function zoomAt(x, y, next) {
      next = Math.max(1, Math.min(8, next));
      if (!origin) origin = big.getBoundingClientRect();
      var px = x - origin.left, py = y - origin.top;
      tx = px - (px - tx) * (next / scale);
      ty = py - (py - ty) * (next / scale);
      scale = next;
      if (scale === 1) { tx = 0; ty = 0; }
      apply();
    }
    function centre() {
      var r = stage.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    }
    button("Zoom in", "+", function () { var c = centre(); zoomAt(c[0], c[1], scale * 1.5); });
    button("Zoom out", "−", function () { var c = centre(); zoomAt(c[0], c[1], scale / 1.5); });
    button("Close", "×", function () { dlg.close(); });
    var pointers = {}, pinch = null, moved = false;
    stage.addEventListener("pointerdown", function (ev) {
      if (!origin) origin = big.getBoundingClientRect();
      try { stage.setPointerCapture(ev.pointerId); } catch (e) { /* not a live pointer */ }
      pointers[ev.pointerId] = [ev.clientX, ev.clientY];
      moved = false;
      pinch = null;
    });
    stage.addEventListener("pointermove", function (ev) {
      var last = pointers[ev.pointerId];
      if (!last) return;
      var ids = Object.keys(pointers);
      pointers[ev.pointerId] = [ev.clientX, ev.clientY];
      if (ids.length >= 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        var d = Math.hypot(a[0] - b[0], a[1] - b[1]);
        var mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
        if (pinch && pinch.d > 0) {
          tx += mid[0] - pinch.mid[0];
          ty += mid[1] - pinch.mid[1];
          zoomAt(mid[0], mid[1], scale * d / pinch.d);
        }
        pinch = { d: d, mid: mid };
        moved = true;
      } else if (scale > 1) {
        tx += ev.clientX - last[0];
        ty += ev.clientY - last[1];
        moved = true;
        apply();
      }
    });
    function lift(ev) { delete pointers[ev.pointerId]; pinch = null; }
    stage.addEventListener("pointerup", lift);
    stage.addEventListener("pointercancel", lift);
    stage.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      zoomAt(ev.clientX, ev.clientY, scale * (ev.deltaY < 0 ? 1.25 : 0.8));
    }, { passive: false });
    stage.addEventListener("dblclick", function (ev) {
      zoomAt(ev.clientX, ev.clientY, scale > 1 ? 1 : 2.5);
    });
    stage.addEventListener("click", function (ev) {
      if (ev.target === stage && !moved && scale === 1) dlg.close();  // a tap beside the figure
    });
    dlg.addEventListener("close", function () { dlg.remove(); img.focus({ preventScroll: true }); });
    document.body.appendChild(dlg);
    dlg.showModal();
    apply();
    return dlg;
  }
  function initLightbox(article) {
    article.querySelectorAll(FIGURE_IMG).forEach(function (img) {
      if (img.closest("a, .preview-popover")) return;  // an image that is a link keeps its link
      img.tabIndex = 0;
      img.setAttribute("role", "button");
      img.setAttribute("aria-label", "Open figure full screen" + (img.alt ? ": " + img.alt : ""));
      img.addEventListener("click", function () { openLightbox(img); });
      img.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); openLightbox(img); }
      });
    });
  }

  function updateMode(article) {
    var rect = article.getBoundingClientRect();
    var limit = document.documentElement.clientWidth;
    var toc = document.querySelector(".toc");
    if (toc && toc.offsetParent !== null) {
      var t = toc.getBoundingClientRect();
      if (t.left > rect.right) limit = t.left;
    }
    var rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    var free = limit - rect.right - 3 * rem;
    var wide = free >= 10 * rem;
    article.classList.toggle("mlsys-sidenotes", wide);
    if (wide) article.style.setProperty("--margin-w", Math.min(free, 16 * rem) + "px");
  }

  function initTabsets(root) {
    root.querySelectorAll("[data-tabset]").forEach(function (set) {
      var bar = set.querySelector(":scope > .tabset-tabs");
      if (!bar) return;
      var tabs = Array.prototype.slice.call(bar.querySelectorAll(":scope > [role=tab]"));
      function select(index, focus) {
        tabs.forEach(function (tab, i) {
          var on = i === index;
          tab.setAttribute("aria-selected", on ? "true" : "false");
          tab.tabIndex = on ? 0 : -1;
          var panel = document.getElementById(tab.getAttribute("aria-controls"));
          if (panel) panel.hidden = !on;
        });
        if (focus) tabs[index].focus();
      }
      tabs.forEach(function (tab, i) {
        tab.addEventListener("click", function () { select(i, false); });
        tab.addEventListener("keydown", function (ev) {
          var step = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
          if (!step) return;
          ev.preventDefault();
          select((i + step + tabs.length) % tabs.length, true);
        });
      });
      var first = tabs.findIndex(function (t) { return t.getAttribute("aria-selected") === "true"; });
      select(first < 0 ? 0 : first, false);
      set.classList.add("tabs-ready");
    });
  }

  function init() {
    var article = document.querySelector("article") || document.body;
    initTabsets(article);
    addCopyButtons(article);
    buildSidenotes(article);
    updateMode(article);
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) cancelAnimationFrame(pending);
      pending = requestAnimationFrame(function () { updateMode(article); closePopover(); });
    });
    initPreviews(article);
    initLightbox(article);
    document.addEventListener("click", function (ev) {
      if (popover && !popover.contains(ev.target) &&
          !(popoverFor && popoverFor.contains(ev.target))) {
        closePopover();
      }
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { clearTimeout(showTimer); closePopover(); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
