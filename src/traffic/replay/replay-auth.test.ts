import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createRedactor } from '../capture/redactor.ts'
import { signJwtHs256, verifyJwtHs256 } from './jwt.ts'
import { authRules, type CapturedIdentity, collectIdentities, prepareReplayAuth } from './replay-auth.ts'

const PRODUCTION_KEY = 'production-signing-key-that-replay-never-sees-0001'
const STAGING_KEY = 'staging-hs256-key-at-least-32-bytes-long!!'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-auth-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A captured Authorization header, redacted as a capture redacts it (claims carried). */
function capturedBearer(claims: Record<string, unknown>): string {
  const redactor = createRedactor({ key: 'capture-key-0123456789abcdef', jwtClaims: ['sub', 'role', 'tenant'] })
  const exchange = redactor.redactExchange({
    v: 1,
    id: 'x',
    at: new Date(0).toISOString(),
    request: {
      method: 'GET',
      url: '/me',
      headers: { authorization: `Bearer ${signJwtHs256(claims, PRODUCTION_KEY)}` },
    },
    timing: { startedAtMs: 0 },
  })
  return exchange.request.headers['authorization'] as string
}

function identitiesOf(texts: string[], rules: Set<string>): Map<string, CapturedIdentity> {
  const identities = new Map<string, CapturedIdentity>()
  for (const text of texts) collectIdentities(text, rules, identities)
  return identities
}

describe('staging credentials for a replay', () => {
  it('re-signs a captured JWT with the staging key, keeping its claims and refreshing its times', async () => {
    const header = capturedBearer({ sub: 'user-42', role: 'admin', tenant: 7, exp: 1, iat: 0 })
    expect(header).toMatch(/^Bearer redacted:jwt:[0-9a-f]{16}:[A-Za-z0-9_-]+$/)
    const rules = authRules({ jwt: { key: STAGING_KEY } })
    const auth = (await prepareReplayAuth(
      { jwt: { key: STAGING_KEY, ttlMs: 600_000, claims: { iss: 'staging' } } },
      identitiesOf([header], rules),
      {
        signal: AbortSignal.timeout(10_000),
        cwd: dir,
        nowMs: () => Date.UTC(2025, 0, 1),
      },
    ))!
    const replayed = auth.apply(header)
    const token = replayed.replace(/^Bearer /, '')
    expect(verifyJwtHs256(token, PRODUCTION_KEY)).toBeUndefined()
    const claims = verifyJwtHs256(token, STAGING_KEY)
    const iat = Date.UTC(2025, 0, 1) / 1000
    expect(claims).toEqual({ sub: 'user-42', role: 'admin', tenant: 7, iss: 'staging', iat, exp: iat + 600 })
    expect(auth.apply(`x ${header} y`)).toBe(`x ${replayed} y`)
    // Another user gets another token; text without tokens is untouched.
    const other = capturedBearer({ sub: 'user-43', role: 'viewer' })
    expect(verifyJwtHs256(auth.apply(other).slice(7), STAGING_KEY)).toMatchObject({ sub: 'user-43' })
    expect(auth.apply('no tokens here')).toBe('no tokens here')
  })

  it('runs the login hook once per identity and uses what it prints', async () => {
    const calls = join(dir, 'calls.txt')
    const texts = [
      'Bearer redacted:authorization:0123456789abcdef',
      'sid=redacted:cookie:fedcba9876543210; theme=dark',
      'Bearer redacted:authorization:0123456789abcdef',
      '{"email":"redacted:email:1111111111111111"}',
    ]
    const config = {
      login: {
        command: `echo "$REHEARSE_CREDENTIAL $REHEARSE_IDENTITY" >> ${calls}; echo "staging-$REHEARSE_IDENTITY"`,
      },
    }
    const identities = identitiesOf(texts, authRules(config))
    expect([...identities.keys()].sort()).toEqual(['0123456789abcdef', 'fedcba9876543210'])
    const auth = (await prepareReplayAuth(config, identities, { signal: AbortSignal.timeout(30_000), cwd: dir }))!
    expect(auth.identities).toBe(2)
    expect(texts.map((t) => auth.apply(t))).toEqual([
      'Bearer staging-0123456789abcdef',
      'sid=staging-fedcba9876543210; theme=dark',
      'Bearer staging-0123456789abcdef',
      '{"email":"redacted:email:1111111111111111"}',
    ])
    const lines = (await readFile(calls, 'utf8')).trim().split('\n').sort()
    expect(lines).toEqual(['authorization 0123456789abcdef', 'cookie fedcba9876543210'])
  })

  it('fails with REPLAY_LOGIN_FAILED when the hook fails, and REPLAY_AUTH_INVALID for a short key', async () => {
    const identities = identitiesOf(['Bearer redacted:authorization:0123456789abcdef'], new Set(['authorization']))
    const signal = AbortSignal.timeout(30_000)
    await expect(
      prepareReplayAuth({ login: { command: 'echo nope >&2; exit 3' } }, identities, { signal, cwd: dir }),
    ).rejects.toMatchObject({ code: 'REPLAY_LOGIN_FAILED', details: { stderr: 'nope\n' } })
    await expect(
      prepareReplayAuth({ login: { command: 'true' } }, identities, { signal, cwd: dir }),
    ).rejects.toMatchObject({
      code: 'REPLAY_LOGIN_FAILED',
      message: expect.stringContaining('printed no credential'),
    })
    await expect(prepareReplayAuth({ jwt: { key: 'short' } }, identities, { signal, cwd: dir })).rejects.toMatchObject({
      code: 'REPLAY_AUTH_INVALID',
    })
    expect(await prepareReplayAuth(undefined, identities, { signal, cwd: dir })).toBeUndefined()
  })
})
