// Draw each chart from the JSON beside it, with plotly served from the installed package.
// The server writes the value-axis tick labels and the hover figures with the one number writer
// (text/numbers: 200万 / 1.5亿 in Chinese, 2,000,000 in English), so the chart prints what the
// tables print; here only the bar labels are fitted to the width.
(function () {
  "use strict";
  var BAR = 26, BAR2 = 40, PAD = 56; // px per bar (one line of name, two), and for the axis below

  // Plotly reads tick and hover text as a little HTML: a name from a book is text, never markup.
  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // A long name on two lines of `max` characters at most, cut with "…" beyond (the full name
  // is in the hover and the data table).
  function wrap(label, max) {
    var chars = Array.from(String(label));
    if (chars.length <= max) { return esc(chars.join("")); }
    // Break after the last space or punctuation in the second half of the line, when there is one.
    var cut = max;
    for (var i = max; i > max / 2; i--) { if (/[\s，、：:（(）)·\-]/.test(chars[i - 1])) { cut = i; break; } }
    var second = chars.slice(cut);
    var tail = second.length > max ? second.slice(0, max - 1).join("") + "…" : second.join("");
    return esc(chars.slice(0, cut).join("").trim()) + "<br>" + esc(tail.trim());
  }

  function draw() {
    document.querySelectorAll("script.chart-data").forEach(function (node) {
      var data = JSON.parse(node.textContent);
      var target = document.getElementById(node.dataset.target);
      if (!target || !window.Plotly) { return; }
      // Room for the names: two fifths of the chart's width at most, about 13 px per CJK character.
      var width = target.clientWidth || 600;
      var max = Math.max(7, Math.min(20, Math.floor(width / 2.5 / 13)));
      var labels = data.labels.slice().reverse();
      var ticks = labels.map(function (l) { return wrap(l, max); });
      var bar = ticks.some(function (l) { return l.indexOf("<br>") >= 0; }) ? BAR2 : BAR;
      var height = bar * labels.length + PAD;
      // The container is exactly as tall as the plot: no blank band under a short chart.
      target.style.height = height + "px";
      target.style.minHeight = "0";
      // Narrow screens: every other value tick when the labels are long (no slanted labels).
      var longest = Math.max.apply(null, data.ticktext.map(function (t) { return t.length; }));
      var keep = function (v, i) { return width >= 560 || longest * 7 * data.tickvals.length < width * 0.6 || i % 2 === 0; };
      var tickvals = data.tickvals.filter(keep), ticktext = data.ticktext.filter(keep);
      window.Plotly.newPlot(target, [{
        type: "bar", orientation: "h", x: data.values.slice().reverse(),
        y: labels.map(function (l, i) { return i + ""; }),
        customdata: labels.map(function (l, i) { return [esc(l), esc(data.hover.slice().reverse()[i])]; }),
        hovertemplate: "%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        marker: { color: "#0b6e4f" }
      }], {
        margin: { l: 8, r: 16, t: 8, b: 32 }, height: height, autosize: true,
        font: { size: 12 },
        yaxis: { automargin: true, tickmode: "array", tickvals: labels.map(function (l, i) { return i + ""; }),
                 ticktext: ticks, fixedrange: true },
        xaxis: { tickmode: "array", tickvals: tickvals, ticktext: ticktext, tickangle: 0, fixedrange: true,
                 range: [0, data.end], automargin: true }
      }, { displaylogo: false, responsive: true, displayModeBar: false });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
