/**
 * @module rehearsal/report/report-charts
 * The report's charts as plain data, prepared here so that the script in the page only draws:
 * latency CDFs baseline vs candidate (one per route the telemetry has), and time series of
 * requests/s, error rate and latency per target with the traffic phases as bands.
 */
import type { StoredSeries } from '../../store/store.ts'
import type { DistributionView, PhaseView } from './report-model.ts'

export type ChartSeries = { label: string; color: string; values: (number | null)[]; dash?: number[]; width?: number }

/** One uPlot chart: aligned data (`x` and one array of values per series), no functions. */
export type ChartSpec = {
  id: string
  kind: 'cdf' | 'time'
  xLabel: string
  yLabel: string
  /** How the page formats y values. */
  yFormat: 'percent' | 'ms' | 'number'
  logX: boolean
  x: number[]
  series: ChartSeries[]
  /** Shaded x ranges with a name (traffic phases). */
  bands: { name: string; from: number; to: number }[]
}

/** Fixed colours readable on light and dark backgrounds (Tableau 10). */
const COLORS: Record<string, string> = { baseline: '#4e79a7', candidate: '#e15759' }
const OTHER_COLORS = ['#59a14f', '#b07aa1', '#f28e2b', '#76b7b2', '#edc948', '#9c755f']

export function colorOf(target: string, index: number): string {
  return COLORS[target] ?? OTHER_COLORS[index % OTHER_COLORS.length]!
}

/** Baseline first, candidate second, any other target after them by name. */
export function sideOrder(a: string, b: string): number {
  const rank = (t: string) => (t === 'baseline' ? 0 : t === 'candidate' ? 1 : 2)
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)
}

/** The value at quantile `q` of a histogram (the smallest bucket value with that share at or below). */
export function histogramQuantile(values: number[], counts: number[], q: number): number | null {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!)
  const total = counts.reduce((s, c) => s + c, 0)
  if (total <= 0) return null
  let seen = 0
  for (const i of order) {
    seen += counts[i]!
    if (seen >= q * total) return values[i]!
  }
  return values[order.at(-1)!]!
}

/** The empirical CDF of each side at every bucket value of either side. */
export function cdfChart(id: string, distribution: DistributionView): ChartSpec | null {
  const sides = [...distribution.sides.entries()].sort(([a], [b]) => sideOrder(a, b))
  const xs = new Set<number>()
  for (const [, side] of sides) {
    side.values.forEach((v, i) => {
      if (side.counts[i]! > 0) xs.add(v)
    })
  }
  if (xs.size === 0) return null
  const x = [...xs].sort((a, b) => a - b)
  const series = sides.map(([target, side], index) => {
    const pairs = side.values.map((v, i) => [v, side.counts[i]!] as const).sort((a, b) => a[0] - b[0])
    const total = pairs.reduce((s, [, c]) => s + c, 0)
    const values: (number | null)[] = []
    let k = 0
    let cumulative = 0
    for (const at of x) {
      while (k < pairs.length && pairs[k]![0] <= at) cumulative += pairs[k++]![1]
      values.push(total > 0 ? cumulative / total : null)
    }
    return { label: target, color: colorOf(target, index), values }
  })
  return {
    id,
    kind: 'cdf',
    xLabel: 'latency (ms)',
    yLabel: 'share of requests at or below',
    yFormat: 'percent',
    // A log axis needs positive values; a histogram with a 0 ms bucket is drawn linear.
    logX: x[0]! > 0,
    x,
    series,
    bands: [],
  }
}

type TimeMetric = { title: string; yLabel: string; yFormat: ChartSpec['yFormat']; lines: TimeLine[] }
type TimeLine = {
  metric: string
  suffix: string
  dash?: number[]
  width?: number
  transform: (s: StoredSeries) => [number, number][]
}

/** Counts are per aggregation interval: divide by the interval to get a rate. */
function perSecond(s: StoredSeries): [number, number][] {
  const gaps = s.points
    .slice(1)
    .map(([t], i) => t - s.points[i]![0])
    .filter((g) => g > 0)
    .sort((a, b) => a - b)
  const interval = gaps[Math.floor(gaps.length / 2)]
  if (!interval) return s.points
  return s.points.map(([t, v]) => [t, (v * 1000) / interval])
}

const TIME_METRICS: TimeMetric[] = [
  {
    title: 'Requests per second',
    yLabel: 'requests/s',
    yFormat: 'number',
    lines: [{ metric: 'requests', suffix: '', transform: perSecond }],
  },
  {
    title: 'Error rate',
    yLabel: 'errors / requests',
    yFormat: 'percent',
    lines: [{ metric: 'error_rate', suffix: '', transform: (s) => s.points }],
  },
  {
    title: 'Latency p99 (p50 dashed)',
    yLabel: 'latency (ms)',
    yFormat: 'ms',
    lines: [
      { metric: 'latency_p99', suffix: ' p99', transform: (s) => s.points },
      { metric: 'latency_p50', suffix: ' p50', dash: [6, 4], width: 1.5, transform: (s) => s.points },
    ],
  },
]

/** Time series charts (seconds since traffic began on x), with the phases as named bands. */
export function timeCharts(
  idPrefix: string,
  series: StoredSeries[],
  phases: PhaseView[],
): Array<ChartSpec & { title: string }> {
  const firstPoint = Math.min(...series.flatMap((s) => (s.points.length ? [s.points[0]![0]] : [])))
  const t0 = Math.min(phases[0]?.at ?? Number.POSITIVE_INFINITY, firstPoint)
  if (!Number.isFinite(t0)) return []
  const bands = phases.map((p) => ({ name: p.name, from: (p.at - t0) / 1000, to: (p.at + p.durationMs - t0) / 1000 }))
  const charts: Array<ChartSpec & { title: string }> = []
  for (const metric of TIME_METRICS) {
    const lines: { label: string; color: string; dash?: number[]; width?: number; points: Map<number, number> }[] = []
    for (const line of metric.lines) {
      const matching = series.filter((s) => s.metric === line.metric).sort((a, b) => sideOrder(a.target, b.target))
      matching.forEach((s, index) => {
        lines.push({
          label: `${s.target}${line.suffix}`,
          color: colorOf(s.target, index),
          ...(line.dash ? { dash: line.dash } : {}),
          ...(line.width ? { width: line.width } : {}),
          points: new Map(line.transform(s)),
        })
      })
    }
    if (lines.length === 0) continue
    const times = [...new Set(lines.flatMap((l) => [...l.points.keys()]))].sort((a, b) => a - b)
    charts.push({
      id: `${idPrefix}-${charts.length}`,
      title: metric.title,
      kind: 'time',
      xLabel: 'seconds since traffic began',
      yLabel: metric.yLabel,
      yFormat: metric.yFormat,
      logX: false,
      x: times.map((t) => (t - t0) / 1000),
      series: lines.map(({ points, ...rest }) => ({ ...rest, values: times.map((t) => points.get(t) ?? null) })),
      bands,
    })
  }
  return charts
}
