/**
 * @module analysis/wilcoxon-distribution
 * The exact null distribution of the Mann–Whitney U statistic for small samples without ties
 * (R's `dwilcox`/`pwilcox`/`qwilcox`). The frequencies come from the recurrence
 * f(m, n; u) = f(m − 1, n; u − n) + f(m, n − 1; u), which only adds, so the tails keep full
 * relative precision (no 1 − p cancellation).
 */

/** Frequencies of U = 0..m·n, and their total C(m + n, m). */
type Frequencies = { counts: Float64Array; total: number }

const cache = new Map<string, Frequencies>()
const CACHE_SIZE = 64

/** Largest sample size for which the exact distribution is offered (R uses exact below 50). */
export const EXACT_LIMIT = 50

function frequencies(m: number, n: number): Frequencies {
  const small = Math.min(m, n)
  const large = Math.max(m, n)
  const key = `${small},${large}`
  const hit = cache.get(key)
  if (hit) return hit
  // prev[j] is the distribution for (i − 1, j); it only grows to i·j + 1 entries.
  let prev: Float64Array[] = []
  for (let j = 0; j <= large; j++) prev.push(Float64Array.of(1))
  for (let i = 1; i <= small; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)]
    for (let j = 1; j <= large; j++) {
      const row = new Float64Array(i * j + 1)
      const fromPrev = prev[j]! // (i − 1, j), shifted by j
      for (let u = 0; u < fromPrev.length; u++) row[u + j] = row[u + j]! + fromPrev[u]!
      const fromLeft = cur[j - 1]! // (i, j − 1)
      for (let u = 0; u < fromLeft.length; u++) row[u] = row[u]! + fromLeft[u]!
      cur.push(row)
    }
    prev = cur
  }
  const counts = prev[large]!
  let total = 0
  for (const c of counts) total += c
  const result = { counts, total }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!)
  cache.set(key, result)
  return result
}

/** P(U ≤ q) for sample sizes m and n (R's `pwilcox(q, m, n)`). */
export function wilcoxonCdf(q: number, m: number, n: number): number {
  const { counts, total } = frequencies(m, n)
  const top = Math.floor(q + 1e-7)
  if (top < 0) return 0
  if (top >= counts.length - 1) return 1
  let s = 0
  for (let u = 0; u <= top; u++) s += counts[u]!
  return s / total
}

/** P(U ≥ q) for sample sizes m and n (R's `pwilcox(q − 1, m, n, lower.tail = FALSE)`). */
export function wilcoxonSf(q: number, m: number, n: number): number {
  const { counts, total } = frequencies(m, n)
  const bottom = Math.ceil(q - 1e-7)
  if (bottom <= 0) return 1
  if (bottom >= counts.length) return 0
  let s = 0
  for (let u = counts.length - 1; u >= bottom; u--) s += counts[u]!
  return s / total
}

/** The smallest q with P(U ≤ q) ≥ p (R's `qwilcox(p, m, n)`). */
export function wilcoxonQuantile(p: number, m: number, n: number): number {
  const { counts, total } = frequencies(m, n)
  let s = 0
  if (p <= 0.5) {
    const target = p - 10 * Number.EPSILON
    for (let u = 0; u < counts.length; u++) {
      s += counts[u]! / total
      if (s >= target) return u
    }
    return counts.length - 1
  }
  // Upper half: accumulate from the top, as R does, so p near 1 keeps its precision.
  const target = 1 - p + 10 * Number.EPSILON
  for (let u = 0; u < counts.length; u++) {
    s += counts[counts.length - 1 - u]! / total
    if (s > target) return counts.length - 1 - u
  }
  return 0
}
