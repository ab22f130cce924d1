/**
 * @module gates/gate-registry
 * The gate kinds Rehearse knows, by the name used in the spec's `gates:` list. Kinds that take
 * options have their schema composed in `gates-schema.ts`.
 */
import { approvalGate } from './approval-gate.ts'
import { canaryGate } from './canary-gate.ts'
import { commandGate } from './command-gate.ts'
import { diffGate } from './diff-gate.ts'
import type { Gate } from './gate.ts'
import { migrationGate } from './migration-gate.ts'
import { piiGate } from './pii-gate.ts'
import { securityGate } from './security-gate.ts'
import { sloGate } from './slo-gate.ts'
import { smokeGate } from './smoke-gate.ts'
import { testsGate } from './tests-gate.ts'
import { webhookGate } from './webhook-gate.ts'

// Each gate is typed by its own options; the spec's schema guarantees an entry's options fit its kind.
const GATES: Record<string, Gate<never>> = {
  smoke: smokeGate,
  canary: canaryGate,
  slo: sloGate,
  security: securityGate,
  tests: testsGate,
  approval: approvalGate,
  command: commandGate,
  webhook: webhookGate,
  diff: diffGate,
  pii: piiGate,
  migration: migrationGate,
}

/** Kinds that stop a release when they fail (the rest hold it for a person to look). */
export const CRITICAL_GATES = new Set(['smoke', 'canary', 'slo', 'pii', 'migration', 'security', 'tests'])

/** The kinds a spec may list in `gates:`. */
export const GATE_KINDS = Object.keys(GATES) as [string, ...string[]]

/** The gate of a kind; its `evaluate` takes the options the kind's entry parsed to. */
export function gateOf(kind: string): Gate<unknown> | undefined {
  return GATES[kind] as Gate<unknown> | undefined
}
