/**
 * @module gates/security-gate
 * The security gate: the findings of static-analysis and scanner reports in SARIF 2.1.0, judged
 * the way GitHub code scanning fails a pull request's check. Security findings (those with a
 * `security-severity`) fail at or above `failOn` (default high); the others at or above
 * `failOnLevel` (default error). A report that is missing or unreadable fails the gate: a scan
 * that did not run is no evidence of safety.
 *
 *     gates: [{ security: reports/*.sarif, failOn: high }]
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import type { GateResult } from '../core/types.ts'
import type { Gate, GateContext } from './gate.ts'
import { globsField, matchFiles, shownPath } from './match-files.ts'
import {
  readSarif,
  SARIF_LEVELS,
  type SarifFinding,
  type SarifLevel,
  SECURITY_SEVERITIES,
  type SecuritySeverity,
} from './sarif.ts'

export const securityGateSchema = z.strictObject({
  /** SARIF files: a glob or a list of globs, relative to the spec's directory. */
  security: globsField(),
  /** Security findings (with a security-severity) at or above this fail the gate; `none`: never. */
  failOn: z.enum([...SECURITY_SEVERITIES, 'none']).default('high'),
  /** Other findings at or above this SARIF level fail the gate; `none`: never. */
  failOnLevel: z.enum([...SARIF_LEVELS, 'none']).default('error'),
})
export type SecurityGateOptions = z.output<typeof securityGateSchema>

/** Rules listed in reasons before the rest are summed up. */
const MAX_RULES = 10
const MAX_LOCATIONS = 3

/** 0 = worst. A finding's rank on its own scale: security severity, else SARIF level. */
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, none: 9 }
const LEVEL_RANK: Record<string, number> = { error: 0, warning: 1, note: 2, none: 9 }

export const securityGate: Gate<SecurityGateOptions> = {
  kind: 'security',
  async evaluate(ctx: GateContext, options: SecurityGateOptions): Promise<GateResult> {
    const files = await matchFiles(options.security, ctx.dir)
    if (files.length === 0) {
      return {
        status: 'fail',
        reasons: [`no SARIF report matches ${options.security.join(', ')} (relative to ${ctx.dir}): did the scan run?`],
      }
    }
    const findings: SarifFinding[] = []
    const unreadable: string[] = []
    for (const file of files) {
      try {
        findings.push(...readSarif(await readFile(file, 'utf8')))
      } catch (error) {
        unreadable.push(`${shownPath(file, ctx.dir)} is not a readable SARIF 2.1.0 log: ${(error as Error).message}`)
      }
    }
    return judgeFindings(findings, options, { files: files.map((f) => shownPath(f, ctx.dir)), unreadable })
  },
}

/** True when the finding is at or above the gate's threshold on its own scale. */
export function failsThreshold(
  finding: SarifFinding,
  options: Pick<SecurityGateOptions, 'failOn' | 'failOnLevel'>,
): boolean {
  if (finding.severity !== undefined) {
    return options.failOn !== 'none' && SEVERITY_RANK[finding.severity]! <= SEVERITY_RANK[options.failOn]!
  }
  return options.failOnLevel !== 'none' && LEVEL_RANK[finding.level]! <= LEVEL_RANK[options.failOnLevel]!
}

/** The gate's decision from findings (pure). */
export function judgeFindings(
  findings: SarifFinding[],
  options: Pick<SecurityGateOptions, 'failOn' | 'failOnLevel'>,
  source: { files: string[]; unreadable: string[] },
): GateResult {
  const failing = findings.filter((f) => failsThreshold(f, options))
  const below = findings.filter((f) => !failsThreshold(f, options) && labelOf(f) !== 'none')
  const counts: Record<string, number> = {}
  for (const f of findings) counts[labelOf(f)] = (counts[labelOf(f)] ?? 0) + 1
  const tools = [...new Set(findings.map((f) => f.tool))]
  const details = { files: source.files, counts, failing: failing.length, tools }
  const threshold = `security severity ${options.failOn}, other findings ${options.failOnLevel}`
  const belowNote = below.length
    ? [`${plural(below.length, 'finding')} below the threshold, not counted (${breakdown(below)})`]
    : []

  if (failing.length || source.unreadable.length) {
    const groups = groupByRule(failing)
    const lines = groups.slice(0, MAX_RULES).map(describeGroup)
    if (groups.length > MAX_RULES) lines.push(`… and ${groups.length - MAX_RULES} more rules`)
    const head = failing.length
      ? [
          `${plural(failing.length, 'finding')} at or above the threshold (${threshold}): ${breakdown(failing)}, in ${source.files.join(', ')}`,
        ]
      : []
    return { status: 'fail', reasons: [...head, ...source.unreadable, ...lines, ...belowNote], details }
  }
  return {
    status: 'pass',
    reasons: [
      `no finding at or above the threshold (${threshold}) in ${plural(source.files.length, 'SARIF report')} (${source.files.join(', ')}${tools.length ? `; ${tools.join(', ')}` : ''})`,
      ...belowNote,
    ],
    details,
  }
}

type RuleGroup = { tool: string; ruleId: string; label: string; score?: number; findings: SarifFinding[] }

function groupByRule(findings: SarifFinding[]): RuleGroup[] {
  const groups = new Map<string, RuleGroup>()
  for (const f of findings) {
    const key = `${f.tool}\u0000${f.ruleId}\u0000${labelOf(f)}`
    let group = groups.get(key)
    if (!group) {
      group = {
        tool: f.tool,
        ruleId: f.ruleId,
        label: labelOf(f),
        ...(f.score !== undefined ? { score: f.score } : {}),
        findings: [],
      }
      groups.set(key, group)
    }
    group.findings.push(f)
  }
  const rank = (g: RuleGroup) =>
    g.findings[0]!.severity !== undefined ? SEVERITY_RANK[g.label]! : 4 + LEVEL_RANK[g.label]!
  return [...groups.values()].sort((a, b) => rank(a) - rank(b) || b.findings.length - a.findings.length)
}

function describeGroup(g: RuleGroup): string {
  const where = g.findings
    .slice(0, MAX_LOCATIONS)
    .map((f) => (f.file ? `${f.file}${f.line !== undefined ? `:${f.line}` : ''}` : 'no location'))
  const more = g.findings.length > MAX_LOCATIONS ? `, … ${g.findings.length - MAX_LOCATIONS} more` : ''
  const score = g.score !== undefined ? `, security-severity ${g.score}` : ''
  const message = g.findings[0]!.message ? ` — ${g.findings[0]!.message}` : ''
  return `${g.label}: ${g.ruleId} (${g.tool}${score}) × ${g.findings.length} at ${where.join(', ')}${more}${message}`
}

/** A finding's severity as GitHub shows it: the security severity when it has one, else its level. */
function labelOf(f: SarifFinding): SecuritySeverity | SarifLevel | 'none' {
  return f.severity ?? f.level
}

function breakdown(findings: SarifFinding[]): string {
  const counts = new Map<string, number>()
  for (const f of findings) counts.set(labelOf(f), (counts.get(labelOf(f)) ?? 0) + 1)
  const order = [...SECURITY_SEVERITIES, ...SARIF_LEVELS] as string[]
  return [...counts]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([label, n]) => `${n} ${label}`)
    .join(', ')
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
