/**
 * @module traffic/proxy/fault-set
 * The active fault rules of one proxy, compiled for the hot path. Changing the set replaces the
 * array (copy on write): a request being matched keeps the snapshot it started with, and the
 * control API never waits for the data plane.
 */
import { RehearseError } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import { parseFaultRule } from './fault-schema.ts'
import { compilePattern } from './pattern.ts'
import { FAULT_KINDS, type FaultKind, type FaultRule, type FaultRuleStatus, type ProxyRequest } from './proxy.ts'
import { compileHeaderTests, headersMatch } from './routing-interceptor.ts'

/** Milliseconds a `hang: true` rule holds the connection before closing it. */
export const DEFAULT_HANG_MS = 30_000

/** A canned response of an `abort` rule, built once. */
export type AbortResponse = { status: number; headers: Record<string, string>; body: Buffer }

/** A rule ready for the hot path. */
export type CompiledFault = {
  readonly name: string
  readonly kind: FaultKind
  readonly rule: FaultRule & { name: string }
  readonly probability: number
  readonly maxActive: number
  /** abort, hang and reset end the request before it goes upstream; at most one applies. */
  readonly terminal: boolean
  readonly abort: AbortResponse | undefined
  readonly matches: (request: ProxyRequest) => boolean
  readonly stats: { matched: number; injected: number; active: number }
}

function compileMatcher(rule: FaultRule): (request: ProxyRequest) => boolean {
  const target = rule.target
  const match = rule.match ?? {}
  const methods = match.method === undefined ? undefined : new Set([match.method].flat().map((m) => m.toUpperCase()))
  const path = match.path === undefined ? undefined : compilePattern(match.path, { segmented: true })
  const route = match.route === undefined ? undefined : compilePattern(match.route, { segmented: true })
  const routePathOnly = match.route?.startsWith('/') ?? false
  const headers = match.header === undefined ? undefined : compileHeaderTests(match.header)
  return (request) => {
    if (target !== undefined && request.target !== target) return false
    if (methods !== undefined && !methods.has(request.method)) return false
    if (path !== undefined && !path.test(request.pathname)) return false
    if (route !== undefined) {
      const key = routePathOnly ? request.route.slice(request.route.indexOf(' ') + 1) : request.route
      if (!route.test(key)) return false
    }
    return headers === undefined || headersMatch(request.headers, headers)
  }
}

function compileAbort(name: string, abort: FaultRule['abort']): AbortResponse | undefined {
  if (abort === undefined) return undefined
  const spec = typeof abort === 'number' ? { status: abort } : abort
  const body = Buffer.from(spec.body ?? `fault injected by rehearse: ${name}\n`)
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8',
    ...Object.fromEntries(Object.entries(spec.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    'content-length': String(body.length),
    'x-rehearse-fault': name,
  }
  return { status: spec.status, headers, body }
}

export class FaultSet {
  #rules: readonly CompiledFault[] = []
  #generated = 0
  readonly #targets: readonly string[]
  readonly #logger: Logger | undefined

  constructor(targets: readonly string[], logger?: Logger) {
    this.#targets = targets
    this.#logger = logger
  }

  /** The current snapshot, for the fault interceptor. */
  get rules(): readonly CompiledFault[] {
    return this.#rules
  }

  /** Validates and activates one rule. `where` prefixes error paths (`faults[2]`). */
  add(input: unknown, where = ''): FaultRuleStatus {
    const compiled = this.#compile(input, where, this.#rules)
    this.#rules = [...this.#rules, compiled]
    this.#logger?.info({ fault: compiled.rule }, 'fault rule added')
    return status(compiled)
  }

  remove(name: string): void {
    if (!this.#rules.some((rule) => rule.name === name)) {
      throw new RehearseError('TRAFFIC_FAULT_NOT_FOUND', `No active fault rule is named ${JSON.stringify(name)}.`, {
        hint: `Active rules: ${this.#rules.map((rule) => rule.name).join(', ') || 'none'}.`,
      })
    }
    this.#rules = this.#rules.filter((rule) => rule.name !== name)
    this.#logger?.info({ fault: name }, 'fault rule removed')
  }

  /**
   * Replaces every rule; validates all first, so an invalid one leaves the set as it was. `where`
   * names the list in error paths (`faults` → `faults[2].delay`).
   */
  set(inputs: readonly unknown[], where = ''): FaultRuleStatus[] {
    const next: CompiledFault[] = []
    inputs.forEach((input, i) => {
      next.push(this.#compile(input, `${where}[${i}]`, next))
    })
    this.#rules = next
    this.#logger?.info({ faults: next.map((rule) => rule.name) }, 'fault rules replaced')
    return next.map(status)
  }

  reset(): void {
    this.#rules = []
    this.#logger?.info({}, 'fault rules reset')
  }

  list(): FaultRuleStatus[] {
    return this.#rules.map(status)
  }

  #compile(input: unknown, where: string, existing: readonly CompiledFault[]): CompiledFault {
    const rule = parseFaultRule(input, where)
    if (rule.target !== undefined && !this.#targets.includes(rule.target)) {
      const path = `${where}${where ? '.' : ''}target`
      throw new RehearseError(
        'TRAFFIC_FAULT_INVALID',
        `Invalid fault rule at ${path}: the proxy has no target ${JSON.stringify(rule.target)}.`,
        {
          hint: `Targets: ${this.#targets.join(', ')}; leave "target" out to apply the rule to all.`,
          location: { path },
        },
      )
    }
    const taken = (name: string) => existing.some((other) => other.name === name)
    let name = rule.name
    if (name === undefined) {
      do name = `fault-${++this.#generated}`
      while (taken(name))
    } else if (taken(name)) {
      throw new RehearseError('TRAFFIC_FAULT_EXISTS', `A fault rule named ${JSON.stringify(name)} is already active.`, {
        hint: 'Remove it first, or give this rule another name.',
        location: { path: `${where}${where ? '.' : ''}name` },
      })
    }
    const kind = FAULT_KINDS.find((k) => rule[k] !== undefined)!
    return {
      name,
      kind,
      rule: { ...rule, name },
      probability: rule.probability,
      maxActive: rule.maxActive ?? Number.POSITIVE_INFINITY,
      terminal: kind === 'abort' || kind === 'hang' || kind === 'reset',
      abort: compileAbort(name, rule.abort),
      matches: compileMatcher(rule),
      stats: { matched: 0, injected: 0, active: 0 },
    }
  }
}

function status(compiled: CompiledFault): FaultRuleStatus {
  return { ...compiled.rule, kind: compiled.kind, stats: { ...compiled.stats } }
}
