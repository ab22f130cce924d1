import { describe, expect, it } from 'vitest'
import {
  type DiffObservation,
  type DiffResponse,
  diffBodyOf,
  diffResponses,
  type ResponseDiffConfig,
} from './response-diff.ts'
import { type Random, seededRandom } from './seeded-random.ts'

const NOW = Date.UTC(2025, 2, 4, 10, 0, 0)
const ENDPOINTS = ['GET /products/:id', 'GET /cart', 'POST /orders'] as const
type Endpoint = (typeof ENDPOINTS)[number]

/** What a change to the candidate does to one response (the baseline uses none). */
type Variant = (endpoint: Endpoint, body: Record<string, unknown>, response: DiffResponse, rnd: Random) => void

const hex = (rnd: Random, n: number) => Array.from({ length: n }, () => '0123456789abcdef'[rnd.int(16)]).join('')
const uuid = (rnd: Random) => `${hex(rnd, 8)}-${hex(rnd, 4)}-4${hex(rnd, 3)}-a${hex(rnd, 3)}-${hex(rnd, 12)}`
const ulid = (rnd: Random) => Array.from({ length: 26 }, () => '0123456789ABCDEFGHJKMNPQRSTVWXYZ'[rnd.int(32)]).join('')
function shuffle<T>(items: T[], rnd: Random): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = rnd.int(i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/**
 * The demo shop's answer to request `i`: deterministic data, plus what makes two identical
 * servers disagree — timestamps, random ids, arrays in varying order, a cache header that
 * flips — so an A/A comparison is noisy in realistic ways.
 */
function respond(endpoint: Endpoint, i: number, rnd: Random, variant?: Variant): DiffResponse {
  const at = new Date(NOW + i * 1000 + rnd.int(900)).toISOString()
  let body: Record<string, unknown>
  if (endpoint === 'GET /products/:id') {
    body = {
      id: i % 7,
      name: `Mug ${i % 7}`,
      price: 10 + (i % 7),
      tags: shuffle(['ceramic', 'blue', `size-${i % 3}`], rnd),
      variants: shuffle(
        [
          { sku: `M${i % 7}-S`, stock: i % 4 },
          { sku: `M${i % 7}-L`, stock: (i + 1) % 4 },
        ],
        rnd,
      ),
      requestId: uuid(rnd),
      etag: hex(rnd, 32),
      generatedAt: at,
      // A field two identical servers disagree on half of the time (a recommendation engine).
      recommended: rnd.next() < 0.5 ? 'tea' : 'coffee',
    }
  } else if (endpoint === 'GET /cart') {
    body = {
      items: [{ sku: 'M1-S', qty: 1 + (i % 2) }],
      total: 11 * (1 + (i % 2)),
      updatedAt: at,
      session: `sess_${hex(rnd, 20)}`,
    }
  } else {
    body = {
      orderId: ulid(rnd),
      status: 'created',
      createdAtMs: NOW + i * 1000 + rnd.int(900),
      trace: { span: hex(rnd, 16) },
    }
  }
  const response: DiffResponse = {
    status: endpoint === 'POST /orders' ? 201 : 200,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': rnd.next() < 0.1 ? 'no-store' : 'max-age=60',
      date: new Date(NOW + i * 1000).toUTCString(),
      'x-request-id': uuid(rnd),
    },
    body: { json: body },
  }
  variant?.(endpoint, body, response, rnd)
  return response
}

function replay(seed: number, requestsPerEndpoint: number, candidate?: Variant): DiffObservation[] {
  const rnd = seededRandom(seed)
  const out: DiffObservation[] = []
  for (let i = 0; i < requestsPerEndpoint; i++) {
    for (const endpoint of ENDPOINTS) {
      out.push({
        endpoint,
        requestId: `x-${i}`,
        primary: respond(endpoint, i, rnd),
        secondary: respond(endpoint, i, rnd),
        candidate: respond(endpoint, i, rnd, candidate),
      })
    }
  }
  return out
}

const config: ResponseDiffConfig = {
  unordered: ['variants'],
  headers: ['content-type', 'cache-control', 'date'],
  normalise: { epochWindowMs: 24 * 3600_000 },
}
const runtime = { nowMs: NOW }

describe('three-way response diff', () => {
  it('reports nothing for an A/A replay with timestamps, random ids and arrays in varying order', () => {
    const result = diffResponses(replay(1, 60), config, runtime)
    expect(result.findings).toEqual([])
    expect(result.gate.status).toBe('pass')
    expect(result.requests).toBe(180)
    expect(result.endpoints.every((e) => e.judged)).toBe(true)
    expect(result.fieldsTested).toBeGreaterThan(20)
  })

  it('reports a candidate that changes one field on one endpoint, with exactly that path', () => {
    const result = diffResponses(
      replay(2, 60, (endpoint, body) => {
        if (endpoint === 'GET /products/:id') body['price'] = Math.round((body['price'] as number) * 110) / 100
      }),
      config,
      runtime,
    )
    expect(result.findings.map((f) => [f.endpoint, f.kind, f.path])).toEqual([['GET /products/:id', 'body', 'price']])
    const [finding] = result.findings
    expect(finding).toMatchObject({ requests: 60, noiseDiffs: 0, candidateDiffs: 60, noiseRate: 0, candidateRate: 1 })
    expect(finding!.pValue).toBeLessThan(1e-15)
    expect(finding!.example).toEqual({ requestId: 'x-0', primary: '10', candidate: '11' })
    expect(result.gate.status).toBe('fail')
    expect(result.gate.reasons[0]).toMatch(
      /^GET \/products\/:id price: candidate differs in 60\/60 \(100%\), noise 0\/60/,
    )
  })

  it('does not report noise fields that differ as often between the two baselines', () => {
    // `recommended` and `cache-control` differ in about half / a fifth of all pairs, candidate included.
    const observations = replay(3, 200)
    // A two-way diff (primary against candidate) would see these fields change all the time.
    const products = observations.filter((o) => o.endpoint === 'GET /products/:id')
    const field = (r: DiffResponse) => (r.body as { json: Record<string, unknown> }).json['recommended']
    const twoWay = products.filter((o) => field(o.primary) !== field(o.candidate)).length / products.length
    const cacheFlips = products.filter(
      (o) => o.primary.headers!['cache-control'] !== o.candidate.headers!['cache-control'],
    )
    expect(twoWay).toBeGreaterThan(0.4)
    expect(cacheFlips.length).toBeGreaterThan(20)
    const result = diffResponses(observations, config, runtime)
    expect(result.findings).toEqual([])
    expect(result.gate.status).toBe('pass')
  })

  it('still reports a noisy field when the candidate makes it differ more often', () => {
    const result = diffResponses(
      replay(4, 80, (endpoint, body) => {
        if (endpoint === 'GET /products/:id') body['recommended'] = 'nothing'
      }),
      config,
      runtime,
    )
    expect(result.findings.map((f) => f.path)).toEqual(['recommended'])
    expect(result.findings[0]!.noiseRate).toBeGreaterThan(0.3)
    expect(result.findings[0]!.candidateRate).toBe(1)
  })

  it('reports status and header changes', () => {
    const result = diffResponses(
      replay(5, 40, (endpoint, _body, response) => {
        if (endpoint === 'POST /orders') response.status = 200
        if (endpoint === 'GET /cart') response.headers = { ...response.headers, 'content-type': 'text/plain' }
      }),
      config,
      runtime,
    )
    expect(result.findings.map((f) => `${f.endpoint} ${f.kind} ${f.path}`).sort()).toEqual([
      'GET /cart header content-type',
      'POST /orders status status',
    ])
  })

  it('shows a body that stops being JSON once, as its type', () => {
    const observations = replay(6, 30).map((o) =>
      o.endpoint === 'GET /cart' ? { ...o, candidate: { ...o.candidate, body: { text: '<html>error</html>' } } } : o,
    )
    const paths = diffResponses(observations, config, runtime).findings.map((f) => f.path)
    expect(paths).toContain('$type')
    expect(paths).toContain('$text')
    expect(paths).toContain('total')
  })

  it('keeps the A/A false alarm rate at or below alpha over many runs', () => {
    let failed = 0
    for (let seed = 100; seed < 160; seed++) {
      if (diffResponses(replay(seed, 30), { ...config, alpha: 0.05 }, runtime).gate.status === 'fail') failed++
    }
    // With BH at 5% the chance of any false finding per run is at most 5%: 3 expected at most.
    expect(failed).toBeLessThanOrEqual(6)
  })

  it('is also available with the unpaired Fisher test', () => {
    const result = diffResponses(
      replay(7, 40, (endpoint, body) => {
        if (endpoint === 'GET /cart') body['total'] = -1
      }),
      { ...config, test: 'fisher' },
      runtime,
    )
    expect(result.findings.map((f) => `${f.endpoint} ${f.path}`)).toEqual(['GET /cart total'])
  })

  it('does not judge endpoints with too few requests', () => {
    const result = diffResponses(
      replay(8, 5, (_e, body) => {
        body['status'] = 'broken'
      }),
      config,
      runtime,
    )
    expect(result.findings).toEqual([])
    expect(result.endpoints.every((e) => !e.judged)).toBe(true)
    expect(result.gate).toMatchObject({
      status: 'warn',
      reasons: [expect.stringContaining('no endpoint had the 10 requests')],
    })
    expect(diffResponses([], config).gate.status).toBe('warn')
  })

  it('ignores configured paths and masks personal values in examples', () => {
    const observations = replay(9, 30, (endpoint, body) => {
      if (endpoint === 'GET /cart') {
        body['owner'] = 'carol@example.org'
        body['total'] = 0
      }
    }).map((o) =>
      o.endpoint === 'GET /cart' ? { ...o, primary: withOwner(o.primary), secondary: withOwner(o.secondary) } : o,
    )
    const result = diffResponses(observations, { ...config, ignore: ['total'] }, runtime)
    expect(result.findings.map((f) => f.path)).toEqual(['owner'])
    expect(result.findings[0]!.example).toMatchObject({ primary: '"<email>"', candidate: '"<email>"' })
    // The normalised values differ ('alice' vs 'carol'): masked in the example, never printed.
    expect(JSON.stringify(result)).not.toContain('@example.org')
  })
})

function withOwner(response: DiffResponse): DiffResponse {
  const json = (response.body as { json: Record<string, unknown> }).json
  return { ...response, body: { json: { ...json, owner: 'alice@example.org' } } }
}

describe('diffBodyOf', () => {
  it('parses JSON and keeps other text', () => {
    expect(diffBodyOf('application/json', '{"a":1}')).toEqual({ json: { a: 1 } })
    expect(diffBodyOf(undefined, ' [1,2]')).toEqual({ json: [1, 2] })
    expect(diffBodyOf('application/json', '{"a":')).toEqual({ text: '{"a":' })
    expect(diffBodyOf('text/html', '<p>hi</p>')).toEqual({ text: '<p>hi</p>' })
    expect(diffBodyOf('text/plain', '')).toBeUndefined()
  })
})
