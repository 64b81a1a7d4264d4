// Offline search of the edition: every word typed must occur in a case (title, organization,
// chapter or text); hits in the title rank first. No network, no build step.
(function () {
  "use strict";
  var input = document.getElementById("search");
  var list = document.getElementById("results");
  var status = document.getElementById("search-status");
  var index = window.CASEATLAS_INDEX || [];
  function snippet(text, word) {
    var i = text.indexOf(word);
    if (i < 0) return "";
    var a = Math.max(0, i - 30), b = Math.min(text.length, i + word.length + 50);
    return (a > 0 ? "…" : "") + text.slice(a, b) + (b < text.length ? "…" : "");
  }
  function render(q) {
    list.textContent = "";
    var words = q.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) { status.textContent = ""; return; }
    var hits = [];
    index.forEach(function (c) {
      var head = (c.title + " " + c.org + " " + c.chapter).toLowerCase();
      var body = c.text.toLowerCase();
      var score = 0;
      for (var k = 0; k < words.length; k++) {
        var w = words[k];
        if (head.indexOf(w) >= 0) score += 10;
        else if (body.indexOf(w) >= 0) score += 1 + Math.min(5, body.split(w).length - 1) / 5;
        else return;
      }
      hits.push({ c: c, score: score });
    });
    hits.sort(function (x, y) { return y.score - x.score || x.c.n - y.c.n; });
    status.textContent = hits.length ? "找到 " + hits.length + " 个案例" : "没有找到包含全部关键词的案例";
    hits.forEach(function (h) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "cases/" + h.c.n + ".html";
      a.textContent = h.c.title;
      li.appendChild(a);
      if (h.c.org) { li.appendChild(document.createTextNode(" · " + h.c.org)); }
      var s = snippet(h.c.text, words[0]) || snippet(h.c.text.toLowerCase(), words[0]);
      if (s) {
        var span = document.createElement("span");
        span.className = "snippet";
        span.textContent = s;
        li.appendChild(span);
      }
      list.appendChild(li);
    });
  }
  if (input) {
    input.addEventListener("input", function () { render(input.value.trim()); });
    var q = new URLSearchParams(location.search).get("q");
    if (q) { input.value = q; render(q); }
  }
})();
