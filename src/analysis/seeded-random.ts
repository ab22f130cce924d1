/**
 * @module analysis/seeded-random
 * A small, fast, seeded pseudo-random generator (`core/seeded-random.ts`'s sfc32). Every random
 * choice the statistics make — bootstrap draws, the Kayenta-mode jitter — goes through one of
 * these, so the same data and seed always give the same verdict.
 */
import { sfc32 } from '../core/seeded-random.ts'

/** A deterministic stream of random numbers. */
export type Random = {
  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number
  /** A uniform integer in [0, n). */
  int(n: number): number
  /** A standard normal variate (Marsaglia's polar method). */
  normal(): number
}

/** A generator seeded from a number (any integer or fraction) or a string. */
export function seededRandom(seed: number | string): Random {
  let s = 0
  if (typeof seed === 'string') {
    for (let i = 0; i < seed.length; i++) s = Math.imul(s ^ seed.charCodeAt(i), 0x01000193) >>> 0
  } else {
    s = (Math.floor(seed) ^ Math.floor((seed % 1) * 0x1_0000_0000)) >>> 0
  }
  // 12 words dropped so that the seed's bits spread before the first draw.
  const next32 = sfc32(s, 12)
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
