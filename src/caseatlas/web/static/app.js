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
