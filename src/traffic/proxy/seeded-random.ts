/**
 * @module traffic/proxy/seeded-random
 * The proxy's source of randomness (routing weights, fault probabilities, jitter): `Math.random`,
 * or with a seed a small fast PRNG (sfc32), so a rehearsal's routing and faults can be replayed
 * draw for draw.
 */

/** Uniform numbers in [0, 1). */
export type Random = () => number

/** sfc32 seeded from one 32-bit integer (mixed with splitmix32 so that near seeds diverge). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0
  const splitmix = () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = splitmix()
  let b = splitmix()
  let c = splitmix()
  let d = splitmix()
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t / 0x1_0000_0000
  }
}
