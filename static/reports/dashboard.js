// Draws the admin dashboard's charts from the JSON the server embedded (no inline script).
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  // A fresh options object per chart: Chart.js fills in the one it is given.
  function small(extra) {
    return Object.assign({ responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } } }, extra);
  }
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }
  draw("chart-colours", {
    type: "doughnut",
    data: { labels: data.colours.labels, datasets: [{ data: data.colours.data, backgroundColor: data.colours.backgroundColor }] },
    options: { responsive: true, maintainAspectRatio: false },
  });
  draw("chart-categories", {
    type: "bar",
    data: { labels: data.categories.labels, datasets: [{ label: data.categories.label, data: data.categories.data, backgroundColor: "#7c3aed" }] },
    options: small(),
  });
  draw("chart-sectors", {
    type: "bar",
    data: { labels: data.sectors.labels, datasets: [{ label: data.sectors.label, data: data.sectors.data, backgroundColor: "#db2777" }] },
    options: small({ indexAxis: "y" }),
  });
  draw("chart-townships", {
    type: "bar",
    data: {
      labels: data.townships.labels,
      datasets: [
        { label: data.townships.paired_label, data: data.townships.paired, backgroundColor: "#16a34a", yAxisID: "y" },
        { label: data.townships.activities_label, data: data.townships.activities, backgroundColor: "#2563eb", yAxisID: "y1" },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { min: 0, max: 100, position: "left" }, y1: { min: 0, position: "right", grid: { drawOnChartArea: false } } },
    },
  });
  // The 12-month trend: counts on the left axis, the paired share (%) on the right.
  if (data.trend) {
    draw("chart-trend", {
      type: "line",
      data: {
        labels: data.trend.labels,
        datasets: data.trend.series.map(function (s) {
          var percent = s.key === "paired_pct";
          return {
            label: s.label,
            data: s.data,
            borderColor: s.color,
            backgroundColor: s.color,
            borderDash: percent ? [6, 4] : [],
            cubicInterpolationMode: "monotone",
            yAxisID: percent ? "y1" : "y",
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { min: 0, position: "left", ticks: { precision: 0 } },
          y1: { min: 0, max: 100, position: "right", grid: { drawOnChartArea: false } },
        },
      },
    });
  }
});
