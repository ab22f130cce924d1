/**
 * @module traffic/template/random
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32) shared by the request
 * templates and the arrival schedule, so that a run with the same seed sends the same requests at
 * the same intended times. Not for anything secret.
 */

/** A stream of pseudo-random numbers. */
export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** An unsigned 32-bit integer. */
  uint32(): number
  /** An integer in [lo, hi], both included. */
  int(lo: number, hi: number): number
  /** A float in [lo, hi). */
  float(lo: number, hi: number): number
  /** An independent stream derived from this one's seed and a label (same label, same stream). */
  fork(label: string): Random
}

/** A 32-bit hash of a seed (FNV-1a over the text of a string seed; the integer bits of a number). */
function hashSeed(seed: number | string): number {
  if (typeof seed === 'number' && Number.isInteger(seed)) return (seed ^ Math.floor(seed / 2 ** 32)) >>> 0
  const text = String(seed)
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

function splitmix32(state: number): () => number {
  let s = state >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

/** A generator for a seed; the same seed always gives the same sequence. */
export function createRandom(seed: number | string): Random {
  const base = hashSeed(seed)
  const init = splitmix32(base)
  let a = init()
  let b = init()
  let c = init()
  let d = init()
  const uint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t
  }
  for (let i = 0; i < 12; i++) uint32() // let the seed's bits spread
  const next = () => uint32() / 4294967296
  return {
    next,
    uint32,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    float: (lo, hi) => lo + next() * (hi - lo),
    fork: (label) => createRandom(`${base}:${label}`),
  }
}
