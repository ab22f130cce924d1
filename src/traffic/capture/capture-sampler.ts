/**
 * @module traffic/capture/capture-sampler
 * Which requests a capture keeps: a fraction of them, chosen at random or — "sticky" — by the hash
 * of a header (a user or session id), so that either all of a user's requests are kept or none.
 */
import { createHash } from 'node:crypto'
import type { HeaderLookup, Sampler } from './capture.ts'

export type SamplingConfig = {
  /** Fraction of requests kept, 0 to 1 (default 1: all). */
  rate?: number
  /** Decide by this header's value (lower-cased name); requests without it are sampled at random. */
  stickyHeader?: string
}

/** A sampler; `random` is injectable so that tests are deterministic. */
export function createSampler(config: SamplingConfig = {}, random: () => number = Math.random): Sampler {
  const rate = config.rate ?? 1
  const header = config.stickyHeader?.toLowerCase()
  if (rate >= 1) return { sample: () => true }
  if (rate <= 0) return { sample: () => false }
  return {
    sample(headers: HeaderLookup): boolean {
      const raw = header === undefined ? undefined : headers[header]
      const value = Array.isArray(raw) ? raw[0] : raw
      if (value === undefined) return random() < rate
      // The hash only decides; it is never stored, so an unkeyed hash is fine here.
      return createHash('sha256').update(value).digest().readUInt32BE(0) / 2 ** 32 < rate
    },
  }
}
