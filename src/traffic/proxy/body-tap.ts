/**
 * @module traffic/proxy/body-tap
 * Bounded copies of the bodies that stream through the proxy, for the record and mirror
 * interceptors. A request body is teed through a Transform that passes every chunk on at once and
 * keeps only the first `limit` bytes; a response body is copied the same way from the handler's
 * chunks. Bytes past the limit are counted, never held, so a 1 GiB upload costs `limit` bytes.
 */
import type { Readable } from 'node:stream'
import { Transform, type TransformCallback } from 'node:stream'

/** The first `limit` bytes of a body and the count of all of them. */
export class BodyCopy {
  readonly limit: number
  readonly #chunks: Buffer[] = []
  /** Bytes kept. */
  kept = 0
  /** Bytes seen, kept or not. */
  total = 0

  constructor(limit: number) {
    this.limit = limit
  }

  add(chunk: Buffer): void {
    this.total += chunk.length
    if (this.kept >= this.limit) return
    const take = Math.min(chunk.length, this.limit - this.kept)
    // A copy: undici's chunks are views on socket buffers, and the writer hands them on.
    this.#chunks.push(Buffer.from(chunk.subarray(0, take)))
    this.kept += take
  }

  /** True when more bytes went by than were kept. */
  get overflowed(): boolean {
    return this.total > this.kept
  }

  bytes(): Buffer {
    return this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.kept)
  }
}

/** A pass-through stream that keeps a bounded copy of what goes through it. */
export class BodyTap extends Transform {
  readonly copy: BodyCopy
  /** Every byte of the source went through (its end was reached). */
  complete = false
  readonly #onComplete: ((tap: BodyTap) => void) | undefined

  constructor(limit: number, onComplete?: (tap: BodyTap) => void) {
    super()
    this.copy = new BodyCopy(limit)
    this.#onComplete = onComplete
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.copy.add(chunk)
    callback(null, chunk)
  }

  override _flush(callback: TransformCallback): void {
    this.complete = true
    this.#onComplete?.(this)
    callback()
  }
}

/**
 * Tees `body` through a new tap and returns it; the caller puts the tap where the body was. A
 * client that goes away mid-upload errors the tap, as it would have errored the body itself.
 */
export function tapBody(body: Readable, limit: number, onComplete?: (tap: BodyTap) => void): BodyTap {
  const tap = new BodyTap(limit, onComplete)
  body.once('error', (error) => tap.destroy(error))
  body.once('close', () => {
    if (!body.readableEnded && !tap.destroyed) {
      tap.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
    }
  })
  body.pipe(tap)
  return tap
}
