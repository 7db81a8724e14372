/* Screening overview: day by day over the last two weeks, people under measures in force by
   kind (stacked) and people screened (a line), on a time axis. Data from json_script
   "overview-chart-data" ({days: ["YYYY-MM-DD"], series: [{name, values}], screened}); ECharts is
   vendored. The counts of today are in the tables of the page; the chart shows how they came. */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function day(iso) {
    var m = /^(\d{4})-(\d\d)-(\d\d)/.exec(iso);
    return Date.UTC(+m[1], +m[2] - 1, +m[3]);
  }

  function label(ms) {
    var d = new Date(ms);
    return pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
  }

  function draw() {
    var node = document.getElementById("overview-chart-data");
    var el = document.getElementById("chart-trend");
    if (!node || !el || !window.echarts) return;
    var data = JSON.parse(node.textContent);
    var days = data.days.map(day);
    function pairs(values) { return days.map(function (d, i) { return [d, values[i]]; }); }
    var chart = window.echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    var series = data.series.map(function (s) {
      return { name: s.name, type: "line", stack: "kinds", areaStyle: {}, symbol: "none", data: pairs(s.values) };
    });
    series.push({
      name: el.dataset.labelScreened, type: "line", data: pairs(data.screened),
      lineStyle: { type: "dashed" }, yAxisIndex: 0
    });
    chart.setOption({
      useUTC: true,
      tooltip: { trigger: "axis", axisPointer: { label: { formatter: function (p) { return label(p.value); } } } },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 48, right: 16, top: 24, bottom: 56 },
      xAxis: { type: "time", minInterval: 24 * 3600 * 1000,
               axisLabel: { hideOverlap: true, formatter: function (ms) { return label(ms); } } },
      yAxis: { type: "value", minInterval: 1 },
      series: series
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
