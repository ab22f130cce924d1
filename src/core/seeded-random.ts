/**
 * @module core/seeded-random
 * The one seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's small fast counting
 * generator), its four words filled by splitmix32 so that near seeds diverge. The statistics
 * (`analysis/seeded-random.ts`), the request templates and arrival schedule
 * (`traffic/template/random.ts`) and the proxy's routing and faults all draw from it; each keeps
 * its own way of turning a seed into 32 bits and words into numbers, because fixed-seed tests and
 * recorded rehearsals pin those down draw for draw. Not for anything secret.
 */

/** Uniform numbers in [0, 1). */
export type UniformRandom = () => number

/** A stream of unsigned 32-bit integers from a 32-bit seed; the first `warmUp` outputs are dropped. */
export function sfc32(seed: number, warmUp = 0): () => number {
  let state = seed >>> 0
  const splitmix32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = splitmix32()
  let b = splitmix32()
  let c = splitmix32()
  let d = splitmix32()
  const next32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t
  }
  for (let i = 0; i < warmUp; i++) next32()
  return next32
}

/** Uniform draws with 32 random bits each, straight from sfc32 seeded with `seed` (no warm-up). */
export function seededUniform(seed: number): UniformRandom {
  const next32 = sfc32(seed)
  return () => next32() / 0x1_0000_0000
}
