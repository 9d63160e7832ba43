/* Key-task pages: the print button, and the charts drawn from each page's JSON block (labels already in the
   visitor's language) with the vendored Apache ECharts. Without ECharts the pages keep their tables. */
(function () {
  "use strict";

  var FONT = '"PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, sans-serif';
  var STATES = ["on_track", "at_risk", "overdue", "done"];
  var MILESTONE = { done: "#216e3a", late: "#b3261e", open: "#8a96a3" };

  function block(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw(id, option) {
    var node = document.getElementById(id);
    if (!node || !window.echarts) { return; }
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    option.textStyle = { fontFamily: FONT };
    option.animation = false;
    chart.setOption(option);
    window.kechuangTaskCharts = (window.kechuangTaskCharts || 0) + 1;  // the browser tests wait for this
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function dashboard(data) {
    draw("chart-status", {
      tooltip: { trigger: "item" },
      series: [{
        type: "pie", radius: ["40%", "70%"], label: { formatter: "{b}: {c}" },
        data: data.status.map(function (s) { return { name: s.name, value: s.value, itemStyle: { color: data.colors[s.key] } }; })
      }]
    });
    var names = data.departments.map(function (d) { return d.name; });
    draw("chart-departments", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 170, right: 20, top: 30, bottom: 30 },
      xAxis: { type: "value", name: data.count_label, minInterval: 1 },
      yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: 160, overflow: "truncate" } },
      series: STATES.map(function (key) {
        return {
          type: "bar", stack: "all", name: data.labels[key], itemStyle: { color: data.colors[key] },
          data: data.departments.map(function (d) { return d.counts[key] || 0; })
        };
      })
    });
  }

  function day(text) { return new Date(text + "T00:00:00").getTime(); }

  function gantt(data) {
    var rows = data.rows;
    var bars = rows.map(function (r, i) {
      return { value: [i, day(r.start), day(r.end), r.progress], name: r.name, status: r.label,
               itemStyle: { color: data.colors[r.status] } };
    });
    var marks = [];
    rows.forEach(function (r, i) {
      r.milestones.forEach(function (m) {
        marks.push({ value: [day(m.due), i], name: m.title, due: m.due, state: m.state,
                     itemStyle: { color: MILESTONE[m.state] } });
      });
    });
    draw("chart-gantt", {
      tooltip: {
        formatter: function (p) {
          if (p.seriesType === "scatter") {
            return p.data.name + "<br>" + data.labels.milestone + ": " + p.data.due + " (" + data.labels[p.data.state] + ")";
          }
          var r = rows[p.data.value[0]];
          return r.name + "<br>" + r.start + " → " + r.end + "<br>" + data.labels.progress + ": " + r.progress + "% · " + r.label;
        }
      },
      grid: { left: 250, right: 30, top: 20, bottom: 40 },
      xAxis: { type: "time", position: "top" },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { width: 240, overflow: "truncate" } },
      series: [
        {
          type: "custom", encode: { x: [1, 2], y: 0 }, data: bars,
          renderItem: function (params, api) {
            var start = api.coord([api.value(1), api.value(0)]);
            var end = api.coord([api.value(2), api.value(0)]);
            var height = api.size([0, 1])[1] * 0.55;
            var width = Math.max(end[0] - start[0], 2);
            var done = width * Math.min(api.value(3), 100) / 100;
            var color = api.visual("color");
            return {
              type: "group", children: [
                { type: "rect", shape: { x: start[0], y: start[1] - height / 2, width: width, height: height },
                  style: { fill: color, opacity: 0.25 } },
                { type: "rect", shape: { x: start[0], y: start[1] - height / 2, width: done, height: height },
                  style: { fill: color, opacity: 0.85 } }
              ]
            };
          },
          markLine: {
            symbol: "none", silent: true, lineStyle: { color: "#b3261e", type: "dashed" },
            label: { formatter: data.labels.today }, data: [{ xAxis: day(data.today) }]
          }
        },
        { type: "scatter", symbol: "diamond", symbolSize: 11, data: marks, z: 5 }
      ]
    });
  }

  function trends(data) {
    data.charts.forEach(function (c) {
      var lines = [];
      if (c.baseline !== null) { lines.push({ yAxis: c.baseline, name: c.labels.baseline, lineStyle: { color: "#8a96a3" } }); }
      if (c.target !== null) { lines.push({ yAxis: c.target, name: c.labels.target, lineStyle: { color: "#216e3a" } }); }
      draw(c.id, {
        tooltip: { trigger: "axis" },
        grid: { left: 70, right: 90, top: 20, bottom: 30 },
        xAxis: { type: "category", data: c.years },
        yAxis: { type: "value", name: c.unit, scale: true },
        series: [{
          type: "line", name: c.name, data: c.values, connectNulls: false, itemStyle: { color: "#1f5fa8" },
          markLine: { symbol: "none", label: { formatter: "{b}: {c}", position: "end" }, data: lines }
        }]
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    var data = block("tasks-data");
    if (data) { dashboard(data); }
    data = block("gantt-data");
    if (data) { gantt(data); }
    data = block("trend-data");
    if (data) { trends(data); }
  });
}());
