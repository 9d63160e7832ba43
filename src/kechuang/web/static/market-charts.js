/* Contract statistics charts: reads the page's JSON block (labels already in the visitor's language) and
   draws it with the vendored Apache ECharts. Without ECharts the page keeps its tables. */
(function () {
  "use strict";

  var FONT = '"PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, sans-serif';
  var COLORS = ["#b3261e", "#1f5fa8", "#216e3a", "#d08b1f", "#6b4ea0", "#2a8c8c", "#8c1d17", "#5d6b7a"];

  function bars(series, labels, horizontal) {
    var category = {
      type: "category", data: series.names, inverse: horizontal,
      axisLabel: horizontal ? { width: 130, overflow: "truncate" } : { interval: 0, rotate: 20 }
    };
    var value = horizontal
      ? { type: "value", name: labels.amount, nameLocation: "middle", nameGap: 28 }
      : { type: "value", name: labels.amount };
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: horizontal ? 150 : 60, right: 30, top: horizontal ? 10 : 40, bottom: horizontal ? 50 : 70 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [{ type: "bar", name: labels.amount, data: series.amount, itemStyle: { color: COLORS[1] } }]
    };
  }

  function options(data) {
    var labels = data.labels;
    return {
      "chart-flow": data.flow.links.length ? {
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            if (p.dataType !== "edge") { return p.name + "<br>" + labels.amount + ": " + p.value; }
            return p.data.flow + "<br>" + labels.count + ": " + p.data.count + "<br>" + labels.amount + ": " + p.value;
          }
        },
        series: [{
          type: "sankey", data: data.flow.nodes, links: data.flow.links, left: 10, right: 120,
          nodeGap: 14, emphasis: { focus: "adjacency" }, lineStyle: { color: "gradient", opacity: 0.45 },
          label: { fontFamily: FONT }
        }]
      } : null,
      "chart-months": {
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: [labels.count, labels.amount] },
        grid: { left: 60, right: 70, top: 70, bottom: 40 },
        xAxis: { type: "category", data: data.months.names },
        yAxis: [{ type: "value", name: labels.count }, { type: "value", name: labels.amount }],
        series: [
          { type: "bar", name: labels.count, data: data.months.count, itemStyle: { color: COLORS[1] } },
          { type: "line", name: labels.amount, yAxisIndex: 1, smooth: true, data: data.months.amount,
            itemStyle: { color: COLORS[0] } }
        ]
      },
      "chart-types": data.types.names.length ? bars(data.types, labels, false) : null,
      "chart-disciplines": data.disciplines.names.length ? bars(data.disciplines, labels, true) : null
    };
  }

  function start() {
    var source = document.getElementById("market-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var all = options(data);
    Object.keys(all).forEach(function (id) {
      var element = document.getElementById(id);
      if (!element) { return; }
      if (!all[id]) {
        element.classList.add("no-data");
        element.textContent = data.labels.empty;
        return;
      }
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(Object.assign({ color: COLORS, textStyle: { fontFamily: FONT } }, all[id]));
      element.classList.add("drawn");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.kechuangCharts = charts;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
