/**
 * @module analysis/response-diff
 * The three-way response diff (DESIGN.md, "Response diff"). Each replayed request is answered by
 * a primary (baseline), a secondary (a second baseline instance) and the candidate. Every field —
 * status, selected headers, each flattened JSON path — counts per endpoint how often primary ≠
 * secondary (noise) and primary ≠ candidate. A field is reported only when the candidate differs
 * significantly more often than the noise (see `response-diff/field-test.ts`), never by a fixed
 * cut-off: a random id differs everywhere and is never a finding, a changed price is. Pure: add
 * observations as they come (memory grows with endpoints × fields, not with requests), then ask
 * for the result.
 */
import type { GateResult } from '../core/types.ts'
import { diffGate } from './response-diff/diff-gate.ts'
import { maskExample } from './response-diff/example-redaction.ts'
import { discreteFdr, type FieldCounts, type FieldTest, fieldPValue } from './response-diff/field-test.ts'
import {
  type DiffBody,
  type DiffResponse,
  type FlattenOptions,
  flattenResponse,
} from './response-diff/flatten-response.ts'
import { createNormaliser, type NormaliserConfig } from './response-diff/normalisers.ts'
import { compileDiffGlob } from './response-diff/path-glob.ts'

export type { DiffBody, DiffResponse } from './response-diff/flatten-response.ts'

/** Settings of the diff (the spec's `diff` section parses into this). */
export type ResponseDiffConfig = {
  /** False discovery rate across all fields of all endpoints (default 0.01). */
  alpha?: number
  /** Endpoints with fewer requests are listed but not judged (default 10). */
  minRequests?: number
  /** Report only when candidate rate − noise rate is at least this (default 0). */
  minEffect?: number
  /** `paired` (exact McNemar, default) or `fisher` (unpaired, more conservative). */
  test?: FieldTest
  /** Headers compared, lower case (default content-type, cache-control, location, content-encoding, vary). */
  headers?: string[]
  /** Body path globs never compared (`meta.requestId`, `**.updatedAt`). */
  ignore?: string[]
  /** Array paths compared as multisets (`items`, `data[].tags`). */
  unordered?: string[]
  /** Array paths compared in order even when `arrays` would not. */
  ordered?: string[]
  /** `auto` (default): arrays of scalars unordered, arrays of objects ordered. */
  arrays?: 'auto' | 'ordered' | 'unordered'
  normalise?: NormaliserConfig
  /** Findings listed at most (the gate still counts all); default 50. */
  maxFindings?: number
  /** Distinct fields tracked per endpoint; beyond it new fields are counted, not compared (default 2000). */
  maxFieldsPerEndpoint?: number
}

/** What the caller supplies at run time (analysis has no clock and no keys of its own). */
export type ResponseDiffRuntime = {
  /** Anchor of `normalise.epochWindowMs`: the replay's start, epoch ms. */
  nowMs?: number
  /** Masks example values before they leave the diff; default `maskExample`. */
  redactExample?: (text: string) => string
}

/** One replayed request and its three responses. */
export type DiffObservation = {
  /** Route key such as `GET /products/:id`. */
  endpoint: string
  /** The capture exchange id, carried into the finding's example. */
  requestId?: string
  primary: DiffResponse
  secondary: DiffResponse
  candidate: DiffResponse
}

export type DiffFieldKind = 'status' | 'header' | 'body'

export type DiffFinding = {
  endpoint: string
  kind: DiffFieldKind
  /** `status`, the header name, or the body path (`items[].price`, `$text`, `$type`). */
  path: string
  requests: number
  noiseDiffs: number
  candidateDiffs: number
  noiseRate: number
  candidateRate: number
  pValue: number
  /** Benjamini–Hochberg adjusted p-value across all tested fields. */
  qValue: number
  /** One request where the candidate differed and the secondary did not (values normalised, masked). */
  example: { requestId?: string; primary: string; candidate: string }
}

export type EndpointDiffSummary = {
  endpoint: string
  requests: number
  fields: number
  /** False when the endpoint had fewer than `minRequests` requests. */
  judged: boolean
  /** Fields seen beyond `maxFieldsPerEndpoint` (not compared). */
  untrackedFields: number
}

export type ResponseDiffResult = {
  requests: number
  endpoints: EndpointDiffSummary[]
  /** Fields of judged endpoints, and those that could reach significance at all. */
  fieldsTested: number
  fieldsTestable: number
  alpha: number
  test: FieldTest
  findings: DiffFinding[]
  /** Significant findings beyond `maxFindings`. */
  omittedFindings: number
  gate: GateResult
}

export interface ResponseDiff {
  /** Counts one replayed request. */
  add(observation: DiffObservation): void
  /** The findings so far; may be called repeatedly. */
  result(): ResponseDiffResult
}

export const DEFAULT_DIFF_HEADERS = ['content-type', 'cache-control', 'location', 'content-encoding', 'vary'] as const
const ABSENT = '<absent>'

type FieldAcc = FieldCounts & { example?: DiffFinding['example'] }
type EndpointAcc = { requests: number; fields: Map<string, FieldAcc>; untracked: Set<string> | number }

/** Creates an accumulating three-way diff. */
export function createResponseDiff(config: ResponseDiffConfig = {}, runtime: ResponseDiffRuntime = {}): ResponseDiff {
  const alpha = config.alpha ?? 0.01
  const minRequests = config.minRequests ?? 10
  const minEffect = config.minEffect ?? 0
  const test = config.test ?? 'paired'
  const maxFindings = config.maxFindings ?? 50
  const maxFields = config.maxFieldsPerEndpoint ?? 2000
  const redact = runtime.redactExample ?? maskExample
  const flatten: FlattenOptions = {
    normaliser: createNormaliser(config.normalise, runtime.nowMs),
    headers: (config.headers ?? DEFAULT_DIFF_HEADERS).map((h) => h.toLowerCase()),
    ignore: (config.ignore ?? []).map(compileDiffGlob),
    unordered: (config.unordered ?? []).map(compileDiffGlob),
    ordered: (config.ordered ?? []).map(compileDiffGlob),
    arrays: config.arrays ?? 'auto',
  }
  const endpoints = new Map<string, EndpointAcc>()
  let requests = 0

  return {
    add(observation: DiffObservation): void {
      requests++
      let acc = endpoints.get(observation.endpoint)
      if (!acc) {
        acc = { requests: 0, fields: new Map(), untracked: new Set() }
        endpoints.set(observation.endpoint, acc)
      }
      acc.requests++
      const p = flattenResponse(observation.primary, flatten)
      const s = flattenResponse(observation.secondary, flatten)
      const c = flattenResponse(observation.candidate, flatten)
      for (const key of new Set([...p.keys(), ...s.keys(), ...c.keys()])) {
        let field = acc.fields.get(key)
        if (!field) {
          if (acc.fields.size >= maxFields) {
            untrack(acc, key)
            continue
          }
          field = { n: 0, noise: 0, candidate: 0, candidateOnly: 0, noiseOnly: 0 }
          acc.fields.set(key, field)
        }
        const vp = p.get(key) ?? ABSENT
        const vc = c.get(key) ?? ABSENT
        const noise = vp !== (s.get(key) ?? ABSENT)
        const cand = vp !== vc
        field.n++
        if (noise) field.noise++
        if (cand) field.candidate++
        if (cand && !noise) {
          field.candidateOnly++
          field.example ??= {
            ...(observation.requestId === undefined ? {} : { requestId: observation.requestId }),
            primary: redact(vp),
            candidate: redact(vc),
          }
        }
        if (noise && !cand) field.noiseOnly++
      }
    },
    result(): ResponseDiffResult {
      const tests: { endpoint: string; key: string; field: FieldAcc; pValue: number; minAttainable: number }[] = []
      const summaries: EndpointDiffSummary[] = []
      for (const [endpoint, acc] of [...endpoints].sort(([a], [b]) => a.localeCompare(b))) {
        const judged = acc.requests >= minRequests
        const untrackedFields = typeof acc.untracked === 'number' ? acc.untracked : acc.untracked.size
        summaries.push({ endpoint, requests: acc.requests, fields: acc.fields.size, judged, untrackedFields })
        if (!judged) continue
        for (const [key, field] of acc.fields) tests.push({ endpoint, key, field, ...fieldPValue(field, test) })
      }
      const { qValues, testable } = discreteFdr(tests, alpha)
      const significant: DiffFinding[] = []
      tests.forEach((t, i) => {
        const q = qValues[i]!
        const { n, noise, candidate } = t.field
        if (!(q <= alpha) || candidate <= noise || (candidate - noise) / n < minEffect || !t.field.example) return
        const [kind, path] = splitKey(t.key)
        significant.push({
          endpoint: t.endpoint,
          kind,
          path,
          requests: n,
          noiseDiffs: noise,
          candidateDiffs: candidate,
          noiseRate: noise / n,
          candidateRate: candidate / n,
          pValue: t.pValue,
          qValue: q,
          example: t.field.example,
        })
      })
      significant.sort(
        (a, b) => a.pValue - b.pValue || a.endpoint.localeCompare(b.endpoint) || a.path.localeCompare(b.path),
      )
      const result = {
        requests,
        endpoints: summaries,
        fieldsTested: tests.length,
        fieldsTestable: testable,
        alpha,
        test,
        findings: significant.slice(0, maxFindings),
        omittedFindings: Math.max(0, significant.length - maxFindings),
      }
      return { ...result, gate: diffGate(result, significant.length, minRequests) }
    },
  }
}

/** Diffs a whole set of observations at once. */
export function diffResponses(
  observations: Iterable<DiffObservation>,
  config: ResponseDiffConfig = {},
  runtime: ResponseDiffRuntime = {},
): ResponseDiffResult {
  const diff = createResponseDiff(config, runtime)
  for (const observation of observations) diff.add(observation)
  return diff.result()
}

/** A body for the diff from its content type and text: JSON when it parses as JSON, else text. */
export function diffBodyOf(contentType: string | undefined, text: string): DiffBody | undefined {
  if (text === '') return undefined
  if (/json/i.test(contentType ?? '') || /^\s*[[{]/.test(text)) {
    try {
      return { json: JSON.parse(text) }
    } catch {
      // Declared JSON that does not parse is compared as text; the `$type` field shows the change.
    }
  }
  return { text }
}

function untrack(acc: EndpointAcc, key: string): void {
  // Count distinct untracked fields up to a bound, then just count occurrences.
  if (typeof acc.untracked === 'number') acc.untracked++
  else if (acc.untracked.size < 10_000) acc.untracked.add(key)
  else acc.untracked = acc.untracked.size + 1
}

function splitKey(key: string): [DiffFieldKind, string] {
  if (key === 'status') return ['status', 'status']
  const colon = key.indexOf(':')
  return [key.slice(0, colon) as DiffFieldKind, key.slice(colon + 1)]
}
