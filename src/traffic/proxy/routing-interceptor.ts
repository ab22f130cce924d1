/**
 * @module traffic/proxy/routing-interceptor
 * Routing: picks the upstream target of each request. Header rules first (the first rule whose
 * headers all match wins), then weights — at random, or sticky: a hash of one header's value picks
 * the same target for the same value every time.
 */
import { RehearseError } from '../../core/errors.ts'
import type { UniformRandom as Random } from '../../core/seeded-random.ts'
import { compilePattern } from './pattern.ts'
import type { ProxyInterceptor, RoutingOptions } from './proxy.ts'

type HeaderTest = { name: string; value: RegExp }
type CompiledRule = { tests: HeaderTest[]; target: string }

/** Finds a header's value in a flat `[name, value, …]` list; `name` is lower case. */
export function headerValue(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    const candidate = headers[i]!
    if (candidate.length === name.length && candidate.toLowerCase() === name) return headers[i + 1]
  }
  return undefined
}

/** Whether every test matches one of the headers (`*` matches any value, so: present). */
export function headersMatch(headers: readonly string[], tests: readonly HeaderTest[]): boolean {
  for (const test of tests) {
    const value = headerValue(headers, test.name)
    if (value === undefined || !test.value.test(value)) return false
  }
  return true
}

export function compileHeaderTests(header: Record<string, string>): HeaderTest[] {
  return Object.entries(header).map(([name, value]) => ({
    name: name.toLowerCase(),
    value: compilePattern(value, { segmented: false }),
  }))
}

/** FNV-1a, 32 bits: a stable hash of a header value for sticky routing. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

function invalid(message: string, path: string): RehearseError {
  return new RehearseError('TRAFFIC_PROXY_INVALID_OPTIONS', message, {
    hint: 'Routing names targets given in `targets`; weights are non-negative numbers with a positive sum.',
    location: { path },
  })
}

/** The routing interceptor for these targets. @throws RehearseError for routing that cannot work. */
export function createRoutingInterceptor(
  targets: readonly string[],
  routing: RoutingOptions = {},
  random: Random = Math.random,
): ProxyInterceptor {
  const known = (name: string, path: string) => {
    if (!targets.includes(name))
      throw invalid(`Routing names target ${JSON.stringify(name)}, but the targets are ${targets.join(', ')}.`, path)
  }
  const rules: CompiledRule[] = (routing.rules ?? []).map((rule, i) => {
    known(rule.target, `routing.rules[${i}].target`)
    if (Object.keys(rule.header).length === 0)
      throw invalid('A routing rule needs at least one header to match.', `routing.rules[${i}].header`)
    return { tests: compileHeaderTests(rule.header), target: rule.target }
  })

  const weights = routing.weights ?? Object.fromEntries(targets.map((name) => [name, 1]))
  const names: string[] = []
  const cumulative: number[] = []
  let total = 0
  for (const [name, weight] of Object.entries(weights)) {
    known(name, `routing.weights.${name}`)
    if (!Number.isFinite(weight) || weight < 0)
      throw invalid(`The weight of ${name} must be a non-negative number.`, `routing.weights.${name}`)
    if (weight === 0) continue
    total += weight
    names.push(name)
    cumulative.push(total)
  }
  if (total <= 0 && rules.length === 0)
    throw invalid('The routing weights add up to 0: no request could go anywhere.', 'routing.weights')
  const sticky = routing.sticky?.header.toLowerCase()

  const byWeight = (headers: readonly string[]): string => {
    if (names.length === 1) return names[0]!
    const key = sticky === undefined ? undefined : headerValue(headers, sticky)
    const point = key === undefined ? random() * total : (fnv1a(key) / 0x1_0000_0000) * total
    for (let i = 0; i < cumulative.length; i++) if (point < cumulative[i]!) return names[i]!
    return names[names.length - 1]!
  }

  return (dispatch) => (request, handler) => {
    let target: string | undefined
    for (const rule of rules) {
      if (headersMatch(request.headers, rule.tests)) {
        target = rule.target
        break
      }
    }
    // With weights all 0, only rule matches are routed; the rest go to the first target.
    request.target = target ?? (total > 0 ? byWeight(request.headers) : targets[0]!)
    return dispatch(request, handler)
  }
}
