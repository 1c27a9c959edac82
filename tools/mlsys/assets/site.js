// mlsys site behaviour: theme toggle, menu drawer, TOC highlighting, search dialog.
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

  // ---- search: pagefind's own UI, loaded from this site's /pagefind/ bundle on first use
  var dialog = document.querySelector(".search-dialog");
  var loaded = false;
  function loadSearch(done) {
    if (loaded) { done(); return; }
    var box = document.getElementById("search");
    // Absolute path: pagefind resolves a relative bundlePath against its own script's URL.
    var bundle = new URL(box.dataset.bundle, location.href).pathname;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = bundle + "pagefind-ui.css";
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = bundle + "pagefind-ui.js";
    script.onload = function () {
      // baseUrl makes result links correct when the site lives in a subfolder.
      var base = new URL(root || "./", location.href).pathname;
      new window.PagefindUI({
        element: "#search", bundlePath: bundle, baseUrl: base,
        showImages: false, resetStyles: false, autofocus: true,
      });
      loaded = true;
      done();
    };
    script.onerror = function () {
      box.textContent = "The search index is missing: build the site with mlsys to create it.";
    };
    document.head.appendChild(script);
  }
  function openSearch() {
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    loadSearch(function () {
      var input = dialog.querySelector("input");
      if (input) input.focus();
    });
  }
  document.querySelectorAll("[data-search-open]").forEach(function (b) {
    b.addEventListener("click", openSearch);
  });
  if (dialog) {
    dialog.addEventListener("click", function (ev) { if (ev.target === dialog) dialog.close(); });
  }
  document.addEventListener("keydown", function (ev) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (ev.key === "/" && !typing && dialog) { ev.preventDefault(); openSearch(); }
    if (ev.key === "Escape" && drawerIsOpen()) setDrawer(false, true);
  });
})();
