/**
 * @module gates/gates-schema
 * The spec's `gates:` list: each entry is a kind's name, or a mapping with the kind as its key
 * and the kind's options beside it. Kinds come from the registry; those that take options bring
 * their own schema.
 *
 *     gates:
 *       - smoke
 *       - canary
 *       - { security: reports/*.sarif, failOn: high }
 *       - { tests: reports/junit/*.xml }
 *       - { command: ./check.sh, timeout: 60s }
 *       - { webhook: https://ci.example.com/check, expect: { status: 200, body: ok } }
 *       - approval
 */
import { z } from 'zod'
import { commandSchema } from './command-gate.ts'
import { GATE_KINDS } from './gate-registry.ts'
import { type KeyedKind, keyedEntrySchema } from './keyed-entry.ts'
import { securityGateSchema } from './security-gate.ts'
import { testsGateSchema } from './tests-gate.ts'
import { webhookSchema } from './webhook-gate.ts'

/** Kinds with options, with an example of how to write them. */
const WITH_OPTIONS: Record<string, KeyedKind> = {
  security: { schema: securityGateSchema, example: '{ security: reports/*.sarif, failOn: high }' },
  tests: { schema: testsGateSchema, example: '{ tests: reports/junit/*.xml }' },
  command: { schema: commandSchema, example: '{ command: ./check.sh, timeout: 60s }' },
  webhook: { schema: webhookSchema, example: '{ webhook: https://ci.example.com/check, expect: { status: 200 } }' },
}

const KINDS: Record<string, KeyedKind> = Object.fromEntries(
  GATE_KINDS.map((kind) => [kind, WITH_OPTIONS[kind] ?? { example: kind }]),
)

/** One entry of `gates:`. Parses to `{ kind, options }` (options undefined for bare kinds). */
export const gateEntrySchema = keyedEntrySchema('gate', KINDS)

/** The `gates:` list; `[smoke]` when absent. */
export const gatesSchema = z.array(gateEntrySchema).prefault(['smoke'])

/** A parsed gate entry: its kind and the options its gate takes. */
export type GateEntry = { kind: string; options: unknown }
