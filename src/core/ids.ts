/**
 * @module core/ids
 * Identifiers. Rehearsal ids sort by creation time (a time prefix, then randomness), so
 * `rehearse history` and directory listings read in order.
 */
import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz' // Crockford base32, lower case

/** A sortable id such as `r_01k9x3f2vq8c4n7d`: 8 chars of milliseconds, 8 of randomness. */
export function newId(prefix: string, now: number = Date.now()): string {
  let time = ''
  let t = now
  for (let i = 0; i < 9; i++) {
    time = ALPHABET[t % 32] + time
    t = Math.floor(t / 32)
  }
  const bytes = randomBytes(8)
  let rand = ''
  for (const b of bytes) rand += ALPHABET[b % 32]
  return `${prefix}_${time}${rand}`
}
