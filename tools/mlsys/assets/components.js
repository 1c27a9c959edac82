/* Behaviour of rendered book components: copy buttons on code, footnotes as margin notes
   (wide screens) or popovers (narrow screens). No libraries; everything degrades to plain
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

  var popover = null;
  function closePopover() {
    if (popover) { popover.remove(); popover = null; }
  }

  function openPopover(ref) {
    closePopover();
    var body = noteBody(ref);
    if (!body) return false;
    popover = document.createElement("div");
    popover.className = "footnote-popover";
    popover.setAttribute("role", "dialog");
    popover.setAttribute("aria-label", "Footnote " + ref.textContent.trim());
    while (body.firstChild) popover.appendChild(body.firstChild);
    document.body.appendChild(popover);
    var r = ref.getBoundingClientRect();
    var width = popover.offsetWidth;
    var left = Math.max(8, Math.min(window.scrollX + r.left - width / 2,
      window.scrollX + document.documentElement.clientWidth - width - 8));
    popover.style.left = left + "px";
    popover.style.top = (window.scrollY + r.bottom + 6) + "px";
    return true;
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
    article.addEventListener("click", function (ev) {
      var ref = ev.target.closest && ev.target.closest("a.footnote-ref");
      if (!ref || article.classList.contains("mlsys-sidenotes")) return;
      if (openPopover(ref)) ev.preventDefault();
    });
    document.addEventListener("click", function (ev) {
      if (popover && !popover.contains(ev.target) && !ev.target.closest("a.footnote-ref")) {
        closePopover();
      }
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") closePopover();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
