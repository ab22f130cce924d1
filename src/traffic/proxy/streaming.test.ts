import { request as httpRequest, type IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { startProxy } from './start-proxy.ts'
import { CollectingSink, startUpstream } from './test-support.ts'

const MiB = 1024 * 1024
const GiB = 1024 * MiB
const CHUNK = 64 * 1024

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** `size` bytes, generated chunk by chunk (each a fresh buffer, so that buffering anywhere would show in RSS). */
function generated(size: number, onChunk: (bytes: number) => void = () => {}): Readable {
  let produced = 0
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (produced >= size) return void this.push(null)
      const length = Math.min(CHUNK, size - produced)
      produced += length
      onChunk(produced)
      this.push(Buffer.allocUnsafe(length).fill(produced & 0xff))
    },
  })
}

/** Samples this process's RSS every 50 ms until stopped; returns the largest growth over `before`. */
function watchRss(): { stop(): number } {
  const before = process.memoryUsage.rss()
  let peak = before
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 50)
  return {
    stop() {
      clearInterval(timer)
      return Math.max(peak, process.memoryUsage.rss()) - before
    },
  }
}

function countBody(stream: IncomingMessage): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length
    })
    stream.on('end', () => resolve(bytes))
    stream.on('error', reject)
  })
}

/** Polls until `read()` stops changing for 300 ms (at most 20 s): the stream is stalled by backpressure. */
async function stalled(read: () => number): Promise<number> {
  let last = -1
  for (let i = 0; i < 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 300))
    const now = read()
    if (now === last && now > 0) return now
    last = now
  }
  throw new Error('the stream never stalled')
}

async function proxyTo(upstreamUrl: string) {
  const sink = new CollectingSink()
  const proxy = await startProxy({ targets: { baseline: upstreamUrl }, sink })
  cleanups.push(() => proxy.close())
  return { proxy, sink }
}

describe('streaming', () => {
  it('passes a 1 GiB request body through with bounded memory', { timeout: 180_000 }, async () => {
    const upstream = await startUpstream('sink', (req, res) => {
      void countBody(req).then((bytes) => res.end(String(bytes)))
    })
    cleanups.push(() => upstream.close())
    const { proxy, sink } = await proxyTo(upstream.url)
    const rss = watchRss()
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(`${proxy.url}/upload`, {
        method: 'POST',
        agent: false,
        headers: { 'content-length': GiB },
      })
      req.on('response', resolve)
      req.on('error', reject)
      pipeline(generated(GiB), req).catch(reject)
    })
    let answer = ''
    for await (const chunk of response) answer += chunk
    const growth = rss.stop()
    expect(Number(answer)).toBe(GiB)
    expect(growth).toBeLessThan(256 * MiB)
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ route: 'POST /upload', status: 200 })
  })

  it('passes a 1 GiB response body through with bounded memory', { timeout: 180_000 }, async () => {
    const upstream = await startUpstream('source', (req, res) => {
      req.resume()
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      void pipeline(generated(GiB), res).catch(() => {})
    })
    cleanups.push(() => upstream.close())
    const { proxy, sink } = await proxyTo(upstream.url)
    const rss = watchRss()
    const received = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${proxy.url}/download`, { agent: false })
      req.on('response', (res) => countBody(res).then(resolve, reject))
      req.on('error', reject)
      req.end()
    })
    const growth = rss.stop()
    expect(received).toBe(GiB)
    expect(growth).toBeLessThan(256 * MiB)
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ route: 'GET /download', status: 200, bytes: GiB })
  })

  it('holds the upstream back while the client does not read (response backpressure)', {
    timeout: 60_000,
  }, async () => {
    const size = 256 * MiB
    let produced = 0
    const upstream = await startUpstream('source', (req, res) => {
      req.resume()
      res.writeHead(200, { 'content-length': size })
      void pipeline(
        generated(size, (bytes) => {
          produced = bytes
        }),
        res,
      ).catch(() => {})
    })
    cleanups.push(() => upstream.close())
    const { proxy } = await proxyTo(upstream.url)
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(`${proxy.url}/download`, { agent: false })
      req.on('response', resolve)
      req.on('error', reject)
      req.end()
    })
    let received = 0
    let pausedOnce = false
    response.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received >= MiB && !pausedOnce) {
        pausedOnce = true
        response.pause()
      }
    })
    // The client reads 1 MiB and stops; the upstream must stop soon after (socket buffers only).
    const stalledAt = await stalled(() => produced)
    expect(stalledAt).toBeLessThan(64 * MiB)
    const rest = new Promise<void>((resolve) => response.on('end', resolve))
    response.resume()
    await rest
    expect(received).toBe(size)
  })

  it('holds the client back while the upstream does not read (request backpressure)', { timeout: 60_000 }, async () => {
    const size = 256 * MiB
    let consumed = 0
    let release: () => void = noop
    const upstream = await startUpstream('slow-reader', (req, res) => {
      req.on('data', (chunk: Buffer) => {
        consumed += chunk.length
        if (consumed >= MiB && release === noop) {
          req.pause()
          release = () => req.resume()
        }
      })
      req.on('end', () => res.end(String(consumed)))
    })
    cleanups.push(() => upstream.close())
    const { proxy } = await proxyTo(upstream.url)
    let produced = 0
    const answer = new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${proxy.url}/upload`, {
        method: 'POST',
        agent: false,
        headers: { 'content-length': size },
      })
      req.on('response', (res) => {
        let text = ''
        res.on('data', (chunk) => {
          text += chunk
        })
        res.on('end', () => resolve(text))
      })
      req.on('error', reject)
      pipeline(
        generated(size, (bytes) => {
          produced = bytes
        }),
        req,
      ).catch(reject)
    })
    const stalledAt = await stalled(() => produced)
    expect(stalledAt).toBeLessThan(64 * MiB)
    release()
    expect(Number(await answer)).toBe(size)
  })
})

function noop(): void {}
