/* Planner charts (Chart.js, vendored).  The data and the translated labels come from
   JSON script tags rendered by the server; this file only draws. */
(function () {
  "use strict";
  var hasChart = typeof Chart !== "undefined";
  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var locale = document.documentElement.lang || undefined;
  if (hasChart) {
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.animation = false;
  }

  var data = json("staffing-data");
  var L = json("staffing-labels");
  var canvas = document.getElementById("staffing-chart");
  if (hasChart && data && L && canvas) {
    new Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: L.gap, data: data.gap, yAxisID: "agents", order: 5,
            backgroundColor: data.gap.map(function (v) { return v < 0 ? "rgba(214,69,69,0.55)" : "rgba(58,123,213,0.35)"; }),
            borderWidth: 0, barPercentage: 1.0, categoryPercentage: 1.0 },
          { type: "line", label: L.required, data: data.required, yAxisID: "agents", stepped: true,
            borderColor: "#1f2933", borderWidth: 2, pointRadius: 0, order: 1 },
          { type: "line", label: L.scheduled, data: data.scheduled, yAxisID: "agents", stepped: true,
            borderColor: "#1f7a4d", backgroundColor: "rgba(31,122,77,0.08)", fill: true, borderWidth: 2, pointRadius: 0, order: 2 },
          { type: "line", label: L.volume, data: data.volume, yAxisID: "contacts", borderColor: "#b7791f",
            borderDash: [5, 3], borderWidth: 1.5, pointRadius: 0, tension: 0.2, order: 3 },
          { type: "line", label: L.sl, data: data.service_level, yAxisID: "pct", borderColor: "#7b3fa0",
            borderWidth: 1.5, pointRadius: 0, spanGaps: false, order: 4 },
          { type: "line", label: L.target, data: data.labels.map(function () { return data.target; }), yAxisID: "pct",
            borderColor: "rgba(123,63,160,0.45)", borderDash: [2, 4], borderWidth: 1, pointRadius: 0, order: 6 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (c) {
            var v = c.parsed.y; if (v === null || v === undefined) { return c.dataset.label + ": –"; }
            return c.dataset.label + ": " + v.toLocaleString(locale, { maximumFractionDigits: 1 }); } } } },
        scales: {
          x: { ticks: { autoSkip: true, maxTicksLimit: 14, maxRotation: 0 }, grid: { display: false } },
          agents: { type: "linear", position: "left", title: { display: true, text: L.agents } },
          contacts: { type: "linear", position: "right", beginAtZero: true, title: { display: true, text: L.contacts },
                      grid: { drawOnChartArea: false } },
          pct: { type: "linear", position: "right", min: 0, max: 100, title: { display: true, text: L.percent },
                 grid: { drawOnChartArea: false } }
        }
      }
    });
  }

  var acc = json("accuracy-data");
  var AL = json("accuracy-labels");
  var accCanvas = document.getElementById("accuracy-chart");
  if (hasChart && acc && AL && accCanvas) {
    new Chart(accCanvas, {
      type: "line",
      data: { labels: acc.labels, datasets: [
        { label: AL.actual, data: acc.actual, borderColor: "#1f2933", borderWidth: 1.5, pointRadius: 0 },
        { label: AL.forecast, data: acc.forecast, borderColor: "#d97706", borderWidth: 1.5, pointRadius: 0, borderDash: [4, 2] }
      ] },
      options: { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } },
        scales: { x: { ticks: { autoSkip: true, maxTicksLimit: 14, maxRotation: 0 }, grid: { display: false } },
                  y: { beginAtZero: true, title: { display: true, text: AL.contacts } } } }
    });
  }

  /* The edit form shows only the fields its action needs (the server checks them all). */
  var action = document.getElementById("action");
  if (action) {
    var show = { add: ["code"], change: ["code"], move: ["target_day"], "delete": [], swap: ["other_agent_id"] };
    var toggle = function () {
      ["code", "target_day", "other_agent_id"].forEach(function (name) {
        var el = document.getElementById(name);
        if (el && el.closest(".field")) { el.closest(".field").style.display = show[action.value].indexOf(name) < 0 ? "none" : ""; }
      });
    };
    action.addEventListener("change", toggle);
    toggle();
  }
  /* Clicking a grid cell fills the edit form. */
  var grid = document.getElementById("roster-grid");
  if (grid) {
    var days = Array.prototype.map.call(grid.querySelectorAll("thead th[data-day]"), function (th) { return th.getAttribute("data-day"); });
    grid.addEventListener("click", function (ev) {
      var td = ev.target.closest("tbody td");
      var agent = document.getElementById("agent_id"), day = document.getElementById("day");
      if (!td || !agent || !day) { return; }
      var text = td.textContent.trim();
      agent.value = td.parentElement.getAttribute("data-agent");
      day.value = days[td.cellIndex - 1];
      if (action) { action.value = text ? "change" : "add"; action.dispatchEvent(new Event("change")); }
      var code = document.getElementById("code"); if (code && text) { code.value = text; }
      document.getElementById("edit-card").scrollIntoView({ behavior: "smooth", block: "nearest" });
    });
  }
})();
