/* Coverage charts (testing rounds): progress over time, samples per site and per table per
   hour. Data comes from the page (json_script "progress-data"); ECharts is vendored. */
(function () {
  "use strict";

  function init(id) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    var chart = window.echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  function draw() {
    var node = document.getElementById("progress-data");
    if (!node) return;
    var data = JSON.parse(node.textContent);

    var progressEl = document.getElementById("chart-progress");
    var chart = init("chart-progress");
    if (chart) {
      var ds = progressEl.dataset;
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 48, right: 16, top: 24, bottom: 56 },
        xAxis: { type: "category", data: data.hours },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: ds.labelHour, type: "bar", data: data.sampled },
          {
            name: ds.labelTotal, type: "line", data: data.cumulative, smooth: true,
            markLine: { symbol: "none", data: [{ yAxis: data.due, name: ds.labelDue }],
                        label: { formatter: ds.labelDue + " {c}" } }
          }
        ]
      });
    }

    var sites = init("chart-sites");
    if (sites) {
      sites.setOption({
        tooltip: { trigger: "axis" },
        legend: { bottom: 0, type: "scroll" },
        grid: { left: 48, right: 16, top: 24, bottom: 56 },
        xAxis: { type: "category", data: data.hours },
        yAxis: { type: "value", minInterval: 1 },
        series: data.sites.map(function (s) {
          return { name: s.name, type: "bar", stack: "sites", data: s.samples };
        })
      });
    }

    var tablesEl = document.getElementById("chart-tables");
    var tables = init("chart-tables");
    if (tables) {
      var cells = [];
      var max = 0;
      data.tables.forEach(function (t, y) {
        t.samples.forEach(function (n, x) {
          cells.push([x, y, n]);
          if (n > max) max = n;
        });
      });
      tables.setOption({
        tooltip: {
          formatter: function (p) {
            return data.tables[p.value[1]].name + "<br>" + data.hours[p.value[0]] + ": " + p.value[2];
          }
        },
        grid: { left: 140, right: 16, top: 16, bottom: 72 },
        xAxis: { type: "category", data: data.hours, splitArea: { show: true } },
        yAxis: { type: "category", data: data.tables.map(function (t) { return t.name; }), splitArea: { show: true } },
        visualMap: { min: 0, max: Math.max(max, 1), calculable: true, orient: "horizontal", left: "center", bottom: 0 },
        series: [{ name: tablesEl.dataset.labelSamples, type: "heatmap", data: cells, label: { show: true } }]
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
