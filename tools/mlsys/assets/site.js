// mlsys site behaviour: theme toggle, menu drawer, "On this page", heading anchors, search.
// Every path is relative to data-root on <body>, so the site works under any base path.
(function () {
  "use strict";
  var root = document.body.dataset.root || "";
  // The 404 page inlines this script and has no data-root: it must not overwrite the root.
  var store = {
    get: function (k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } },
  };
  // Remember where the site root is, so the 404 page (served at any depth) can link home.
  if (document.body.hasAttribute("data-root")) {
    store.set("mlsys-site-root", new URL(root || "./", location.href).href);
  }

  // ---- dark mode: the initial theme was applied inline in <head>; this flips and persists it.
  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      store.set("mlsys-theme", next);
    });
  }

  // ---- the drawer on narrow screens: the book sidebar on chapter pages, the site drawer
  // elsewhere; both list the navbar's menus, which a phone has no room for.
  var drawerButton = document.querySelector(".drawer-toggle");
  var drawer = drawerButton && document.getElementById(drawerButton.getAttribute("aria-controls"));
  var scrim = document.querySelector(".drawer-scrim");
  function drawerIsOpen() { return document.body.classList.contains("drawer-open"); }
  function setDrawer(open, returnFocus) {
    if (!drawerButton || open === drawerIsOpen()) return;
    document.body.classList.toggle("drawer-open", open);
    drawerButton.setAttribute("aria-expanded", String(open));
    if (open && drawer) {
      // Keyboard readers land in the drawer: on the current chapter, else its first link.
      var target = drawer.querySelector("a.current") || drawer.querySelector("a, summary");
      if (target) target.focus({ preventScroll: true });
    } else if (returnFocus) {
      drawerButton.focus();
    }
  }
  if (drawerButton) {
    drawerButton.addEventListener("click", function () { setDrawer(!drawerIsOpen(), true); });
  }
  if (scrim) scrim.addEventListener("click", function () { setDrawer(false, true); });
  // Tabbing out of the open drawer closes it, so focus never sits under the scrim.
  if (drawer) {
    drawer.addEventListener("focusout", function (ev) {
      var to = ev.relatedTarget;
      if (to && to !== drawerButton && !drawer.contains(to)) setDrawer(false, false);
    });
  }

  // Keep the current chapter visible in a long sidebar. Only the sidebar scrolls: the
  // window must stay where the browser put it (e.g. at a #anchor).
  var sidebar = document.querySelector(".sidebar");
  var current = document.querySelector(".chapters a.current");
  if (sidebar && current) {
    var top = current.getBoundingClientRect().top - sidebar.getBoundingClientRect().top;
    if (top > sidebar.clientHeight * 0.7) sidebar.scrollTop = top - sidebar.clientHeight / 2;
  }

  // ---- navbar menus: close the others when one opens, and on outside clicks
  var menus = Array.prototype.slice.call(document.querySelectorAll(".menu"));
  menus.forEach(function (m) {
    m.addEventListener("toggle", function () {
      if (m.open) menus.forEach(function (o) { if (o !== m) o.open = false; });
    });
  });
  document.addEventListener("click", function (ev) {
    menus.forEach(function (m) { if (!m.contains(ev.target)) m.open = false; });
  });

  // ---- "On this page" below 1200 px: the TOC column is hidden there, so a button (fixed at
  // the bottom right, within a thumb's reach on a phone) opens it as a panel.
  var tocPanel = document.querySelector(".toc");
  var tocButton = document.querySelector(".toc-toggle");
  function setToc(open) {
    if (!tocButton) return;
    document.body.classList.toggle("toc-open", open);
    tocButton.setAttribute("aria-expanded", String(open));
    if (open) {
      var here = tocPanel.querySelector("a.active") || tocPanel.querySelector("a");
      if (here) here.focus({ preventScroll: true });
    }
  }
  if (tocButton && tocPanel) {
    tocButton.addEventListener("click", function (ev) {
      ev.stopPropagation();
      setToc(!document.body.classList.contains("toc-open"));
    });
    tocPanel.addEventListener("click", function (ev) {
      if (ev.target.closest("a")) setToc(false);
    });
    document.addEventListener("click", function (ev) {
      if (!tocPanel.contains(ev.target)) setToc(false);
    });
  }

  // ---- heading anchors: a link to each section, shown on hover (always on touch screens)
  document.querySelectorAll(".prose h2[id], .prose h3[id], .prose h4[id], .prose h5[id]")
    .forEach(function (h) {
      if (h.querySelector(".anchor-link")) return;
      var a = document.createElement("a");
      a.className = "anchor-link";
      a.href = "#" + encodeURIComponent(h.id);
      a.setAttribute("aria-label", "Link to this section");
      a.textContent = "#";
      h.appendChild(a);
    });

  // ---- TOC: highlight the section being read (the last heading above the upper third)
  var tocLinks = Array.prototype.slice.call(document.querySelectorAll(".toc a"));
  var targets = tocLinks.map(function (a) {
    return document.getElementById(decodeURIComponent(a.hash.slice(1)));
  });
  var ticking = false;
  function markActive() {
    ticking = false;
    var line = window.innerHeight * 0.35;
    var active = -1;
    for (var i = 0; i < targets.length; i++) {
      if (targets[i] && targets[i].getBoundingClientRect().top <= line) active = i;
    }
    tocLinks.forEach(function (a, i) { a.classList.toggle("active", i === active); });
  }
  if (tocLinks.length) {
    window.addEventListener("scroll", function () {
      if (!ticking) { ticking = true; requestAnimationFrame(markActive); }
    }, { passive: true });
    markActive();
  }

  // ---- search: our own small UI over pagefind's JS API (the index lives in /pagefind/ of the
  // site). Each hit says which part and chapter it comes from (pagefind meta written by the
  // page template) and links to the section that matched best, not the top of the page.
  var dialog = document.querySelector(".search-dialog");
  var search = null; // {pf, input, status, list, more, shown, results, words}
  function sharedPrefix(a, b) {
    var n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return n;
  }
  function queryWords(term) {
    return term.toLowerCase().split(/\s+/).map(function (w) {
      return w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
    }).filter(Boolean);
  }
  // Pagefind "backtracks" a word it cannot find to the longest indexed prefix ("xqzzy" -> "x"),
  // so a nonsense word returns every page with a one-letter variable. A hit counts only if each
  // query word matched a word close to it (same start, allowing a stemmed ending): the words
  // at the hit's locations in its text are checked, split at hyphens and symbols.
  function matchesQuery(data, words) {
    var tokens = (data.content || "").split(/\s+/);
    var found = {};
    (data.locations || []).forEach(function (i) {
      var token = (tokens[i] || "").toLowerCase();
      found[token.replace(/[^\p{L}\p{N}]+/gu, "")] = true;  // "all-reduce" -> "allreduce"
      token.split(/[^\p{L}\p{N}]+/u).forEach(function (w) { if (w) found[w] = true; });
    });
    var matched = Object.keys(found);
    return words.every(function (q) {
      var need = Math.min(q.length, Math.max(3, q.length - 4));
      return q.split(/[^\p{L}\p{N}]+/u).filter(Boolean).every(function (part) {
        var n = Math.min(part.length, need);
        return matched.some(function (w) { return w.indexOf(part) === 0 || sharedPrefix(w, part) >= n; });
      });
    });
  }
  function bestSection(data) {
    var best = null;
    (data.sub_results || []).forEach(function (sub) {
      if (!best || (sub.locations || []).length > (best.locations || []).length) best = sub;
    });
    return best;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function renderHit(data) {
    var li = el("li", "search-hit");
    var where = [data.meta.part, data.meta.chapter].filter(Boolean).join(" · ");
    if (where) li.appendChild(el("p", "search-where", where));
    var best = bestSection(data);
    var a = el("a", "search-title");
    a.href = best ? best.url : data.url;
    a.textContent = data.meta.title || data.url;
    if (best && best.title && best.title !== data.meta.title) {
      a.appendChild(el("span", "search-section", " › " + best.title));
    }
    li.appendChild(a);
    var ex = el("p", "search-excerpt");
    ex.innerHTML = best ? best.excerpt : data.excerpt; // pagefind escapes it; <mark> only
    li.appendChild(ex);
    var others = (data.sub_results || []).filter(function (s) {
      return s !== best && s.url !== data.url;
    }).slice(0, 3);
    if (others.length) {
      var ul = el("ul", "search-sections");
      others.forEach(function (s) {
        var item = el("li");
        var link = el("a", null, s.title);
        link.href = s.url;
        item.appendChild(link);
        ul.appendChild(item);
      });
      li.appendChild(ul);
    }
    return li;
  }
  function showMore() {
    var batch = search.results.slice(search.shown, search.shown + 8);
    search.shown += batch.length;
    var words = search.words;
    return Promise.all(batch.map(function (r) { return r.data(); })).then(function (all) {
      if (words !== search.words) return; // a newer query took over
      all.filter(function (d) { return matchesQuery(d, words); }).forEach(function (d) {
        search.list.appendChild(renderHit(d));
      });
      var count = search.list.children.length;
      if (count === 0 && search.shown < search.results.length) return showMore();
      search.more.hidden = search.shown >= search.results.length;
      search.status.textContent = count ? "" : "No results for “" + words.join(" ") + "”.";
    });
  }
  function runSearch(term) {
    var words = queryWords(term);
    search.words = words;
    search.list.textContent = "";
    search.more.hidden = true;
    search.status.textContent = "";
    if (!words.length) return Promise.resolve();
    return search.pf.debouncedSearch(term, {}, 200).then(function (res) {
      if (!res || words !== search.words) return;
      search.results = res.results;
      search.shown = 0;
      return showMore();
    });
  }
  function searchUnavailable(box, message) {
    box.textContent = "";
    var p = el("p", "search-unavailable", message);
    p.setAttribute("role", "status");
    box.appendChild(p);
  }
  function buildSearch(box, pf) {
    var input = el("input", "search-input");
    input.type = "search";
    input.placeholder = "Search the curriculum";
    input.setAttribute("aria-label", "Search");
    var status = el("p", "search-status");
    status.setAttribute("role", "status");
    var list = el("ol", "search-results");
    var more = el("button", "search-more", "More results");
    more.type = "button";
    more.hidden = true;
    box.textContent = "";
    [input, status, list, more].forEach(function (e) { box.appendChild(e); });
    search = { pf: pf, input: input, status: status, list: list, more: more, shown: 0,
               results: [], words: [] };
    input.addEventListener("input", function () { runSearch(input.value); });
    input.addEventListener("keydown", function (ev) {  // Enter opens the first hit
      var first = list.querySelector(".search-title");
      if (ev.key === "Enter" && first) { ev.preventDefault(); first.click(); }
    });
    more.addEventListener("click", showMore);
    // A hit on the page being read only scrolls: the dialog must get out of the way.
    list.addEventListener("click", function (ev) {
      if (ev.target.closest("a") && dialog && dialog.open) dialog.close();
    });
  }
  function loadSearch(done) {
    if (search) { done(); return; }
    var box = document.getElementById("search");
    if (location.protocol === "file:") {
      // Browsers do not let a page opened from disk load the index; say so instead of waiting.
      searchUnavailable(box, "Search needs the site to be served over HTTP, not opened as a " +
        "file. Run `mlsys preview` (or any static web server in the site folder) and open " +
        "the address it prints.");
      return;
    }
    var bundle = new URL(box.dataset.bundle, location.href);
    var base = new URL(box.dataset.base || root || "./", location.href).pathname;
    box.textContent = "Loading the search index…";
    import(new URL("pagefind.js", bundle).href).then(function (pf) {
      return pf.options({ baseUrl: base, excerptLength: 24 }).then(function () {
        buildSearch(box, pf);
        done();
      });
    }).catch(function () {
      searchUnavailable(box, "The search index is missing: build the site with mlsys to create it.");
    });
  }
  function openSearch(term) {
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    loadSearch(function () {
      var input = dialog.querySelector("input");
      if (input) input.focus();
      if (typeof term === "string" && term && !input.value) {
        input.value = term;
        runSearch(term);
      }
    });
  }
  window.mlsysOpenSearch = openSearch;
  document.querySelectorAll("[data-search-open]").forEach(function (b) {
    b.addEventListener("click", function () { openSearch(b.dataset.searchTerm || ""); });
  });
  if (dialog) {
    dialog.addEventListener("click", function (ev) { if (ev.target === dialog) dialog.close(); });
  }
  document.addEventListener("keydown", function (ev) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (ev.key === "/" && !typing && dialog) { ev.preventDefault(); openSearch(); }
    if (ev.key === "Escape" && drawerIsOpen()) setDrawer(false, true);
    if (ev.key === "Escape" && document.body.classList.contains("toc-open")) {
      setToc(false);
      if (tocButton) tocButton.focus();
    }
  });
})();
