import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { CapturedExchange } from './capture.ts'
import { decodeBody, encodeBody, serializeExchange } from './capture-format.ts'
import { createSampler } from './capture-sampler.ts'
import { createRedactor, TOKEN_PATTERN } from './redactor.ts'

const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
const JWT_PAYLOAD = b64u({ sub: 'user-42', email: 'alice.planted@example.com', role: 'customer' })
const JWT = `${b64u({ alg: 'HS256', typ: 'JWT' })}.${JWT_PAYLOAD}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`

/** Every value planted below that must not survive redaction, in any of the forms it was planted. */
const PLANTED = [
  'alice.planted@example.com',
  'alice.planted%40example.com',
  'carol.planted@example.net',
  'dave.planted@example.com',
  'erin.planted@example.org',
  'frank.planted',
  'PLANTEDQUERYTOKEN1',
  'PLANTEDCOOKIE1',
  'PLANTEDCOOKIE2',
  'PLANTEDAPIKEY1',
  'PLANTEDSESSIONTOKEN',
  'PLANTEDOAUTHCODE',
  'PLANTEDLOCATIONSESSION',
  'PLANTEDPASSWORD1',
  'PLANTEDFORMPW',
  'PLANTEDTAXID',
  'PLANTEDACCESSTOKEN',
  'PLANTEDBINARY',
  'dXNlcjpQTEFOVEVE',
  JWT,
  JWT_PAYLOAD,
  '555-2671',
  '7946 0958',
  '555-0199',
  '4111 1111 1111 1111',
  '5555555555554444',
  'GB82 WEST 1234 5698 7654 32',
  'DE89370400440532013000',
]

function plantedExchanges(): CapturedExchange[] {
  const requestJson = {
    user: {
      email: 'alice.planted@example.com',
      password: 'PLANTEDPASSWORD1',
      phone: '+1 (415) 555-2671',
      profile: { taxId: 'PLANTEDTAXID', plan: 'gold' },
    },
    payment: { card: '4111 1111 1111 1111', cardNumber: 5555555555554444, iban: 'GB82 WEST 1234 5698 7654 32' },
    notes: 'call me at 415-555-0199 or mail erin.planted@example.org',
    auth: 'Basic dXNlcjpQTEFOVEVE',
    items: [{ sku: 'A-1', price: 12.5, createdAt: '2025-03-04T10:00:00Z', id: '550e8400-e29b-41d4-a716-446655440000' }],
  }
  // A big integer written exactly: redaction must not round it.
  const requestText = JSON.stringify(requestJson).replace('"items"', '"bigId":123456789012345678901,"items"')
  const responseJson = { welcome: 'alice.planted@example.com', accessToken: 'PLANTEDACCESSTOKEN', at: 1741083330123 }
  const at = '2025-03-04T10:15:30.000Z'
  return [
    {
      v: 1,
      id: 'x1',
      at,
      request: {
        method: 'POST',
        url: '/users/alice.planted%40example.com/orders?token=PLANTEDQUERYTOKEN1&page=2&contact=%2B44%2020%207946%200958&email=carol.planted@example.net',
        headers: {
          host: 'shop.internal',
          authorization: `Bearer ${JWT}`,
          cookie: 'sid=PLANTEDCOOKIE1; theme=dark',
          'x-api-key': 'PLANTEDAPIKEY1',
          'x-shop-session-token': 'PLANTEDSESSIONTOKEN',
          referer: 'http://shop.internal/checkout?code=PLANTEDOAUTHCODE&step=2',
          'x-user-email': 'dave.planted@example.com',
          'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0',
          'content-type': 'application/json',
          'content-length': String(requestText.length),
        },
        body: encodeBody(Buffer.from(requestText), { contentType: 'application/json' }),
      },
      response: {
        status: 201,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-encoding': 'gzip',
          'set-cookie': ['sid=PLANTEDCOOKIE2; Path=/; HttpOnly', 'theme=dark; Path=/'],
          location: '/account?session=PLANTEDLOCATIONSESSION&tab=orders',
        },
        body: encodeBody(gzipSync(JSON.stringify(responseJson))),
      },
      timing: { startedAtMs: Date.parse(at), durationMs: 12 },
    },
    {
      v: 1,
      id: 'x2',
      at,
      request: {
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: encodeBody(Buffer.from('email=frank.planted%40example.com&password=PLANTEDFORMPW&qty=2')),
      },
      response: {
        status: 200,
        headers: { 'content-type': 'text/plain' },
        body: encodeBody(Buffer.from('Paid from DE89370400440532013000 by alice.planted@example.com.')),
      },
      timing: { startedAtMs: Date.parse(at) + 5 },
    },
    {
      v: 1,
      id: 'x3',
      at,
      request: { method: 'GET', url: '/avatar.png', headers: {} },
      response: {
        status: 200,
        headers: { 'content-type': 'image/png' },
        body: encodeBody(
          Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0xff]), Buffer.from('PLANTEDBINARY')]),
          {
            contentType: 'image/png',
          },
        ),
      },
      timing: { startedAtMs: Date.parse(at) + 9 },
    },
  ]
}

describe('redactor', () => {
  const redactAll = (config = {}) => {
    const redactor = createRedactor({ jsonPaths: ['user.profile.taxId'], ...config })
    const out = plantedExchanges().map((x) => redactor.redactExchange(x))
    return { redactor, out, bytes: out.map(serializeExchange).join('') }
  }

  it('removes every planted secret and personal value from the capture bytes', () => {
    const { bytes } = redactAll()
    for (const value of PLANTED) expect(bytes, value).not.toContain(value)
  })

  it('keeps what is not secret, exactly', () => {
    const { out } = redactAll()
    const [x1, x2] = out
    const body = JSON.parse(decodeBody(x1!.request.body!).toString())
    expect(body.items).toEqual([
      { sku: 'A-1', price: 12.5, createdAt: '2025-03-04T10:00:00Z', id: '550e8400-e29b-41d4-a716-446655440000' },
    ])
    expect(body.user.profile.plan).toBe('gold')
    expect(decodeBody(x1!.request.body!).toString()).toContain('"bigId":123456789012345678901')
    expect(x1!.request.url).toMatch(
      /^\/users\/redacted:email:[0-9a-f]{16}\/orders\?token=redacted:query:[0-9a-f]{16}&page=2&/,
    )
    expect(x1!.request.headers['cookie']).toMatch(
      /^sid=redacted:cookie:[0-9a-f]{16}; theme=redacted:cookie:[0-9a-f]{16}$/,
    )
    expect(x1!.request.headers['authorization']).toMatch(/^Bearer redacted:jwt:[0-9a-f]{16}$/)
    expect(x1!.request.headers['user-agent']).toBe('Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0')
    expect(x1!.request.headers['referer']).toMatch(
      /^http:\/\/shop\.internal\/checkout\?code=redacted:query:[0-9a-f]{16}&step=2$/,
    )
    expect(x1!.request.headers['content-length']).toBeUndefined()
    expect(x1!.response!.headers['set-cookie']).toEqual([
      expect.stringMatching(/^sid=redacted:set-cookie:[0-9a-f]{16}; Path=\/; HttpOnly$/),
      expect.stringMatching(/^theme=redacted:set-cookie:[0-9a-f]{16}; Path=\/$/),
    ])
    // The gzip body was inflated to be scanned; its coding header went with it.
    expect(x1!.response!.headers['content-encoding']).toBeUndefined()
    expect(JSON.parse(x1!.response!.body!.data)).toMatchObject({ at: 1741083330123 })
    expect(x2!.request.body!.data).toMatch(
      /^email=redacted:email:[0-9a-f]{16}&password=redacted:form-field:[0-9a-f]{16}&qty=2$/,
    )
  })

  it('gives the same value the same token everywhere in a capture, and never a bare hash', () => {
    const { out, bytes } = redactAll()
    const tokenOf = (text: string) => /redacted:email:([0-9a-f]{16})/.exec(text)?.[1]
    const inUrl = tokenOf(out[0]!.request.url)
    const inBody = tokenOf(JSON.parse(out[0]!.request.body!.data).user.email)
    const inResponse = tokenOf(out[0]!.response!.body!.data)
    const inOtherExchange = tokenOf(out[1]!.response!.body!.data)
    expect(inUrl).toBeDefined()
    expect(new Set([inUrl, inBody, inResponse, inOtherExchange])).toEqual(new Set([inUrl]))
    const bare = createHash('sha256').update('alice.planted@example.com').digest('hex')
    expect(bytes).not.toContain(bare.slice(0, 16))
  })

  it('uses a per-capture key unless one is configured', () => {
    const token = (config: { key?: string }) => createRedactor(config).redactText('mail alice.planted@example.com')
    expect(token({})).not.toBe(token({}))
    expect(token({ key: 'a-sixteen-char-key!' })).toBe(token({ key: 'a-sixteen-char-key!' }))
    expect(token({ key: 'a-sixteen-char-key!' })).not.toBe(token({ key: 'another-key-of-16+' }))
  })

  it('counts redactions per rule', () => {
    const { redactor } = redactAll()
    expect(redactor.summary()).toMatchObject({
      jwt: 1,
      cookie: 2,
      'set-cookie': 2,
      header: 2,
      query: 3,
      'form-field': 1,
      'json-path': 3,
      iban: 2,
      card: 2,
      'binary-body': 1,
      bearer: 1,
    })
    expect(redactor.summary().email).toBeGreaterThanOrEqual(6)
    expect(redactor.summary().phone).toBeGreaterThanOrEqual(3)
  })

  it('carries chosen JWT claims, themselves redacted, for re-signing on replay', () => {
    const redactor = createRedactor({ jwtClaims: ['sub', 'role', 'email'] })
    const header = redactor.redactExchange(plantedExchanges()[0]!).request.headers['authorization'] as string
    const m = /^Bearer redacted:jwt:[0-9a-f]{16}:([A-Za-z0-9_-]+)$/.exec(header)
    expect(m).not.toBeNull()
    const claims = JSON.parse(Buffer.from(m![1]!, 'base64url').toString())
    expect(claims).toMatchObject({ sub: 'user-42', role: 'customer', email: expect.stringMatching(/^redacted:email:/) })
  })

  it('drops binary bodies by default and keeps them when told', () => {
    const png = plantedExchanges()[2]!
    expect(createRedactor().redactExchange(png).response!.body).toEqual({
      encoding: 'base64',
      data: '',
      size: 19,
      omitted: 'binary',
    })
    expect(createRedactor({ binaryBodies: 'keep' }).redactExchange(png).response!.body).toEqual(png.response!.body)
  })

  it('redacts configured keys in JSON cut short, and drops a partial trailing value', () => {
    const text = '{"name":"x","password":"PLANTEDCUT1","note":"mail bob.cut@exam'
    const exchange = plantedExchanges()[1]!
    exchange.request.headers = { 'content-type': 'application/json' }
    exchange.request.body = { encoding: 'utf8', data: text, size: 4096, truncated: true }
    const data = createRedactor().redactExchange(exchange).request.body!.data
    expect(data).not.toContain('PLANTEDCUT1')
    expect(data).not.toContain('bob.cut')
  })

  it('leaves ids, timestamps, addresses and numbers that only look alike', () => {
    const redactor = createRedactor()
    const benign = [
      '2025-03-04T10:15:30.123Z and 2025-03-04 10:15:30',
      'epoch 1741083330123, seconds 1741083330',
      'uuid 550e8400-e29b-41d4-a716-446655440000',
      'ip 192.168.100.200, version 1.22.3, price 1234.56',
      'order ord_01HZX3Q9P6 and sku MUG-17-BLUE',
      'card-like but not Luhn 4111 1111 1111 1112',
      'iban-like but wrong check GB00WEST12345698765432',
      'Basic authentication required',
      TOKEN_PATTERN.source,
    ]
    for (const text of benign) expect(redactor.redactText(text)).toBe(text)
    expect(redactor.summary()).toEqual({})
  })

  it('finds personal values in free text', () => {
    const redactor = createRedactor({ key: 'k'.repeat(16) })
    const out = redactor.redactText(
      'to bob@example.org, +14155552671, (415) 555-2671, 378282246310005, DE89 3704 0044 0532 0130 00, Token abc123def456',
    )
    expect(out).toMatch(
      /^to redacted:email:\w{16}, redacted:phone:\w{16}, redacted:phone:\w{16}, redacted:card:\w{16}, redacted:iban:\w{16}, Token redacted:bearer:\w{16}$/,
    )
    // A second pass leaves tokens alone.
    expect(redactor.redactText(out)).toBe(out)
  })

  it('sets the session from a header or cookie, as a keyed token', () => {
    const redactor = createRedactor({ sessionFrom: { cookie: 'sid' } })
    const [a, b] = [plantedExchanges()[0]!, plantedExchanges()[0]!].map((x) => redactor.redactExchange(x))
    expect(a!.session).toMatch(/^[0-9a-f]{16}$/)
    expect(a!.session).toBe(b!.session)
  })
})

describe('sampler', () => {
  it('keeps all or none of a user by the sticky header, at about the rate', () => {
    const sampler = createSampler({ rate: 0.3, stickyHeader: 'X-User-Id' })
    let kept = 0
    for (let user = 0; user < 2000; user++) {
      const headers = { 'x-user-id': `user-${user}` }
      const first = sampler.sample(headers)
      for (let again = 0; again < 3; again++) expect(sampler.sample(headers)).toBe(first)
      if (first) kept++
    }
    expect(kept / 2000).toBeGreaterThan(0.25)
    expect(kept / 2000).toBeLessThan(0.35)
  })

  it('samples requests without the header at random', () => {
    const draws = [0.1, 0.5, 0.29, 0.31]
    const sampler = createSampler({ rate: 0.3, stickyHeader: 'x-user-id' }, () => draws.shift()!)
    expect([{}, {}, {}, {}].map((h) => sampler.sample(h))).toEqual([true, false, true, false])
    expect(createSampler({ rate: 1 }).sample({})).toBe(true)
    expect(createSampler({ rate: 0 }).sample({})).toBe(false)
  })
})
