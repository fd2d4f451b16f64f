// Draws the downloads-per-day chart of ?mirrorstats with uPlot (served by Signpost) from the JSON the page embeds.
// The same numbers are in the table below it, so the page reads without this script and when printed.
/* global uPlot, document, window, ResizeObserver */
(function () {
  'use strict';
  var source = document.getElementById('daily');
  var box = document.getElementById('chart');
  if (!source || !box || typeof uPlot === 'undefined') return;
  var data = JSON.parse(source.textContent || '{}');
  if (!data.days || data.days.length === 0) return;

  var units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  function size(v) {
    if (v == null) return '';
    var u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return (u === 0 ? String(Math.round(v)) : v.toFixed(1)) + ' ' + units[u];
  }
  function count(v) { return v == null ? '' : Math.round(v).toLocaleString('en-US'); }
  var css = window.getComputedStyle(document.documentElement);
  var blue = css.getPropertyValue('--band').trim() || '#1f5fa8';
  var orange = css.getPropertyValue('--partial').trim() || '#e08a00';
  var height = 260;
  function fromZero(u, min, max) { return [0, Math.max(1, max) * 1.1]; }
  function width() { return Math.max(240, box.clientWidth); }

  var options = {
    width: width(),
    height: height,
    // The counters are per UTC day: show them as UTC days whatever the reader's time zone.
    tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); },
    scales: {
      // Half a day either side, so the first and last bars show whole.
      x: { time: true, range: function (u, min, max) { return [min - 43200, max + 43200]; } },
      n: { range: fromZero },
      b: { range: fromZero },
    },
    series: [
      { label: 'Day', value: '{YYYY}-{MM}-{DD}' },
      { label: 'Downloads', scale: 'n', stroke: blue, fill: blue + '99', width: 1, paths: uPlot.paths.bars({ size: [0.7, 48] }), points: { show: false }, value: function (u, v) { return count(v); } },
      { label: 'Bytes', scale: 'b', stroke: orange, width: 2, points: { show: data.days.length < 60 }, value: function (u, v) { return size(v); } },
    ],
    axes: [
      {},
      { scale: 'n', values: function (u, vals) { return vals.map(count); }, size: 60 },
      { scale: 'b', side: 1, grid: { show: false }, values: function (u, vals) { return vals.map(size); }, size: 80 },
    ],
  };
  var plot = new uPlot(options, [data.days, data.downloads, data.bytes], box);

  if (typeof ResizeObserver !== 'undefined') {
    new ResizeObserver(function () { plot.setSize({ width: width(), height: height }); }).observe(box);
  }
  // With the chart drawn, the table of the same numbers folds away (one click opens it); printed, it shows again.
  var table = document.querySelector('details.daily-table');
  if (table) table.open = false;
  // Paper is narrower than most screens: draw the chart to fit the page, then back.
  window.addEventListener('beforeprint', function () {
    if (table) table.open = true;
    plot.setSize({ width: 680, height: height });
  });
  window.addEventListener('afterprint', function () {
    if (table) table.open = false;
    plot.setSize({ width: width(), height: height });
  });
})();
