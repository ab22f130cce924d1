/**
 * @module data/postgres/postgres-copy
 * COPY TO STDOUT as an async iterable of chunks and COPY FROM STDIN fed from one, with
 * backpressure both ways (pg-copy-streams) and an AbortSignal that stops the transfer.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import { abortError } from '../../core/errors.ts'
import type { PgClient } from './postgres-connection.ts'

/** The chunks of `COPY … TO STDOUT`; rows may be cut across chunks. */
export async function* copyOut(client: PgClient, sql: string, signal?: AbortSignal): AsyncIterable<Buffer> {
  const stream = client.query(copyTo(sql))
  const onAbort = () => stream.destroy(abortError(signal!))
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (signal?.aborted) onAbort()
    for await (const chunk of stream) yield chunk as Buffer
  } finally {
    signal?.removeEventListener('abort', onAbort)
    if (!stream.destroyed) stream.destroy()
  }
}

/** Runs `COPY … FROM STDIN`, writing every chunk of `data`; resolves when the server has taken it all. */
export async function copyIn(
  client: PgClient,
  sql: string,
  data: AsyncIterable<string | Uint8Array>,
  signal?: AbortSignal,
): Promise<number> {
  const stream = client.query(copyFrom(sql))
  await pipeline(Readable.from(data, { objectMode: false }), stream, signal ? { signal } : {})
  return stream.rowCount
}
