/**
 * @module gates/smoke-gate
 * The smoke gate: every smoke request answered by the candidate with the expected status. A
 * baseline that fails its own smoke checks makes the comparison unreliable: that is a warning.
 */
import type { GateResult } from '../core/types.ts'
import type { Gate, GateContext, SmokeResult } from './gate.ts'

const describe = (r: SmokeResult) =>
  `${r.method} ${r.path} on ${r.instance} answered ${r.status === 0 ? `nothing (${r.error ?? 'no response'})` : r.status}, expected ${r.expected}`

export const smokeGate: Gate = {
  kind: 'smoke',
  supportsReplay: true,
  async evaluate(ctx: GateContext): Promise<GateResult> {
    const results = ctx.smoke
    if (!results) return { status: 'fail', reasons: ['the smoke checks did not run'] }
    if (results.length === 0) return { status: 'pass', reasons: ['no smoke checks are configured'] }
    const failed = results.filter((r) => r.status !== r.expected)
    const candidate = failed.filter((r) => r.version === 'candidate')
    const others = failed.filter((r) => r.version !== 'candidate')
    const passed = results.length - failed.length
    if (candidate.length) {
      return { status: 'fail', reasons: candidate.map(describe), details: { results } }
    }
    if (others.length) {
      return {
        status: 'warn',
        reasons: [...others.map(describe), 'the baseline fails its own smoke checks: the comparison is unreliable'],
        details: { results },
      }
    }
    return { status: 'pass', reasons: [`all ${passed} smoke requests answered as expected`], details: { results } }
  },
}
