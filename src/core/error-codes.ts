/**
 * @module core/error-codes
 * Every stable error code Rehearse can print, with the exit code it maps to. `docs/errors.md`
 * lists each of them (a test keeps the two in step). Codes are grouped by the module that throws
 * them; each module edits only its own section.
 *
 * Exit codes: 2 — the user's input is wrong (spec, flags, files); 3 — the infrastructure failed.
 * (0 and 1 are verdicts, not errors.)
 */

export const EXIT = { promote: 0, gateFailed: 1, badInput: 2, infrastructure: 3 } as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

type CodeInfo = { readonly exit: 2 | 3 }
const input = { exit: 2 } as const satisfies CodeInfo
const infra = { exit: 3 } as const satisfies CodeInfo

export const ERROR_CODES = {
  // --- core / cli -------------------------------------------------------------------------------
  INTERNAL: infra,
  CLI_USAGE: input,
  CLI_NOT_FOUND: input,
  FILE_NOT_FOUND: input,
  FILE_EXISTS: input,
  INTERRUPTED: infra,

  // --- spec ---------------------------------------------------------------------------------
  SPEC_NOT_FOUND: input,
  SPEC_YAML: input,
  SPEC_UNKNOWN_KEY: input,
  SPEC_INVALID: input,
  SPEC_DUPLICATE_PORT: input,
  SPEC_UNKNOWN_SERVICE: input,
  SPEC_DEPENDENCY_CYCLE: input,
  SPEC_UNKNOWN_REFERENCE: input,
  SPEC_MISSING_ENV: input,

  // --- drivers ------------------------------------------------------------------------------
  DRIVER_PORT_IN_USE: infra,
  DRIVER_SPAWN_FAILED: infra,
  DRIVER_UNHEALTHY: infra,
  DRIVER_SERVICE_CRASHED: infra,
  DRIVER_NO_ENVIRONMENT: input,
  DRIVER_UNKNOWN_SERVICE: input,

  // --- store --------------------------------------------------------------------------------
  STORE_UNAVAILABLE: infra,
  STORE_MIGRATION_FAILED: infra,
  STORE_NOT_FOUND: input,

  // --- rehearsal ----------------------------------------------------------------------------
  REHEARSAL_NOT_RESUMABLE: input,

  // --- telemetry ----------------------------------------------------------------------------

  // --- traffic ------------------------------------------------------------------------------

  // --- analysis / gates ---------------------------------------------------------------------

  // --- data ---------------------------------------------------------------------------------
} as const satisfies Record<string, CodeInfo>

export type ErrorCode = keyof typeof ERROR_CODES
