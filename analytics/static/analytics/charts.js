// Draws every [data-chart] element from the figures in <script id="chart-data">.
(function () {
  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || !window.Plotly) return;
    var figures = JSON.parse(source.textContent);
    var staticPlot = document.body.dataset.static === "1";
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var figure = figures[el.dataset.chart];
      if (!figure) return;
      window.Plotly.newPlot(el, figure.data, figure.layout, {
        displayModeBar: false, responsive: !staticPlot, staticPlot: staticPlot
      }).then(function () { el.dataset.drawn = "1"; });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
