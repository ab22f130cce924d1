import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CapturedExchange } from './capture.ts'
import { readCapture } from './capture-reader.ts'
import { createCaptureRecorder } from './capture-recorder.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-recorder-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function exchange(i: number, body: CapturedExchange['request']['body']): CapturedExchange {
  return {
    v: 1,
    id: `r${i}`,
    at: new Date(Date.UTC(2025, 2, 4) + i).toISOString(),
    request: {
      method: 'POST',
      url: `/signup?ref=${i}`,
      headers: { 'content-type': 'application/json', authorization: `Bearer sk_live_PLANTED${i}x` },
      ...(body ? { body } : {}),
    },
    response: { status: 201, headers: { 'set-cookie': `sid=PLANTEDSID${i}; Path=/` } },
    timing: { startedAtMs: Date.UTC(2025, 2, 4) + i, durationMs: 2 },
  }
}

describe('capture recorder', () => {
  it('records sampled, redacted exchanges and moves the file into place on close', async () => {
    const path = join(dir, 'live.jsonl.gz')
    const recorder = await createCaptureRecorder(path, {
      sampling: { rate: 0.5, stickyHeader: 'x-user' },
      maxBodyBytes: 64,
    })
    let offered = 0
    for (let i = 0; i < 400; i++) {
      if (!recorder.sample({ 'x-user': `u${i % 40}` })) continue
      offered++
      const body = recorder.encodeBody(
        Buffer.from(JSON.stringify({ email: `user${i}.planted@example.com`, pad: 'x'.repeat(100) })),
        'application/json',
      )
      expect(body.truncated).toBe(true)
      expect(recorder.record(exchange(i, body))).toBe(true)
    }
    expect(await readdir(dir)).not.toContain('live.jsonl.gz')
    const stats = await recorder.close()
    expect(stats).toMatchObject({ recorded: offered, sampledOut: 400 - offered, dropped: 0 })
    expect(offered % 10).toBe(0) // sticky: whole users (ten requests each) in or out
    expect(stats.redactions).toMatchObject({ authorization: offered, 'set-cookie': offered })
    const ids: string[] = []
    for await (const { exchange: x } of readCapture(path)) ids.push(x.id)
    expect(ids).toHaveLength(offered)
    const raw = await readCapture(path)
    for await (const { exchange: x } of raw) {
      const text = JSON.stringify(x)
      expect(text).not.toMatch(/PLANTED|planted@/)
    }
  })

  it('drops and counts instead of buffering when the file is behind', async () => {
    const path = join(dir, 'slow.jsonl')
    const recorder = await createCaptureRecorder(path, { maxBufferedBytes: 1 })
    const results = Array.from({ length: 50 }, (_, i) => recorder.record(exchange(i, undefined)))
    expect(results[0]).toBe(true)
    const stats = await recorder.close()
    expect(stats.dropped).toBeGreaterThan(0)
    expect(stats.recorded + stats.dropped).toBe(50)
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(stats.recorded)
  })

  it('abort leaves nothing behind', async () => {
    const recorder = await createCaptureRecorder(join(dir, 'x.jsonl'))
    recorder.record(exchange(1, undefined))
    await recorder.abort()
    expect(recorder.record(exchange(2, undefined))).toBe(false)
    expect(await readdir(dir)).toEqual([])
  })
})
