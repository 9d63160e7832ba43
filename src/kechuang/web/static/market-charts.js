/* Contract statistics charts: reads the page's JSON block (labels already in the visitor's language) and
   draws it with the vendored Apache ECharts. Without ECharts the page keeps its tables. */
(function () {
  "use strict";

  var FONT = '"PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, sans-serif';
  var COLORS = ["#b3261e", "#1f5fa8", "#216e3a", "#d08b1f", "#6b4ea0", "#2a8c8c", "#8c1d17", "#5d6b7a"];

  /* On a phone (a chart under 440 px) labels are shorter and rotate further; a cut label keeps its full text
     in the tooltip, and value-axis labels that would collide are hidden rather than overlap. */
  function bars(series, labels, horizontal, narrow) {
    var categoryLabel = horizontal
      ? { width: narrow ? 84 : 130, overflow: "truncate", ellipsis: "…" }
      : { interval: 0, rotate: narrow ? 45 : 20, width: narrow ? 72 : 120, overflow: "truncate", ellipsis: "…" };
    var category = { type: "category", data: series.names, inverse: horizontal, axisLabel: categoryLabel };
    var valueLabel = { hideOverlap: true };
    var value = horizontal
      ? { type: "value", name: labels.amount, nameLocation: "middle", nameGap: 28, splitNumber: narrow ? 3 : 5,
          axisLabel: valueLabel }
      : { type: "value", name: labels.amount, axisLabel: valueLabel };
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      grid: { left: horizontal ? (narrow ? 96 : 150) : 60, right: narrow ? 16 : 30, top: horizontal ? 10 : 40,
              bottom: horizontal ? 50 : (narrow ? 90 : 70) },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [{ type: "bar", name: labels.amount, data: series.amount, itemStyle: { color: COLORS[1] } }]
    };
  }

  function options(data, narrow) {
    var labels = data.labels;
    return {
      "chart-flow": data.flow.links.length ? {
        tooltip: {
          trigger: "item", confine: true,
          formatter: function (p) {
            if (p.dataType !== "edge") { return p.name + "<br>" + labels.amount + ": " + p.value; }
            return p.data.flow + "<br>" + labels.count + ": " + p.data.count + "<br>" + labels.amount + ": " + p.value;
          }
        },
        series: [{
          /* labels sit right of their node, on a white halo over the links; the last column's labels use the
             right margin and are cut with "…" past it (the tooltip names the node in full) */
          type: "sankey", data: data.flow.nodes, links: data.flow.links, left: 8, right: narrow ? 92 : 170,
          top: 12, bottom: 12, nodeWidth: narrow ? 12 : 16, nodeGap: narrow ? 16 : 20, layoutIterations: 64,
          emphasis: { focus: "adjacency" }, lineStyle: { color: "gradient", opacity: 0.4 },
          label: { fontFamily: FONT, fontSize: narrow ? 12 : 13, color: "#1d2733", width: narrow ? 86 : 160,
                   overflow: "truncate", ellipsis: "…", textBorderColor: "#fff", textBorderWidth: 3 }
        }]
      } : null,
      "chart-months": {
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: [labels.count, labels.amount] },
        grid: { left: narrow ? 44 : 60, right: narrow ? 52 : 70, top: 70, bottom: 40 },
        xAxis: { type: "category", data: data.months.names, axisLabel: { hideOverlap: true } },
        yAxis: [{ type: "value", name: labels.count, axisLabel: { hideOverlap: true } },
                { type: "value", name: labels.amount, axisLabel: { hideOverlap: true } }],
        series: [
          { type: "bar", name: labels.count, data: data.months.count, itemStyle: { color: COLORS[1] } },
          { type: "line", name: labels.amount, yAxisIndex: 1, smooth: true, data: data.months.amount,
            itemStyle: { color: COLORS[0] } }
        ]
      },
      "chart-types": data.types.names.length ? bars(data.types, labels, false, narrow) : null,
      "chart-disciplines": data.disciplines.names.length ? bars(data.disciplines, labels, true, narrow) : null
    };
  }

  function start() {
    var source = document.getElementById("market-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var probe = document.getElementById("chart-flow") || document.getElementById("chart-months");
    var all = options(data, probe ? probe.clientWidth < 440 : window.innerWidth < 500);
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
