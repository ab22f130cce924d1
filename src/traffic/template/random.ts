/**
 * @module traffic/template/random
 * The seeded pseudo-random generator (`core/seeded-random.ts`'s sfc32) shared by the request
 * templates and the arrival schedule, so that a run with the same seed sends the same requests at
 * the same intended times. Not for anything secret.
 */
import { sfc32 } from '../../core/seeded-random.ts'

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

/** A generator for a seed; the same seed always gives the same sequence. */
export function createRandom(seed: number | string): Random {
  const base = hashSeed(seed)
  const uint32 = sfc32(base, 12) // 12 words dropped: let the seed's bits spread
  const next = () => uint32() / 4294967296
  return {
    next,
    uint32,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    float: (lo, hi) => lo + next() * (hi - lo),
    fork: (label) => createRandom(`${base}:${label}`),
  }
}
