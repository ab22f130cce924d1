/**
 * @module analysis/seeded-random
 * A small, fast, seeded pseudo-random generator (sfc32, seeded through splitmix32). Every random
 * choice the statistics make — bootstrap draws, the Kayenta-mode jitter — goes through one of
 * these, so the same data and seed always give the same verdict.
 */

/** A deterministic stream of random numbers. */
export type Random = {
  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number
  /** A uniform integer in [0, n). */
  int(n: number): number
  /** A standard normal variate (Marsaglia's polar method). */
  normal(): number
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

/** A generator seeded from a number (any integer or fraction) or a string. */
export function seededRandom(seed: number | string): Random {
  let s = 0
  if (typeof seed === 'string') {
    for (let i = 0; i < seed.length; i++) s = Math.imul(s ^ seed.charCodeAt(i), 0x01000193) >>> 0
  } else {
    s = (Math.floor(seed) ^ Math.floor((seed % 1) * 0x1_0000_0000)) >>> 0
  }
  const init = splitmix32(s)
  let a = init()
  let b = init()
  let c = init()
  let d = init()
  const next32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t
  }
  for (let i = 0; i < 12; i++) next32()
  let spare: number | undefined
  const next = (): number => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992
  return {
    next,
    int(n: number): number {
      return Math.floor(next() * n)
    },
    normal(): number {
      if (spare !== undefined) {
        const v = spare
        spare = undefined
        return v
      }
      for (;;) {
        const u = 2 * next() - 1
        const v = 2 * next() - 1
        const s2 = u * u + v * v
        if (s2 > 0 && s2 < 1) {
          const f = Math.sqrt((-2 * Math.log(s2)) / s2)
          spare = v * f
          return u * f
        }
      }
    },
  }
}
