/**
 * @module traffic/replay/replay-auth
 * Staging credentials for replayed requests. A capture holds no credential, only keyed tokens
 * (`redacted:jwt:<hex>[:<claims>]`, `redacted:authorization:<hex>`, …) where the same user has the
 * same `<hex>`. Before the replay starts, each identity gets a staging credential: a JWT token is
 * re-signed with the staging HS256 key, keeping the claims the capture carried; any credential
 * token can be handed to a login hook, a command run once per identity that prints the staging
 * credential. Credentials live in memory only and are never logged.
 */
import { spawn } from 'node:child_process'
import { abortError, RehearseError, throwIfAborted } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import { MIN_HS256_KEY_BYTES, signJwtHs256 } from './jwt.ts'
import type { ReplayAuthConfig } from './replay.ts'

/** Token rules that stand for a credential (the login hook's default). */
export const CREDENTIAL_RULES = ['authorization', 'jwt', 'bearer', 'cookie', 'header'] as const

/** A redaction token, its rule, identity and (for JWTs) carried claims. */
export const TOKEN = /redacted:([a-z-]+):([0-9a-f]{16})(?::([A-Za-z0-9_-]+))?/g

/** One identity of a capture: the first rule it was seen under and the claims a JWT carried. */
export type CapturedIdentity = { rule: string; claims?: Record<string, unknown> }

export interface ReplayAuth {
  /** The text with every captured credential token replaced by its staging credential. */
  apply(text: string): string
  /** Identities that have a staging credential. */
  readonly identities: number
}

const LOGIN_CONCURRENCY = 4
const MAX_IDENTITIES = 10_000
const MAX_OUTPUT = 64 * 1024

/** Decodes the claims a JWT token carried (`…:<base64url JSON>`); undefined when there are none. */
export function tokenClaims(encoded: string | undefined): Record<string, unknown> | undefined {
  if (!encoded) return undefined
  try {
    const value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as unknown
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Adds the identities found in `text` (tokens of `rules`) to `into`. */
export function collectIdentities(text: string, rules: ReadonlySet<string>, into: Map<string, CapturedIdentity>): void {
  if (!text.includes('redacted:')) return
  for (const m of text.matchAll(TOKEN)) {
    const [, rule, hex, encoded] = m as unknown as [string, string, string, string | undefined]
    if (!rules.has(rule)) continue
    const known = into.get(hex)
    if (known) {
      if (!known.claims && encoded) {
        const claims = tokenClaims(encoded)
        if (claims) known.claims = claims
      }
      continue
    }
    const claims = tokenClaims(encoded)
    into.set(hex, { rule, ...(claims ? { claims } : {}) })
  }
}

/** The rules whose tokens this configuration replaces. */
export function authRules(config: ReplayAuthConfig | undefined): Set<string> {
  const rules = new Set<string>()
  if (config?.jwt) rules.add('jwt')
  if (config?.login) for (const rule of config.login.rules ?? CREDENTIAL_RULES) rules.add(rule)
  return rules
}

/**
 * Prepares the staging credential of every identity (running the login hook for each one that
 * needs it) and returns the substitution; undefined when nothing is configured.
 * @throws RehearseError REPLAY_AUTH_INVALID (a key that is too short, a hook without a command),
 * REPLAY_LOGIN_FAILED.
 */
export async function prepareReplayAuth(
  config: ReplayAuthConfig | undefined,
  identities: ReadonlyMap<string, CapturedIdentity>,
  options: { signal: AbortSignal; cwd: string; logger?: Logger; nowMs?: () => number },
): Promise<ReplayAuth | undefined> {
  if (!config?.jwt && !config?.login) return undefined
  const jwt = config.jwt
  if (jwt && Buffer.byteLength(jwt.key) < MIN_HS256_KEY_BYTES) {
    throw new RehearseError(
      'REPLAY_AUTH_INVALID',
      `The staging JWT key is ${Buffer.byteLength(jwt.key)} bytes; HS256 needs at least ${MIN_HS256_KEY_BYTES}.`,
      {
        hint: 'Put a key of 32 bytes or more in the environment (auth.jwt.key: ${secret.STAGING_JWT_KEY}, or --jwt-key-env NAME).',
        location: { path: 'replay.auth.jwt.key' },
      },
    )
  }
  const login = config.login
  if (login && login.command.trim() === '') {
    throw new RehearseError('REPLAY_AUTH_INVALID', 'The login hook has no command.', {
      hint: 'Set replay.auth.login.command to a command that prints the staging credential of $REHEARSE_IDENTITY.',
      location: { path: 'replay.auth.login.command' },
    })
  }
  const loginRules = new Set<string>(login ? (login.rules ?? CREDENTIAL_RULES) : [])
  const now = options.nowMs ?? Date.now
  const ttlMs = jwt?.ttlMs ?? 3600_000
  const signed = new Map<string, { token: string; expiresAt: number }>()
  const credentials = new Map<string, string>()

  const needLogin = [...identities].filter(([, id]) => loginRules.has(id.rule) && !(jwt && id.rule === 'jwt'))
  if (needLogin.length > MAX_IDENTITIES) {
    throw new RehearseError(
      'REPLAY_AUTH_INVALID',
      `The capture holds ${needLogin.length} identities; a login hook runs once per identity and at most ${MAX_IDENTITIES} are allowed.`,
      { hint: 'Sample the capture by a user header (`capture.sample.stickyHeader`), or re-sign JWTs instead.' },
    )
  }
  let next = 0
  const worker = async () => {
    while (next < needLogin.length) {
      const [hex, identity] = needLogin[next++]!
      throwIfAborted(options.signal)
      credentials.set(hex, await runLogin(login!, hex, identity, options))
    }
  }
  await Promise.all(Array.from({ length: Math.min(LOGIN_CONCURRENCY, needLogin.length) }, worker))
  if (needLogin.length > 0) options.logger?.info({ identities: needLogin.length }, 'login hook ran for every identity')

  const signFor = (hex: string, encoded: string | undefined): string => {
    const at = now()
    const cached = signed.get(hex)
    // Re-signed well before it expires, so that a long replay never sends an expired token.
    if (cached && cached.expiresAt - at > ttlMs / 2) return cached.token
    const carried = tokenClaims(encoded) ?? identities.get(hex)?.claims ?? { sub: `replay-${hex}` }
    const iat = Math.floor(at / 1000)
    const claims: Record<string, unknown> = { ...carried, ...jwt!.claims, iat, exp: iat + Math.ceil(ttlMs / 1000) }
    if ('nbf' in carried) claims['nbf'] = iat
    const token = signJwtHs256(claims, jwt!.key)
    signed.set(hex, { token, expiresAt: at + ttlMs })
    return token
  }

  return {
    identities: credentials.size + (jwt ? [...identities.values()].filter((i) => i.rule === 'jwt').length : 0),
    apply(text: string): string {
      if (!text.includes('redacted:')) return text
      return text.replace(TOKEN, (match, rule: string, hex: string, encoded: string | undefined) => {
        if (jwt && rule === 'jwt') return signFor(hex, encoded)
        if (loginRules.has(rule)) return credentials.get(hex) ?? match
        return match
      })
    },
  }
}

/** Runs the login hook for one identity; resolves to the first line it printed. */
function runLogin(
  login: NonNullable<ReplayAuthConfig['login']>,
  hex: string,
  identity: CapturedIdentity,
  options: { signal: AbortSignal; cwd: string },
): Promise<string> {
  const timeoutMs = login.timeoutMs ?? 30_000
  return new Promise((resolve, reject) => {
    const child = spawn(login.command, {
      shell: true,
      cwd: options.cwd,
      env: {
        ...process.env,
        REHEARSE_IDENTITY: hex,
        REHEARSE_CREDENTIAL: identity.rule,
        REHEARSE_CLAIMS: JSON.stringify(identity.claims ?? {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    })
    let stdout = ''
    let stderr = ''
    let settled = false
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }
    const fail = (why: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal.removeEventListener('abort', onAbort)
      kill()
      reject(
        new RehearseError('REPLAY_LOGIN_FAILED', `The login hook for identity ${hex} ${why}.`, {
          hint: `Run it by hand: REHEARSE_IDENTITY=${hex} ${login.command}`,
          details: { stderr: stderr.slice(-2000) },
        }),
      )
    }
    const onAbort = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      kill()
      reject(abortError(options.signal))
    }
    const timer = setTimeout(() => fail(`did not finish within ${timeoutMs} ms`), timeoutMs)
    options.signal.addEventListener('abort', onAbort, { once: true })
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk
    })
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000)
    })
    child.once('error', (error) => fail(`could not start (${error.message})`))
    child.once('close', (code, signal) => {
      if (settled) return
      if (code !== 0) return fail(signal ? `was killed by ${signal}` : `exited with code ${code}`)
      const credential = stdout
        .split(/\r?\n/)
        .find((line) => line.trim() !== '')
        ?.trim()
      if (!credential) return fail('printed no credential')
      settled = true
      clearTimeout(timer)
      options.signal.removeEventListener('abort', onAbort)
      resolve(credential)
    })
  })
}
