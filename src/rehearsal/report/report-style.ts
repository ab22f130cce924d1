/**
 * @module rehearsal/report/report-style
 * The report's stylesheet: plain and readable, system fonts only (nothing is fetched), light and
 * dark by `prefers-color-scheme`, printable. The page's script reads the chart colours from the
 * custom properties, so the charts follow the scheme too.
 */

export const REPORT_CSS = `
:root {
  color-scheme: light dark;
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  --bg: #f7f7f5; --card: #ffffff; --fg: #1d1f23; --muted: #5f6670; --border: #d9dce1;
  --good: #1f7a3a; --good-bg: #e3f4e8; --warn: #8a5a00; --warn-bg: #fdf1d6;
  --bad: #b3261e; --bad-bg: #fbe4e2; --info: #1c5fa8; --info-bg: #e1ecf9;
  --neutral: #4b5159; --neutral-bg: #eceef1;
  --grid: rgba(30, 35, 45, 0.10); --band: rgba(60, 90, 140, 0.10); --band-alt: rgba(60, 90, 140, 0.04);
  --baseline: #4e79a7; --candidate: #e15759;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15171b; --card: #1d2026; --fg: #e6e8eb; --muted: #9aa3ad; --border: #343943;
    --good: #6fd08c; --good-bg: #173823; --warn: #f2c462; --warn-bg: #3b2f12;
    --bad: #ff8a80; --bad-bg: #43201d; --info: #8ab8f0; --info-bg: #1b2e46;
    --neutral: #c1c7cf; --neutral-bg: #2a2e35;
    --grid: rgba(220, 225, 235, 0.12); --band: rgba(140, 170, 220, 0.14); --band-alt: rgba(140, 170, 220, 0.06);
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); font: 15px/1.5 var(--font); }
body { margin: 0; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 20px 48px; }
code, pre { font-family: var(--mono); font-size: 0.9em; }
code { overflow-wrap: break-word; }
h1 { margin: 0.1em 0 0.2em; font-size: 1.7rem; line-height: 1.25; }
h2 { margin: 0 0 0.6em; font-size: 1.25rem; }
h3 { margin: 1.4em 0 0.5em; font-size: 1.02rem; }
small { font-size: 0.84em; }
.muted, .empty { color: var(--muted); }
.banner { border-radius: 10px; padding: 18px 22px; border: 1px solid var(--border); border-left-width: 8px; background: var(--card); }
.banner .eyebrow { margin: 0; color: var(--muted); font-size: 0.85rem; letter-spacing: 0.02em; }
.banner .verdict-word { letter-spacing: 0.04em; }
.banner .headline { font-weight: 500; font-size: 1.1rem; color: var(--muted); }
.banner .summary { margin: 0.3em 0 0; font-size: 1.05rem; overflow-wrap: anywhere; }
.banner .failure { margin: 0.6em 0 0; padding: 8px 12px; border-radius: 6px; background: var(--bad-bg); overflow-wrap: anywhere; }
.banner .hint { color: var(--muted); }
.banner.tone-good { border-left-color: var(--good); } .banner.tone-good .verdict-word { color: var(--good); }
.banner.tone-warn { border-left-color: var(--warn); } .banner.tone-warn .verdict-word { color: var(--warn); }
.banner.tone-bad { border-left-color: var(--bad); } .banner.tone-bad .verdict-word { color: var(--bad); }
.banner.tone-info { border-left-color: var(--info); } .banner.tone-info .verdict-word { color: var(--info); }
.banner.tone-neutral { border-left-color: var(--neutral); }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px 18px; margin: 14px 0 6px; padding: 0 4px; }
.meta div { min-width: 0; } .meta dt { color: var(--muted); font-size: 0.8rem; } .meta dd { margin: 0; overflow-wrap: anywhere; }
nav.toc { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 10px 0 18px; padding: 8px 4px; border-bottom: 1px solid var(--border); font-size: 0.92rem; }
nav.toc a { color: var(--info); text-decoration: none; } nav.toc a.badge { color: var(--bad); } nav.toc a:hover { text-decoration: underline; }
section { background: var(--card); border: 1px solid var(--border); border-radius: 10px; padding: 16px 20px; margin: 0 0 18px; }
.lead { font-size: 1.02rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.93rem; }
th, td { text-align: left; vertical-align: top; padding: 7px 10px; border-bottom: 1px solid var(--border); }
th { font-weight: 600; color: var(--muted); font-size: 0.84rem; white-space: nowrap; }
td { overflow-wrap: break-word; }
table.metrics td:first-child, table.slos td:first-child, table.gates td:first-child { min-width: 8em; }
table.metrics td:nth-child(3), table.metrics td:nth-child(4), table.metrics td:nth-child(5) { white-space: nowrap; }
table.metrics td:last-child { min-width: 260px; }
table.mini { font-size: 0.85rem; } table.mini td, table.mini th { padding: 3px 8px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 0.8rem; font-weight: 600; white-space: nowrap; }
.badge.good { color: var(--good); background: var(--good-bg); } .badge.warn { color: var(--warn); background: var(--warn-bg); }
.badge.bad { color: var(--bad); background: var(--bad-bg); } .badge.info { color: var(--info); background: var(--info-bg); }
.badge.neutral { color: var(--neutral); background: var(--neutral-bg); }
.tag { display: inline-block; padding: 0 6px; border: 1px solid var(--border); border-radius: 4px; font-size: 0.75rem; color: var(--muted); }
.callout { padding: 8px 12px; border-radius: 6px; } .callout.tone-bad { background: var(--bad-bg); } .callout.tone-warn { background: var(--warn-bg); }
ul.reasons { margin: 0.2em 0; padding-left: 1.2em; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 16px; }
.chart-card { margin: 0 0 14px; min-width: 0; }
.chart-card figcaption { margin-bottom: 6px; }
.chart { width: 100%; min-height: 260px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; background: var(--neutral); }
.swatch[data-target="baseline"] { background: var(--baseline); } .swatch[data-target="candidate"] { background: var(--candidate); }
ol.timeline { list-style: none; margin: 0; padding: 0; }
.step { display: grid; grid-template-columns: 130px 110px 90px 1fr; align-items: center; gap: 4px 10px; padding: 6px 0; border-bottom: 1px solid var(--border); }
.step-name { font-weight: 600; overflow-wrap: break-word; }
.step .badge { justify-self: start; }
.track { position: relative; height: 12px; background: var(--neutral-bg); border-radius: 3px; }
.bar { position: absolute; top: 0; bottom: 0; border-radius: 3px; background: var(--info); }
.bar.passed { background: var(--good); } .bar.failed { background: var(--bad); } .bar.unfinished { background: var(--warn); }
.bar.skipped { background: var(--neutral); }
.step-detail { grid-column: 2 / -1; color: var(--muted); font-size: 0.88rem; overflow-wrap: anywhere; }
pre.log { margin: 6px 0 0; padding: 10px 12px; background: var(--bg); border: 1px solid var(--border); border-radius: 6px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
.crash { margin-bottom: 12px; }
footer { color: var(--muted); font-size: 0.85rem; padding: 6px 4px; }
.uplot { font-family: var(--font); } .uplot .u-legend { font-size: 0.85rem; color: var(--fg); }
@media (max-width: 640px) { .grid { grid-template-columns: 1fr; } .step { grid-template-columns: 1fr 1fr; } .track { grid-column: 1 / -1; } }
@media print { html { background: #fff; } section, .banner { break-inside: avoid; } nav.toc { display: none; } }
`
