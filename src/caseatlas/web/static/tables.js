// Wide tables on narrow screens (issue 27): every table in the page sits in a .table-wrap that
// scrolls sideways instead of widening the page, and a wrapper that does scroll can be reached
// and scrolled from the keyboard (tabindex, a named region): axe's scrollable-region-focusable.
// Without this script app.css lets an unwrapped table scroll by itself (no keyboard stop).
(function () {
  "use strict";

  function nameOf(wrap) {
    var table = wrap.querySelector("table");
    var caption = table && table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    if (table && table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    // the nearest heading before the table names it ("用户", "量化成果")
    for (var el = wrap.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) return el.textContent.trim();
    }
    var section = wrap.closest("section");
    var heading = section && section.querySelector("h1, h2, h3");
    return heading ? heading.textContent.trim() : document.title;
  }

  function wrapTables() {
    var tables = document.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) {
      var t = tables[i];
      if (t.closest(".table-wrap, .scroll")) continue;
      var wrap = document.createElement("div");
      wrap.className = "table-wrap";
      t.parentNode.insertBefore(wrap, t);
      wrap.appendChild(t);
    }
  }

  function markScrolling() {
    var wraps = document.querySelectorAll("main .table-wrap, main .scroll");
    for (var i = 0; i < wraps.length; i++) {
      var w = wraps[i];
      var scrolls = w.scrollWidth > w.clientWidth + 1;
      w.classList.toggle("scrolls", scrolls);
      moreRight(w);
      if (scrolls && !w.hasAttribute("tabindex")) {
        w.setAttribute("tabindex", "0");
        w.setAttribute("data-auto-focus", "1");
        if (!w.hasAttribute("role")) {
          w.setAttribute("role", "region");
          w.setAttribute("aria-label", nameOf(w));
        }
      } else if (!scrolls && w.getAttribute("data-auto-focus") === "1") {
        w.removeAttribute("tabindex");
        w.removeAttribute("data-auto-focus");
        if (w.getAttribute("role") === "region" && !w.hasAttribute("aria-labelledby")) {
          w.removeAttribute("role");
          w.removeAttribute("aria-label");
        }
      }
    }
  }

  // The cue that a table goes on to the right: its right edge fades until it is scrolled to the end.
  function moreRight(w) {
    w.classList.toggle("more-right", w.scrollLeft + w.clientWidth < w.scrollWidth - 1);
  }

  function start() {
    wrapTables();
    markScrolling();
    document.addEventListener(
      "scroll",
      function (e) {
        if (e.target.classList && e.target.classList.contains("table-wrap")) moreRight(e.target);
      },
      true
    );
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) window.clearTimeout(pending);
      pending = window.setTimeout(markScrolling, 150);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
