// Small, dependency-free behaviour: jump from a fact to its quote; pick cases to compare.
(function () {
  "use strict";

  function clearMarks() {
    document.querySelectorAll("mark.hl").forEach(function (m) {
      var parent = m.parentNode;
      parent.replaceChild(document.createTextNode(m.textContent), m);
      parent.normalize();
    });
    document.querySelectorAll(".line.target").forEach(function (el) { el.classList.remove("target"); });
  }

  // Wrap `quote` inside the line's text in <mark class="hl">. The quote is an exact
  // substring of the raw line, which is what the page shows.
  function markQuote(lineEl, quote) {
    var span = lineEl.querySelector(".raw") || lineEl;
    var text = span.textContent;
    var at = quote ? text.indexOf(quote) : -1;
    lineEl.classList.add("target");
    if (at < 0) { return false; }
    var before = document.createTextNode(text.slice(0, at));
    var mark = document.createElement("mark");
    mark.className = "hl";
    mark.textContent = text.slice(at, at + quote.length);
    var after = document.createTextNode(text.slice(at + quote.length));
    span.textContent = "";
    span.appendChild(before); span.appendChild(mark); span.appendChild(after);
    return true;
  }

  // Several quotes on one line, marked at once (a flag cites two figures of one sentence).
  function markQuotes(lineEl, quotes) {
    var span = lineEl.querySelector(".raw") || lineEl;
    var text = span.textContent;
    lineEl.classList.add("target");
    var found = [];
    quotes.forEach(function (q) { var at = q ? text.indexOf(q) : -1; if (at >= 0) { found.push([at, at + q.length]); } });
    found.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    span.textContent = "";
    found.forEach(function (f) {
      if (f[0] < pos) { return; }
      span.appendChild(document.createTextNode(text.slice(pos, f[0])));
      var mark = document.createElement("mark");
      mark.className = "hl";
      mark.textContent = text.slice(f[0], f[1]);
      span.appendChild(mark);
      pos = f[1];
    });
    span.appendChild(document.createTextNode(text.slice(pos)));
  }

  // A flag: mark every quote it cites, each on its own line, and go to the first.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button.flag");
    if (!btn) { return; }
    var lines = btn.dataset.lines.split(",");
    var quotes = JSON.parse(btn.dataset.quotes || "[]");
    var byLine = {};
    lines.forEach(function (no, k) { (byLine[no] = byLine[no] || []).push(quotes[k]); });
    clearMarks();
    var first = null;
    Object.keys(byLine).forEach(function (no) {
      var el = document.getElementById("L" + no);
      if (el) { markQuotes(el, byLine[no]); first = first || el; }
    });
    if (first) { first.scrollIntoView({ behavior: "smooth", block: "center" }); }
  });

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button.fact");
    if (!btn) { return; }
    var line = document.getElementById("L" + btn.dataset.line);
    if (!line) { return; }
    clearMarks();
    markQuote(line, btn.dataset.quote);
    line.scrollIntoView({ behavior: "smooth", block: "center" });
    line.setAttribute("tabindex", "-1");
    line.focus({ preventScroll: true });
    // A permalink to this quote: the URL says which line (#L549) and opening it marks it again.
    history.replaceState(null, "", "#L" + btn.dataset.line);
  });

  function openPermalink() {
    var m = /^#L(\d+)$/.exec(location.hash);
    var line = m && document.getElementById("L" + m[1]);
    if (!line) { return; }
    var btn = document.querySelector('button.fact[data-line="' + m[1] + '"]');
    clearMarks();
    markQuote(line, btn ? btn.dataset.quote : "");
    line.scrollIntoView({ block: "center" });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", openPermalink); } else { openPermalink(); }

  // Compare: ticked cases are remembered across pages (localStorage).
  var KEY = "caseatlas.compare";
  function picked() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function save(ids) { localStorage.setItem(KEY, JSON.stringify(ids.slice(-4))); refresh(); }
  function refresh() {
    var ids = picked();
    document.querySelectorAll(".compare-pick").forEach(function (box) { box.checked = ids.indexOf(box.value) >= 0; });
    var go = document.getElementById("compare-go");
    if (go) { go.disabled = ids.length < 2; go.dataset.ids = ids.join(","); }
    var nav = document.getElementById("nav-compare");
    if (nav && ids.length) { nav.href = "/compare?ids=" + encodeURIComponent(ids.join(",")); nav.textContent = nav.textContent.replace(/ \(\d\)$/, "") + " (" + ids.length + ")"; }
  }
  document.addEventListener("change", function (ev) {
    if (!ev.target.classList.contains("compare-pick")) { return; }
    var ids = picked().filter(function (x) { return x !== ev.target.value; });
    if (ev.target.checked) { ids.push(ev.target.value); }
    save(ids);
  });
  document.addEventListener("click", function (ev) {
    if (ev.target.id === "compare-go" && !ev.target.disabled) {
      window.location.href = "/compare?ids=" + encodeURIComponent(ev.target.dataset.ids);
    }
  });
  refresh();
})();
