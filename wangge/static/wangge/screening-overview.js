/* Screening overview: a bar of people under measures by kind. Data from json_script
   "overview-chart-data"; ECharts is vendored. */
(function () {
  "use strict";

  function draw() {
    var node = document.getElementById("overview-chart-data");
    var el = document.getElementById("chart-kinds");
    if (!node || !el || !window.echarts) return;
    var data = JSON.parse(node.textContent);
    var chart = window.echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 24, bottom: 48 },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, width: 90, overflow: "break" } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.values }]
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
