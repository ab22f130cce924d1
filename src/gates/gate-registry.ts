/**
 * @module gates/gate-registry
 * The gate kinds Rehearse knows, by the name used in the spec's `gates:` list.
 */
import { canaryGate } from './canary-gate.ts'
import type { Gate } from './gate.ts'
import { sloGate } from './slo-gate.ts'
import { smokeGate } from './smoke-gate.ts'

const GATES: Record<string, Gate> = {
  smoke: smokeGate,
  canary: canaryGate,
  slo: sloGate,
}

/** Kinds that stop a release when they fail (the rest hold it for a person to look). */
export const CRITICAL_GATES = new Set(['smoke', 'canary', 'slo', 'pii'])

/** The kinds a spec may list in `gates:`. */
export const GATE_KINDS = Object.keys(GATES) as [string, ...string[]]

export function gateOf(kind: string): Gate | undefined {
  return GATES[kind]
}
