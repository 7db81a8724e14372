/* Coverage charts (testing rounds): progress over time, samples per site and per table per
   hour. Data comes from the page (json_script "progress-data"); ECharts is vendored.

   Hours are drawn on a time axis ("times": ISO 8601 local times), so the night between 17:00 one
   day and 11:00 the next shows as a gap. The heatmap needs category axes: it gets one column per
   hour from the first to the last, the empty ones included. Its rows carry short labels ("short")
   that fit the axis, the full names are in the tooltip. */
(function () {
  "use strict";

  var HOUR = 3600 * 1000;

  function init(id) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    var chart = window.echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Times as the page wrote them (local wall time): read the wall time, ignore the offset, so
  // that the axis shows the site's hours whatever the browser's time zone.
  function wall(iso) {
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d)/.exec(iso);
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4]) : NaN;
  }

  function hourLabel(ms) {
    var d = new Date(ms);
    return pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + pad(d.getUTCHours()) + ":00";
  }

  var hourAxisLabel = {
    hideOverlap: true,
    formatter: function (ms) {
      var d = new Date(ms);
      return d.getUTCHours() === 0
        ? pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate())
        : pad(d.getUTCHours()) + ":00";
    }
  };


  // A time axis from an hour before the first to an hour after the last (not ECharts' rounded
  // range, which pads a single hour out to two days).
  function timeAxis(times) {
    return {
      type: "time",
      min: times.length ? times[0] - HOUR : null,
      max: times.length ? times[times.length - 1] + HOUR : null,
      axisLabel: hourAxisLabel
    };
  }

  function timeTooltip() {
    return {
      trigger: "axis",
      axisPointer: { label: { formatter: function (p) { return hourLabel(p.value); } } }
    };
  }

  function pairs(times, values) {
    return times.map(function (t, i) { return [t, values[i]]; });
  }

  function widest(labels) {
    var n = 0;
    labels.forEach(function (l) { n = Math.max(n, l.length); });
    return n;
  }

  function draw() {
    var node = document.getElementById("progress-data");
    if (!node) return;
    var data = JSON.parse(node.textContent);
    var times = (data.times || []).map(wall);

    var progressEl = document.getElementById("chart-progress");
    var chart = init("chart-progress");
    if (chart) {
      var ds = progressEl.dataset;
      chart.setOption({
        useUTC: true,
        tooltip: timeTooltip(),
        legend: { bottom: 0 },
        grid: { left: 48, right: 24, top: 24, bottom: 56 },
        xAxis: timeAxis(times),
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: ds.labelHour, type: "bar", data: pairs(times, data.sampled), barMaxWidth: 24 },
          {
            name: ds.labelTotal, type: "line", step: "end", data: pairs(times, data.cumulative),
            markLine: { symbol: "none", data: [{ yAxis: data.due, name: ds.labelDue }],
                        label: { position: "insideEndTop", formatter: ds.labelDue + " {c}" } }
          }
        ]
      });
    }

    var sites = init("chart-sites");
    if (sites) {
      sites.setOption({
        useUTC: true,
        tooltip: timeTooltip(),
        legend: { bottom: 0, type: "scroll" },
        grid: { left: 48, right: 24, top: 24, bottom: 56 },
        xAxis: timeAxis(times),
        yAxis: { type: "value", minInterval: 1 },
        series: data.sites.map(function (s) {
          return { name: s.short || s.name, type: "bar", stack: "sites", barMaxWidth: 24,
                   data: pairs(times, s.samples) };
        })
      });
    }

    var tablesEl = document.getElementById("chart-tables");
    var tables = init("chart-tables");
    if (tables && times.length) {
      // Every hour from the first to the last: the empty hours stay as empty columns.
      var first = times[0], last = times[times.length - 1];
      var columns = [];
      for (var t = first; t <= last; t += HOUR) { columns.push(t); }
      var column = {};
      columns.forEach(function (c, i) { column[c] = i; });
      var cells = [];
      var max = 0;
      data.tables.forEach(function (row, y) {
        row.samples.forEach(function (n, i) {
          if (!n) return;
          cells.push([column[times[i]], y, n]);
          if (n > max) max = n;
        });
      });
      var labels = data.tables.map(function (row) { return row.short || row.name; });
      var fontSize = 12;
      var labelWidth = Math.min(Math.max(widest(labels) * (fontSize + 1), 48), Math.floor(tablesEl.clientWidth * 0.4));
      tablesEl.style.height = Math.max(240, 28 * labels.length + 110) + "px";
      tables.resize();
      // A cell's count is written in it only where the cell is wide enough to hold it.
      var cellWidth = (tablesEl.clientWidth - labelWidth - 48) / columns.length;
      tables.setOption({
        tooltip: {
          formatter: function (p) {
            return data.tables[p.value[1]].name + "<br>" + hourLabel(columns[p.value[0]]) + ": " + p.value[2];
          }
        },
        grid: { left: labelWidth + 16, right: 32, top: 16, bottom: 72 },
        xAxis: {
          type: "category", data: columns.map(hourLabel), splitArea: { show: true },
          axisLabel: { hideOverlap: true }
        },
        yAxis: {
          type: "category", data: labels, inverse: true, splitArea: { show: true },
          axisLabel: { width: labelWidth, overflow: "truncate", fontSize: fontSize }
        },
        visualMap: { min: 0, max: Math.max(max, 1), calculable: true, orient: "horizontal", left: "center", bottom: 0 },
        series: [{ name: tablesEl.dataset.labelSamples, type: "heatmap", data: cells, label: { show: cellWidth >= 22 } }]
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
