// The admin console's charts (templates/admin/_chart.html): each figure[data-chart]
// holds a table, which is the source of truth; this script reads its numbers and
// draws them with Chart.js on the figure's canvas (hidden from screen readers, which
// read the table). Without JavaScript the tables stay, and the canvas is not shown;
// with it, a long table (in a details element) is folded away, a click from view.
(function () {
  "use strict";
  if (!window.Chart) { return; }
  var root = getComputedStyle(document.documentElement);
  var brand = root.getPropertyValue("--brand").trim() || "#0b5d3b";
  var colours = {
    brand: brand,
    pending: "#c9d3ce",
    // Score bands, low to high: from pale to the brand's green.
    "band-1": "#d7e9df", "band-2": "#a9d0bb", "band-3": "#6fae8d", "band-4": "#2f8660",
    "band-5": "#0b5d3b"
  };
  var palette = [brand, "#c2410c", "#1d4ed8", "#7c3aed", "#a16207"];
  var locale = document.documentElement.lang || "it";
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function number(cell) {
    var value = cell.getAttribute("data-value");
    return Number(value === null ? cell.textContent.trim() : value);
  }

  // Rows and columns of the table: labels (first cell of each body row), keys (its
  // data-value) and one dataset per header column not marked data-chart-skip.
  function read(table) {
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells, 1);
    var columns = [];
    heads.forEach(function (th, i) {
      if (!th.hasAttribute("data-chart-skip")) {
        columns.push({ index: i + 1,
                       label: th.getAttribute("data-label") || th.textContent.trim(),
                       colour: colours[th.getAttribute("data-color")] });
      }
    });
    var labels = [], keys = [];
    var values = columns.map(function () { return []; });
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      labels.push(row.cells[0].textContent.trim());
      keys.push(row.cells[0].getAttribute("data-value"));
      columns.forEach(function (column, k) { values[k].push(number(row.cells[column.index])); });
    });
    return {
      labels: labels, keys: keys,
      datasets: columns.map(function (column, k) {
        var colour = column.colour || palette[k % palette.length];
        return { label: column.label, data: values[k], backgroundColor: colour,
                 borderColor: colour, borderWidth: 0, maxBarThickness: 28 };
      })
    };
  }

  // Days: every day from the first to the last, zero where the table has no row.
  function fillDays(data) {
    var byDay = {};
    data.keys.forEach(function (key, i) { byDay[key] = i; });
    var first = new Date(data.keys[0] + "T12:00:00Z");
    var last = new Date(data.keys[data.keys.length - 1] + "T12:00:00Z");
    var format = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone: "UTC" });
    var labels = [], series = data.datasets.map(function () { return []; });
    for (var day = first; day <= last; day = new Date(day.getTime() + 86400000)) {
      var key = day.toISOString().slice(0, 10);
      labels.push(format.format(day));
      data.datasets.forEach(function (dataset, k) {
        series[k].push(key in byDay ? dataset.data[byDay[key]] : 0);
      });
    }
    data.labels = labels;
    data.datasets.forEach(function (dataset, k) { dataset.data = series[k]; });
    return data;
  }

  function shorten(text, room) {
    return text.length > room ? text.slice(0, room - 1) + "…" : text;
  }

  function draw(figure) {
    var table = figure.querySelector("table");
    var canvas = figure.querySelector("canvas");
    if (!table || !canvas || !table.tBodies[0].rows.length) { return; }
    var data = read(table);
    if (figure.hasAttribute("data-chart-days")) { data = fillDays(data); }
    var horizontal = figure.getAttribute("data-chart-axis") === "y";
    figure.classList.add("is-drawn");  // shows the canvas's box, which is then measured
    var folded = figure.querySelector("details.chart-figures");
    if (folded) { folded.open = false; }  // a long table: the chart says it at a glance
    var stacked = figure.hasAttribute("data-chart-stacked");
    if (horizontal) {  // room for every bar
      canvas.parentNode.style.height = Math.max(160, data.labels.length * 34 + 70) + "px";
    }
    var counts = { beginAtZero: true, stacked: stacked, ticks: { precision: 0 },
                   grid: { color: "rgba(0, 0, 0, 0.06)" } };
    var room = canvas.parentNode.clientWidth < 480 ? 16 : 30;  // characters of a bar's name
    var names = { stacked: stacked, grid: { display: false },
                  ticks: { autoSkip: !horizontal,
                           callback: function (value) { return shorten(this.getLabelForValue(value), room); } } };
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: data.datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        locale: locale,
        maintainAspectRatio: false,
        animation: still ? false : { duration: 400 },
        scales: horizontal ? { x: counts, y: names } : { x: names, y: counts },
        plugins: {
          legend: { display: data.datasets.length > 1, position: "bottom",
                    labels: { boxWidth: 12 } },
          tooltip: { mode: "index", intersect: false }
        }
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("figure[data-chart]"), draw);
})();
