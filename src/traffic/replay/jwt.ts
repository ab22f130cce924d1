/**
 * @module traffic/replay/jwt
 * JSON Web Tokens signed with HMAC-SHA256 (RFC 7519, `alg: HS256`) on node:crypto alone: what a
 * replay needs to stand a staging credential in for a captured one, keeping its claims.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

/** HS256 wants a key of at least 256 bits (RFC 7518 §3.2). */
export const MIN_HS256_KEY_BYTES = 32

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')

/** A compact JWS of `claims`, signed with `key`. */
export function signJwtHs256(claims: Record<string, unknown>, key: string | Uint8Array): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
  const signature = createHmac('sha256', key).update(`${HEADER}.${payload}`).digest('base64url')
  return `${HEADER}.${payload}.${signature}`
}

/** The claims of an HS256 token whose signature `key` verifies; undefined otherwise. */
export function verifyJwtHs256(token: string, key: string | Uint8Array): Record<string, unknown> | undefined {
  const [header, payload, signature] = token.split('.')
  if (header === undefined || payload === undefined || signature === undefined) return undefined
  let alg: unknown
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg
  } catch {
    return undefined
  }
  if (alg !== 'HS256') return undefined
  const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest()
  const given = Buffer.from(signature, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown
    return claims && typeof claims === 'object' && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}
