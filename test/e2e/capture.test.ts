/**
 * Captures as a user makes and uses them: a real browser (Chromium) shops in the demo while
 * Playwright records a HAR with a planted credential and e-mail address; `rehearse capture import`
 * redacts it, `rehearse capture inspect` summarises it, `rehearse replay` sends it to two v1
 * instances and a candidate (v1: no difference; v2: exactly `recommendations`), and `rehearse run`
 * with `replay:` and `diff:` sections fails v2 on the diff gate — without any planted value in the
 * capture, the store or a log. Malformed HAR, GoReplay and capture files exit 2 with their code
 * and line, and leave nothing behind.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ShopProcess, startShop } from '../../src/traffic/replay/shop-fixture.ts'
import { NODE, ROOT, runCli } from './run-cli.ts'

const SHOP = join(ROOT, 'examples/shop')
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const PLANTED = ['PLANTEDE2ETOKEN4242', 'planted.e2e.shopper@example.com', 'PLANTEDSTAGINGKEY77']

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rehearse-capture-e2e-'))
})
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** Every file under `root`, read as text. */
function filesUnder(root: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = []
  for (const name of readdirSync(root)) {
    const path = join(root, name)
    if (statSync(path).isDirectory()) out.push(...filesUnder(path))
    else out.push({ path, text: readFileSync(path).toString('latin1') })
  }
  return out
}

/** A shopper in Chromium: product pages, carts, checkouts, with a bearer token and an e-mail. */
async function browse(base: string, harPath: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  try {
    const context = await browser.newContext({ recordHar: { path: harPath, content: 'embed' } })
    const page = await context.newPage()
    await page.goto(`${base}/products?page=1`)
    await page.evaluate(
      async ([token, email]) => {
        const json = { 'content-type': 'application/json', authorization: `Bearer ${token}` }
        for (const p of [2, 3]) await fetch(`/products?page=${p}`)
        for (let round = 0; round < 2; round++) for (let id = 1; id <= 12; id++) await fetch(`/products/${id}`)
        for (let i = 1; i <= 6; i++) {
          const cart = (await fetch('/cart', {
            method: 'POST',
            headers: json,
            body: JSON.stringify({ sku: i, qty: 1, email }),
          }).then((r) => r.json())) as { cartId: string }
          await fetch(`/cart/${cart.cartId}`)
          await fetch('/checkout', { method: 'POST', headers: json, body: JSON.stringify({ sku: i + 10, qty: 1 }) })
        }
      },
      [PLANTED[0]!, PLANTED[1]!] as const,
    )
    await context.close()
  } finally {
    await browser.close()
  }
}

describe.skipIf(!existsSync(CHROMIUM) && !process.env['CI'])('a browser session, captured and replayed', () => {
  let shop: Awaited<ReturnType<typeof startShop>>
  let capture: string

  beforeAll(async () => {
    shop = await startShop(['v1', 'v1', 'v1', 'v1', 'v2'])
    const har = join(dir, 'session.har')
    await browse(shop.apis[0]!.url, har)
    expect(readFileSync(har, 'utf8')).toContain(PLANTED[0])
    capture = join(dir, 'session.jsonl')
  }, 180_000)
  afterAll(async () => {
    await shop?.stop()
  }, 30_000)

  it('imports the HAR redacted and inspects it', async () => {
    const imported = await runCli(['capture', 'import', join(dir, 'session.har'), '-o', capture, '--json'])
    expect(imported.code, imported.stderr).toBe(0)
    expect(JSON.parse(imported.stdout)).toMatchObject({ format: 'har', exchanges: 45, withoutResponse: 0 })
    const text = readFileSync(capture, 'utf8')
    for (const value of PLANTED) expect(text).not.toContain(value)
    expect(text).toContain('Bearer redacted:authorization:')

    const inspected = await runCli(['capture', 'inspect', capture])
    expect(inspected.code, inspected.stderr).toBe(0)
    expect(inspected.stdout).toContain('45 exchanges, 1 sessions')
    expect(inspected.stdout).toMatch(/GET \/products\/:id\s+24/)
    expect(inspected.stdout).toMatch(/redactions: .*authorization \d+/)
  })

  it('replays it at two v1 and a candidate: nothing for v1, exactly `recommendations` for v2', async () => {
    const [, primary, secondary, same, v2] = shop.apis as ShopProcess[]
    const replay = (candidate: ShopProcess) =>
      runCli([
        'replay',
        capture,
        '--target',
        `baseline=${primary!.url}`,
        '--target',
        `secondary=${secondary!.url}`,
        '--target',
        `candidate=${candidate.url}`,
        '--rate',
        '100/s',
        '--min-requests',
        '6',
        '--json',
      ])
    const aa = await replay(same!)
    expect(aa.code, aa.stderr).toBe(0)
    const aaResult = JSON.parse(aa.stdout) as {
      replay: { replayed: number; dropped: number; sessions: number; targets: Array<{ errors: number }> }
      diff: { findings: unknown[]; gate: { status: string } }
    }
    expect(aaResult.replay).toMatchObject({ replayed: 45, dropped: 0, sessions: 1 })
    expect(aaResult.diff.findings).toEqual([])
    expect(aaResult.diff.gate.status).toBe('pass')

    const ab = await replay(v2!)
    expect(ab.code, ab.stderr).toBe(1)
    const abResult = JSON.parse(ab.stdout) as {
      diff: { findings: Array<{ endpoint: string; kind: string; path: string }>; gate: { status: string } }
    }
    expect(abResult.diff.findings.map((f) => [f.endpoint, f.kind, f.path])).toEqual([
      ['GET /products/:id', 'body', 'recommendations[]'],
    ])
  }, 120_000)

  it('fails v2 on the diff gate in `rehearse run`, with nothing planted in the store or the logs', async () => {
    const project = mkdtempSync(join(tmpdir(), 'rehearse-replay-run-'))
    try {
      writeFileSync(join(project, 'capture.jsonl'), readFileSync(capture))
      writeFileSync(
        join(project, 'rehearse.yaml'),
        `name: shop-replay
services:
  payments:
    command: ${NODE} payments/payments.js
    cwd: ${SHOP}
    health: { http: /healthz }
  api:
    command: ${NODE} api.js
    env: { PAYMENTS_URL: "\${services.payments.url}" }
    health: { http: /healthz, timeout: 20s }
    dependsOn: [payments]
versions:
  baseline: { services: { api: { cwd: ${SHOP}/v1 } } }
  candidate: { services: { api: { cwd: ${SHOP}/v2 } } }
smoke:
  - GET /healthz -> 200
replay:
  file: capture.jsonl
  rate: 50/s
  auth: { headers: { x-staging-key: "\${secret.STAGING_API_KEY}" } }
diff:
  minRequests: 6
gates: [smoke, diff]
`,
      )
      const r = await runCli(['run', '-C', project], { env: { STAGING_API_KEY: PLANTED[2] }, timeoutMs: 150_000 })
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1)
      // A failed gate is a rollback; the diff gate is not critical, but it failed.
      expect(r.stdout).toContain('ROLLBACK')
      expect(`${r.stdout}\n${r.stderr}`).toMatch(/fail\s+diff/i)
      expect(r.stdout + r.stderr).toContain('GET /products/:id recommendations[]')
      const events = JSON.parse((await runCli(['history', '--json', '-C', project])).stdout) as Array<{
        verdict: string
      }>
      expect(events[0]).toMatchObject({ verdict: 'rollback' })
      const files = filesUnder(join(project, '.rehearse'))
      expect(files.some((f) => f.path.endsWith('.db'))).toBe(true)
      for (const file of files) for (const value of PLANTED) expect(file.text, file.path).not.toContain(value)
      for (const value of PLANTED) expect(r.stdout + r.stderr).not.toContain(value)
    } finally {
      await runCli(['down', '-C', project])
      rmSync(project, { recursive: true, force: true })
    }
  }, 200_000)
})

describe('malformed input', () => {
  it('a HAR that is not JSON: exit 2 with the line, and no output file', async () => {
    const har = join(dir, 'broken.har')
    writeFileSync(har, '{\n  "log": {\n    "entries": [ { "request": }\n  ]\n}\n')
    const out = join(dir, 'broken.jsonl')
    const r = await runCli(['capture', 'import', har, '-o', out])
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(r.stderr).toContain('error[CAPTURE_HAR_INVALID]')
    // Shown relative to where the command runs: the file's name and the line are what matter.
    expect(r.stderr).toMatch(/broken\.har:3:\d+/)
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(dir).filter((f) => f.includes('broken.jsonl'))).toEqual([])
  })

  it('a GoReplay file with a broken payload: exit 2 with its line', async () => {
    const gor = join(dir, 'broken.gor')
    writeFileSync(
      gor,
      '1 a1 1700000000000000000 0\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n\n🐵🙈🙉\n1 a2 not-a-timestamp\nGET /x HTTP/1.1\r\n\r\n\n🐵🙈🙉\n',
    )
    const out = join(dir, 'gor.jsonl')
    const r = await runCli(['capture', 'import', gor, '-o', out, '--format', 'gor'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('error[CAPTURE_GOR_INVALID]')
    expect(r.stderr).toMatch(/broken\.gor:7/)
    expect(existsSync(out)).toBe(false)
  })

  it('a capture with a bad line: inspect, import and replay exit 2 with the line, and replay sends nothing', async () => {
    const path = join(dir, 'bad.jsonl')
    const good = JSON.stringify({
      v: 1,
      id: '1',
      at: '2025-03-04T10:00:00.000Z',
      request: { method: 'GET', url: '/x', headers: {} },
      timing: { startedAtMs: 1741082400000 },
    })
    writeFileSync(path, `${good}\n${good}\n{"v":1,"id":"3"\n`)
    for (const args of [
      ['capture', 'inspect', path],
      ['capture', 'import', path, '-o', join(dir, 'copy.jsonl')],
      ['replay', path, '--target', 'http://127.0.0.1:9'],
    ]) {
      const r = await runCli(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toContain('error[CAPTURE_MALFORMED]')
      expect(r.stderr).toMatch(/bad\.jsonl:3/)
    }
    expect(existsSync(join(dir, 'copy.jsonl'))).toBe(false)
  })

  it('replay flags that cannot work: exit 2 with a code', async () => {
    const path = join(dir, 'one.jsonl')
    writeFileSync(
      path,
      `${JSON.stringify({ v: 1, id: '1', at: '2025-03-04T10:00:00.000Z', request: { method: 'GET', url: '/', headers: {} }, timing: { startedAtMs: 1 } })}\n`,
    )
    const both = await runCli(['replay', path, '--target', 'http://127.0.0.1:9', '--speed', '2x', '--rate', '5/s'])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('error[REPLAY_INVALID_OPTIONS]')
    const key = await runCli(['replay', path, '--target', 'http://127.0.0.1:9', '--jwt-key-env', 'NO_SUCH_VARIABLE_X'])
    expect(key.code).toBe(2)
    expect(key.stderr).toContain('error[REPLAY_AUTH_INVALID]')
  })
})
