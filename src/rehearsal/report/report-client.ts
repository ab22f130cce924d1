/**
 * @module rehearsal/report/report-client
 * The script inside the report page. It only draws: the chart data were prepared by
 * `report-charts.ts` and sit in the page as JSON. Plain ES2017, no template literals (this is
 * itself a template literal), no network, no eval. Chart colours come from the stylesheet's custom
 * properties so they follow the light/dark scheme. When every chart is drawn it sets
 * `data-charts-drawn` on <html> (the browser test waits for it).
 */

export const REPORT_CLIENT_SCRIPT = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var css = getComputedStyle(document.documentElement);
  function prop(name, fallback) { var v = css.getPropertyValue(name).trim(); return v || fallback; }
  var axisColor = prop('--muted', '#666');
  var gridColor = prop('--grid', 'rgba(128,128,128,0.15)');
  var bandColors = [prop('--band', 'rgba(128,128,128,0.12)'), prop('--band-alt', 'rgba(128,128,128,0.05)')];
  var font = prop('--font', 'sans-serif');
  var px = window.devicePixelRatio || 1;

  function trim(x, digits) { return String(Number(x.toFixed(digits))); }
  function short(x) {
    if (x == null || !isFinite(x)) return '';
    var a = Math.abs(x);
    if (a >= 1e6) return trim(x / 1e6, 1) + 'M';
    if (a >= 1e4) return trim(x / 1e3, 0) + 'k';
    if (a >= 100) return trim(x, 0);
    if (a >= 10) return trim(x, 1);
    if (a >= 1) return trim(x, 2);
    return a === 0 ? '0' : String(Number(x.toPrecision(2)));
  }
  var formats = {
    percent: function (v) { return v == null ? '-' : short(v * 100) + '%'; },
    ms: function (v) { return v == null ? '-' : short(v) + ' ms'; },
    number: function (v) { return v == null ? '-' : short(v); }
  };

  function drawBands(u, bands) {
    if (!bands.length) return;
    var ctx = u.ctx, box = u.bbox, right = box.left + box.width;
    ctx.save();
    ctx.font = Math.round(11 * px) + 'px ' + font;
    ctx.textBaseline = 'top';
    bands.forEach(function (band, i) {
      var x0 = Math.max(box.left, u.valToPos(band.from, 'x', true));
      var x1 = Math.min(right, u.valToPos(band.to, 'x', true));
      if (!(x1 > x0)) return;
      ctx.fillStyle = bandColors[i % 2];
      ctx.fillRect(x0, box.top, x1 - x0, box.height);
      ctx.fillStyle = gridColor;
      ctx.fillRect(x0, box.top, Math.max(1, px), box.height);
      var pad = 4 * px, room = x1 - x0 - 2 * pad, label = band.name;
      if (room < 12 * px) return;
      while (label.length > 2 && ctx.measureText(label).width > room) label = label.slice(0, -2) + '\\u2026';
      ctx.fillStyle = axisColor;
      ctx.fillText(label, x0 + pad, box.top + pad);
    });
    ctx.restore();
  }

  function options(spec, width) {
    var yFormat = formats[spec.yFormat] || formats.number;
    var xFormat = spec.kind === 'cdf' ? formats.ms : function (v) { return v == null ? '-' : short(v) + ' s'; };
    var series = [{ label: spec.kind === 'cdf' ? 'latency' : 'time', value: function (u, v) { return xFormat(v); } }];
    spec.series.forEach(function (s) {
      var line = { label: s.label, stroke: s.color, width: s.width || 2, points: { show: false }, spanGaps: false,
        value: function (u, v) { return yFormat(v); } };
      if (s.dash) line.dash = s.dash;
      if (spec.kind === 'cdf') line.paths = uPlot.paths.stepped({ align: 1 });
      series.push(line);
    });
    var axis = function (label, format, size) {
      return { label: label, stroke: axisColor, size: size, labelSize: 20, font: '11px ' + font, labelFont: '12px ' + font,
        grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 },
        values: function (u, splits) { return splits.map(function (v) { return v == null ? '' : format(v); }); } };
    };
    return {
      width: width,
      height: 260,
      series: series,
      scales: {
        x: spec.logX ? { time: false, distr: 3, log: 10 } : { time: false },
        y: { range: spec.kind === 'cdf' ? [0, 1] : function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } }
      },
      axes: [axis(spec.xLabel, xFormat, 44), axis(spec.yLabel, yFormat, 64)],
      cursor: spec.kind === 'time' ? { sync: { key: 'timeseries' } } : {},
      legend: { live: true },
      hooks: { drawClear: [function (u) { drawBands(u, spec.bands); }] }
    };
  }

  var plots = [];
  data.charts.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    if (!el) return;
    try {
      var plot = new uPlot(options(spec, Math.max(300, el.clientWidth)), [spec.x].concat(spec.series.map(function (s) { return s.values; })), el);
      plots.push({ plot: plot, el: el });
    } catch (error) {
      // One broken chart must not take the others down; the console says what went wrong.
      el.textContent = 'This chart could not be drawn: ' + (error && error.message);
      console.error(error);
    }
  });
  var pending;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      plots.forEach(function (p) { p.plot.setSize({ width: Math.max(300, p.el.clientWidth), height: 260 }); });
    }, 150);
  });
  document.documentElement.setAttribute('data-charts-drawn', String(plots.length));
})();
`
