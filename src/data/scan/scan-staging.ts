/**
 * @module data/scan/scan-staging
 * `rehearse data scan`: reads the *staging* copy (read-only, up to `scan.maxRows` rows per table)
 * and reports what still looks personal:
 * - values in the leak filter: a real production value that survived, anywhere — whole values,
 *   and emails, phone numbers, card numbers and two- and three-word runs inside text;
 * - in columns the policy does not mask: values that validate as emails, phones, cards, IBANs,
 *   IPs or national ids (masked columns hold fakes of those shapes on purpose);
 * - columns declared safe whose name suggests personal data (a warning).
 * Findings name table, column, kind and count — never a value.
 */
import { abortError, isRehearseError } from '../../core/errors.ts'
import { type Logger, silentLogger } from '../../core/logger.ts'
import type { GateResult } from '../../core/types.ts'
import type { DataSpec } from '../data-schema.ts'
import { compilePattern } from '../policy/column-pattern.ts'
import { type ColumnDecision, resolvePolicy } from '../policy/resolve-policy.ts'
import type { ColumnSchema } from '../source.ts'
import { createStagingReader, resolveEndpoints } from '../sync/open-endpoints.ts'
import { FAKE_VOCABULARY } from '../transformers/word-lists.ts'
import { type LeakFilter, MIN_LEAK_VALUE_LENGTH } from './leak-filter.ts'
import type { Finding, FindingKind, ScanSummary } from './scan-types.ts'
import { detect, personalColumnName } from './validators.ts'

export type ScanOptions = {
  /** The leak filter the sync built (with the same key); without it only validators and names run. */
  filter?: LeakFilter
  signal?: AbortSignal
  logger?: Logger
  onProgress?: (progress: { table: string; tablesDone: number; tables: number; rows: number }) => void
}

const SCANNED: ReadonlySet<ColumnSchema['valueClass']> = new Set(['text', 'json', 'other', 'integer', 'decimal'])
const MAX_TEXT_FOR_PHRASES = 500

/** Whether a matched value is made only of words the fakes use (plus digits and punctuation). */
function onlyFakeWords(value: string): boolean {
  const words = value.toLowerCase().match(/[\p{L}]+/gu)
  if (!words) return false
  return words.every((w) => FAKE_VOCABULARY.has(w))
}

/** The pieces of a text worth asking the leak filter about. */
function leakCandidates(text: string, extracted: string[]): string[] {
  const out = [text, ...extracted]
  if (text.length <= MAX_TEXT_FOR_PHRASES) {
    const words = text.split(/[\s,;:()"']+/).filter(Boolean)
    for (let i = 0; i + 1 < words.length; i++) {
      out.push(`${words[i]} ${words[i + 1]}`)
      if (i + 2 < words.length) out.push(`${words[i]} ${words[i + 1]} ${words[i + 2]}`)
    }
  }
  return out.filter((c) => c.length >= MIN_LEAK_VALUE_LENGTH)
}

function jsonStrings(text: string): string[] {
  try {
    const out: string[] = []
    const walk = (node: unknown) => {
      if (out.length >= 1000) return
      if (typeof node === 'string') out.push(node)
      else if (typeof node === 'number') out.push(String(node))
      else if (node && typeof node === 'object') for (const v of Object.values(node)) walk(v)
    }
    walk(JSON.parse(text))
    return out
  } catch {
    return [text]
  }
}

const DETAIL: Record<FindingKind, string> = {
  'production-value': 'are real production values (found in the leak filter)',
  email: 'look like email addresses',
  phone: 'look like phone numbers',
  card: 'look like payment card numbers',
  iban: 'look like IBANs',
  ip: 'look like public IP addresses',
  'national-id': 'look like national id numbers',
  'column-name': 'column is declared safe but its name suggests personal data',
}

export async function scanStaging(spec: DataSpec, options: ScanOptions = {}): Promise<ScanSummary> {
  const logger = options.logger ?? silentLogger
  const started = performance.now()
  const endpoints = resolveEndpoints(spec)
  const staging = await createStagingReader(endpoints, logger)
  const signal = options.signal
  const ignore = spec.scan.ignore.map(compilePattern)
  const warn = new Set(spec.scan.warn)
  const findings = new Map<string, Finding>()
  const note = (table: string, column: string, kind: FindingKind) => {
    const id = `${table}\u0000${column}\u0000${kind}`
    const f = findings.get(id)
    if (f) f.count++
    else findings.set(id, { table, column, kind, count: 1, severity: warn.has(kind) ? 'warn' : 'fail', detail: '' })
  }
  let rowsScanned = 0
  let tableCount = 0
  try {
    await staging.open(signal ? { signal } : {})
    const schema = await staging.introspect(signal ? { signal } : {})
    // The policy tells which columns hold fakes on purpose; uncovered staging columns count as safe here.
    let decisions = new Map<string, ColumnDecision>()
    try {
      const policy = resolvePolicy(schema, { ...spec, tables: undefined })
      decisions = new Map(
        policy.tables.flatMap((t) => t.columns.map((c) => [`${t.table.name}.${c.column}`, c] as const)),
      )
    } catch (error) {
      if (!isRehearseError(error)) throw error
      logger.warn(
        { code: error.code },
        'scan: the policy does not fit the staging schema; every column is scanned as unmasked',
      )
    }
    const reader = await staging.openReader(signal ? { signal } : {})
    tableCount = schema.tables.length
    try {
      for (const [t, table] of schema.tables.entries()) {
        const columns = table.columns.filter(
          (c) =>
            !c.generated &&
            SCANNED.has(c.valueClass) &&
            !ignore.some((p) => p.table.test(table.name) && p.column.test(c.name)),
        )
        for (const c of columns) {
          const d = decisions.get(`${table.name}.${c.name}`)
          if (d?.status === 'safe' && personalColumnName(c.name)) note(table.name, c.name, 'column-name')
        }
        if (columns.length === 0) continue
        const masked = columns.map((c) => decisions.get(`${table.name}.${c.name}`)?.status === 'masked')
        const isJson = columns.map((c) => c.valueClass === 'json')
        const names = columns.map((c) => c.name)
        for await (const batch of reader.read(
          table,
          names,
          { kind: 'first', rows: spec.scan.maxRows },
          signal ? { signal } : {},
        )) {
          for (const row of batch) {
            for (let i = 0; i < row.length; i++) {
              const value = row[i]
              if (value === null || value === undefined) continue
              const texts = isJson[i] ? jsonStrings(value) : [value]
              const kinds = new Set<FindingKind>()
              for (const text of texts) {
                const found = detect(text)
                if (!masked[i]) for (const k of found.kinds) kinds.add(k)
                if (options.filter) {
                  for (const candidate of leakCandidates(text, found.candidates)) {
                    if (options.filter.has(candidate) && !onlyFakeWords(candidate)) {
                      kinds.add('production-value')
                      break
                    }
                  }
                }
              }
              for (const k of kinds) note(table.name, names[i]!, k)
            }
          }
          rowsScanned += batch.length
        }
        options.onProgress?.({ table: table.name, tablesDone: t + 1, tables: tableCount, rows: rowsScanned })
      }
    } finally {
      await reader.close()
    }
  } catch (error) {
    if (signal?.aborted) throw abortError(signal)
    throw error
  } finally {
    await staging.close()
  }
  const list = [...findings.values()]
    .map((f) => ({
      ...f,
      detail:
        f.kind === 'column-name'
          ? `${f.table}.${f.column}: ${DETAIL[f.kind]}`
          : `${f.count} value(s) in ${f.table}.${f.column} ${DETAIL[f.kind]}`,
    }))
    .sort((a, b) => (a.severity === b.severity ? b.count - a.count : a.severity === 'fail' ? -1 : 1))
  return {
    scannedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
    tables: tableCount,
    rowsScanned,
    usedLeakFilter: options.filter !== undefined,
    findings: list,
  }
}

/** The `pii` gate's judgement of a scan: fail on any failing finding, warn on warnings only. */
export function judgePii(scan: ScanSummary): GateResult {
  const failing = scan.findings.filter((f) => f.severity === 'fail')
  const warnings = scan.findings.filter((f) => f.severity === 'warn')
  const reasons = [...failing, ...warnings].map((f) => f.detail)
  if (failing.length > 0) return { status: 'fail', reasons, details: scan }
  if (warnings.length > 0) return { status: 'warn', reasons, details: scan }
  const how = scan.usedLeakFilter ? 'validators and the leak filter' : 'validators only (no leak filter)'
  return {
    status: 'pass',
    reasons: [`${scan.rowsScanned} rows of ${scan.tables} tables scanned with ${how}: nothing personal found`],
    details: scan,
  }
}
