/* Decision-support charts (networks, trend radar): reads the page's JSON block (labels already in the
   visitor's language) and draws it with the vendored Apache ECharts. Without ECharts the tables remain. */
(function () {
  "use strict";

  var FONT = '"PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, sans-serif';
  var COLORS = ["#b3261e", "#1f5fa8", "#216e3a", "#d08b1f", "#6b4ea0", "#2a8c8c", "#8c1d17", "#5d6b7a"];
  var charts = [];

  function draw(element, option) {
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(Object.assign({ color: COLORS, textStyle: { fontFamily: FONT } }, option));
    element.classList.add("drawn");
    charts.push(chart);
    return chart;
  }

  function empty(element, text) {
    element.classList.add("no-data");
    element.textContent = text;
  }

  function text(tag, content) {
    var node = document.createElement(tag);
    node.textContent = content;
    return node;
  }

  function showNode(data, node) {
    var body = document.getElementById("node-details-body");
    if (!body) { return; }
    var labels = data.labels;
    var list = document.createElement("dl");
    var rows = [
      [labels.sector, data.sectors[node.sector] || node.sector],
      [labels.region, data.regions[node.region] || node.region],
      [labels.degree, node.degree], [labels.strength, node.strength],
      [labels.community, node.community], [labels.broker, node.broker]
    ];
    rows.forEach(function (row) { list.appendChild(text("dt", row[0])); list.appendChild(text("dd", String(row[1]))); });
    var records = document.createElement("ul");
    node.records.forEach(function (ref, i) {
      var item = document.createElement("li");
      if (node.links[i]) {
        var a = text("a", ref);
        a.href = node.links[i];
        item.appendChild(a);
      } else {
        item.textContent = ref;
      }
      records.appendChild(item);
    });
    body.className = "";
    body.replaceChildren(text("strong", node.name), list, text("h3", labels.records), records);
  }

  function network(data) {
    var element = document.getElementById("chart-network");
    if (element) {
      if (!data.nodes.length) {
        empty(element, data.labels.empty);
      } else {
        var sectors = Object.keys(data.sectors);
        var max = Math.max.apply(null, data.nodes.map(function (n) { return n.strength; }));
        var nodes = data.nodes.map(function (n, i) {
          return {
            id: n.id, name: n.name, value: n.strength, category: Math.max(0, sectors.indexOf(n.sector)),
            symbolSize: 6 + 30 * Math.sqrt(n.strength / max), label: { show: i < 15 }, raw: n
          };
        });
        var chart = draw(element, {
          tooltip: { formatter: function (p) { return p.dataType === "edge" ? p.data.kinds.join(", ") + ": " + p.data.value : p.name; } },
          legend: { type: "scroll", top: 0, data: sectors.map(function (s) { return data.sectors[s]; }) },
          series: [{
            type: "graph", layout: "force", roam: true, draggable: true, top: 40,
            force: { repulsion: 120, edgeLength: [30, 120], gravity: 0.08 },
            categories: sectors.map(function (s) { return { name: data.sectors[s] }; }),
            data: nodes,
            links: data.links.map(function (l) {
              return { source: l.source, target: l.target, value: l.weight, kinds: l.kinds,
                       lineStyle: { width: Math.min(6, 0.6 + Math.log(1 + l.weight)) } };
            }),
            emphasis: { focus: "adjacency" }, lineStyle: { color: "source", opacity: 0.35, curveness: 0.1 },
            label: { position: "right", fontSize: 11 }, labelLayout: { hideOverlap: true }
          }]
        });
        chart.on("click", function (p) { if (p.dataType === "node") { showNode(data, p.data.raw); } });
        window.kechuangShowNode = function (index) { showNode(data, data.nodes[index]); };
      }
    }
    var series = document.getElementById("chart-fragmentation");
    if (series) {
      if (!data.by_year.length) { empty(series, data.labels.empty); return; }
      var years = data.by_year.map(function (r) { return String(r.year); });
      var keys = ["largest_component_share", "cross_sector_share", "bth_share", "modularity"];
      draw(series, {
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0, data: keys.map(function (k) { return data.labels[k]; }) },
        grid: { left: 50, right: 30, top: 50, bottom: 30 },
        xAxis: { type: "category", data: years, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", min: 0, max: 1 },
        series: keys.map(function (k) {
          return { type: "line", name: data.labels[k], data: data.by_year.map(function (r) { return Number(r[k].toFixed(3)); }) };
        })
      });
    }
  }

  function radar(data) {
    var labels = data.labels;
    document.querySelectorAll(".radar-chart").forEach(function (element) {
      var field = data.fields[Number(element.dataset.index)];
      if (!field || !field.topics.length) { empty(element, labels.empty); return; }
      draw(element, {
        tooltip: {
          formatter: function (p) {
            var t = p.data.topic;
            var curve = t.years.map(function (y, i) { return y + ": " + t.counts[i]; }).join("<br>");
            return "<strong>" + t.term + "</strong><br>" + labels.growth + ": " + (t.growth * 100).toFixed(0) + "%<br>" +
              labels.volume + ": " + t.volume + (t.is_new ? "<br>" + labels["new"] : "") +
              (t.burst ? "<br>" + labels.burst : "") + "<br>" + curve;
          }
        },
        grid: { left: 60, right: 30, top: 30, bottom: 50 },
        xAxis: { type: "value", name: labels.growth, nameLocation: "middle", nameGap: 30,
                 axisLabel: { hideOverlap: true, formatter: function (v) { return (v * 100).toFixed(0) + "%"; } } },
        yAxis: { type: "value", name: labels.volume, minInterval: 1 },
        series: [{
          type: "scatter",
          data: field.topics.map(function (t) {
            return { value: [t.growth, t.volume], topic: t, name: t.term,
                     itemStyle: { color: t.is_new ? COLORS[0] : (t.burst ? COLORS[3] : COLORS[1]) } };
          }),
          symbolSize: function (v) { return 8 + 4 * Math.sqrt(v[1]); },
          label: { show: true, position: "top", formatter: function (p) { return p.name; }, fontSize: 11 },
          labelLayout: { hideOverlap: true },  /* crowded topics keep their names in the tooltip */
          markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#999" }, data: [{ xAxis: 0 }] }
        }]
      });
    });
  }

  function start() {
    var source = document.getElementById("insights-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    if (data.kind === "network") { network(data); } else if (data.kind === "radar") { radar(data); }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.kechuangCharts = charts;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
