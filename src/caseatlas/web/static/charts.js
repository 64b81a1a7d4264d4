// Draw each chart from the JSON beside it, with plotly served from the installed package.
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll("script.chart-data").forEach(function (node) {
      var data = JSON.parse(node.textContent);
      var target = document.getElementById(node.dataset.target);
      if (!target || !window.Plotly) { return; }
      window.Plotly.newPlot(target, [{
        type: "bar", orientation: "h", x: data.values.slice().reverse(), y: data.labels.slice().reverse(),
        marker: { color: "#0b6e4f" }
      }], { margin: { l: 190, r: 20, t: 10, b: 40 }, height: Math.max(260, 26 * data.labels.length + 60),
            // Plain grouped digits ("50,000,000"), not SI prefixes ("50M") nobody reads in 中文.
            xaxis: { tickformat: ",d", separatethousands: true } },
      { displaylogo: false, responsive: true });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
