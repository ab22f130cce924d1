/**
 * @module gates/sarif
 * Findings from a SARIF 2.1.0 log (what CodeQL, Semgrep, Trivy, ESLint… write), with the severity
 * GitHub code scanning would show for them:
 *
 * - a rule or result with a `security-severity` property (a CVSS-like score, 0.0–10.0) is a
 *   security finding: 9.0 and above critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low, 0 none;
 * - any other finding keeps its SARIF level: error, warning or note (a result without a level
 *   takes its rule's `defaultConfiguration.level`, else warning; a result whose `kind` is not
 *   `fail` has level none).
 *
 * Suppressed results (a suppression that is accepted or has no status) and results the tool
 * marks as gone (`baselineState: absent`) are not findings, as on GitHub.
 */

export const SECURITY_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const
export type SecuritySeverity = (typeof SECURITY_SEVERITIES)[number]
export const SARIF_LEVELS = ['error', 'warning', 'note'] as const
export type SarifLevel = (typeof SARIF_LEVELS)[number]

export type SarifFinding = {
  tool: string
  ruleId: string
  message: string
  /** error | warning | note | none, after the defaults of SARIF §3.27.10. */
  level: SarifLevel | 'none'
  /** The `security-severity` score, when the rule or result has one. */
  score?: number
  /** GitHub's security severity from the score; 'none' for a score of 0. */
  severity?: SecuritySeverity | 'none'
  /** Where it is: the artifact's URI as the tool wrote it, and the first line of the region. */
  file?: string
  line?: number
}

/** Thrown for a document that is not a SARIF 2.1.0 log; the message says what is wrong. */
export class SarifFormatError extends Error {
  override readonly name = 'SarifFormatError'
}

type Json = Record<string, unknown>
type Rule = { id?: string; defaultLevel?: string; score?: number }

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)
const array = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

/** GitHub's security severity for a `security-severity` score. */
export function severityOfScore(score: number): SecuritySeverity | 'none' {
  if (score >= 9) return 'critical'
  if (score >= 7) return 'high'
  if (score >= 4) return 'medium'
  if (score > 0) return 'low'
  return 'none'
}

/** Every finding of a SARIF log given as text. Throws SarifFormatError for anything else. */
export function readSarif(text: string): SarifFinding[] {
  let log: unknown
  try {
    log = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    throw new SarifFormatError(`not JSON (${(error as Error).message})`)
  }
  if (!isObject(log)) throw new SarifFormatError('not a SARIF log (the document is not an object)')
  if (log['version'] !== '2.1.0') {
    throw new SarifFormatError(`not SARIF 2.1.0 (version is ${JSON.stringify(log['version'] ?? null)})`)
  }
  if (!Array.isArray(log['runs'])) throw new SarifFormatError('not a SARIF log (it has no runs array)')
  return log['runs'].flatMap((run, i) => {
    if (!isObject(run)) throw new SarifFormatError(`runs[${i}] is not an object`)
    return readRun(run)
  })
}

function readRun(run: Json): SarifFinding[] {
  const tool = isObject(run['tool']) ? run['tool'] : {}
  const driver = isObject(tool['driver']) ? tool['driver'] : {}
  const toolName = typeof driver['name'] === 'string' ? driver['name'] : 'unknown tool'
  // Rules live in the driver and in extensions (CodeQL query packs); toolComponent index 0 is the
  // first extension, the driver is addressed without one.
  const components = [driver, ...array(tool['extensions']).filter(isObject)]
  const rules = components.map((c) => array(c['rules']).map(readRule))
  const byId = new Map<string, Rule>()
  for (const list of rules) for (const rule of list) if (rule.id && !byId.has(rule.id)) byId.set(rule.id, rule)
  const artifacts = array(run['artifacts'])

  const findings: SarifFinding[] = []
  for (const result of array(run['results'])) {
    if (!isObject(result) || isSuppressed(result) || result['baselineState'] === 'absent') continue
    const rule = ruleOf(result, rules, byId)
    const ruleId = stringOr(result['ruleId'], rule?.id, isObject(result['rule']) ? result['rule']['id'] : undefined)
    const kind = typeof result['kind'] === 'string' ? result['kind'] : 'fail'
    const level =
      kind !== 'fail' ? 'none' : (normaliseLevel(result['level']) ?? normaliseLevel(rule?.defaultLevel) ?? 'warning')
    const score = scoreOf(result['properties']) ?? rule?.score
    const where = locationOf(result, artifacts)
    findings.push({
      tool: toolName,
      ruleId: ruleId ?? '(no rule id)',
      message: messageOf(result),
      level,
      ...(score !== undefined ? { score, severity: severityOfScore(score) } : {}),
      ...where,
    })
  }
  return findings
}

function readRule(value: unknown): Rule {
  if (!isObject(value)) return {}
  const config = isObject(value['defaultConfiguration']) ? value['defaultConfiguration'] : {}
  const score = scoreOf(value['properties'])
  return {
    ...(typeof value['id'] === 'string' ? { id: value['id'] } : {}),
    ...(typeof config['level'] === 'string' ? { defaultLevel: config['level'] } : {}),
    ...(score !== undefined ? { score } : {}),
  }
}

function ruleOf(result: Json, rules: Rule[][], byId: Map<string, Rule>): Rule | undefined {
  const ref = isObject(result['rule']) ? result['rule'] : undefined
  const component = isObject(ref?.['toolComponent']) ? ref['toolComponent'] : undefined
  const list = typeof component?.['index'] === 'number' ? rules[component['index'] + 1] : rules[0]
  const index = typeof ref?.['index'] === 'number' ? ref['index'] : result['ruleIndex']
  if (typeof index === 'number' && list?.[index]) return list[index]
  const id = typeof result['ruleId'] === 'string' ? result['ruleId'] : ref?.['id']
  // A hierarchical id ("CA2000/1") is a sub-rule of the rule before the slash.
  return typeof id === 'string' ? (byId.get(id) ?? byId.get(id.split('/')[0]!)) : undefined
}

function isSuppressed(result: Json): boolean {
  return array(result['suppressions']).some(
    (s) => isObject(s) && (s['status'] === undefined || s['status'] === 'accepted'),
  )
}

function normaliseLevel(level: unknown): SarifLevel | 'none' | undefined {
  return level === 'error' || level === 'warning' || level === 'note' || level === 'none' ? level : undefined
}

/** `security-severity` is a string in the spec's examples ("8.8"); some tools write a number. */
function scoreOf(properties: unknown): number | undefined {
  if (!isObject(properties)) return undefined
  const raw = properties['security-severity']
  const score = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() ? Number(raw) : Number.NaN
  return Number.isFinite(score) && score >= 0 && score <= 10 ? score : undefined
}

function messageOf(result: Json): string {
  const message = isObject(result['message']) ? result['message'] : {}
  const text =
    typeof message['text'] === 'string' ? message['text'] : typeof message['id'] === 'string' ? message['id'] : ''
  // Markdown-ish links "[text](1)" read as their text; one line is enough for a reason.
  return text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .split('\n')[0]!
    .trim()
}

function locationOf(result: Json, artifacts: unknown[]): { file?: string; line?: number } {
  const location = array(result['locations']).find(isObject)
  const physical = isObject(location?.['physicalLocation']) ? location['physicalLocation'] : undefined
  if (!physical) return {}
  const artifact = isObject(physical['artifactLocation']) ? physical['artifactLocation'] : {}
  let uri = typeof artifact['uri'] === 'string' ? artifact['uri'] : undefined
  if (uri === undefined && typeof artifact['index'] === 'number') {
    const listed = artifacts[artifact['index']]
    const listedLocation = isObject(listed) && isObject(listed['location']) ? listed['location'] : {}
    if (typeof listedLocation['uri'] === 'string') uri = listedLocation['uri']
  }
  const region = isObject(physical['region']) ? physical['region'] : {}
  const line = typeof region['startLine'] === 'number' ? region['startLine'] : undefined
  return {
    ...(uri !== undefined ? { file: uri.replace(/^file:\/\//, '') } : {}),
    ...(line !== undefined ? { line } : {}),
  }
}

function stringOr(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === 'string' && v.length > 0)
}
