// Interview index: filter the question cards by track, level and tag, in the page, with no
// server. The choice is kept in the address (?track=memory&level=L4) so a filtered list can be
// bookmarked or shared, and reloading the page keeps it; a question page's tags link here.
(function () {
  "use strict";
  var form = document.getElementById("iv-filters");
  if (!form) return;
  var cards = Array.prototype.slice.call(document.querySelectorAll(".iv-card"));
  var count = document.getElementById("iv-count");
  var empty = document.getElementById("iv-empty");
  var keys = ["track", "level", "tag"];

  function matches(card, f) {
    var tags = (card.getAttribute("data-tags") || "").split(" ");
    return (!f.track || card.getAttribute("data-track") === f.track) &&
      (!f.level || card.getAttribute("data-level") === f.level) &&
      (!f.tag || tags.indexOf(f.tag) >= 0);
  }

  function apply() {
    var f = {}, params = new URLSearchParams();
    keys.forEach(function (k) {
      f[k] = form.elements[k].value;
      if (f[k]) params.set(k, f[k]);
    });
    var shown = 0;
    cards.forEach(function (card) {
      var ok = matches(card, f);
      card.hidden = !ok;
      if (ok) shown += 1;
    });
    count.textContent = shown + (shown === 1 ? " question" : " questions");
    if (empty) empty.hidden = shown !== 0;
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }

  var start = new URLSearchParams(location.search);
  keys.forEach(function (k) {
    var v = start.get(k), sel = form.elements[k];
    if (v && Array.prototype.some.call(sel.options, function (o) { return o.value === v; })) sel.value = v;
  });
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
})();
