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
  DRIVER_ENVIRONMENT_EXISTS: input,

  // --- store --------------------------------------------------------------------------------
  STORE_UNAVAILABLE: infra,
  STORE_MIGRATION_FAILED: infra,
  STORE_NOT_FOUND: input,
  STORE_INVALID_URL: input,

  // --- rehearsal ----------------------------------------------------------------------------
  REHEARSAL_NOT_RESUMABLE: input,

  // --- report (rehearsal/report) -------------------------------------------------------------
  REPORT_OUTPUT_UNWRITABLE: input,

  // --- telemetry ----------------------------------------------------------------------------
  TELEMETRY_UNKNOWN_METRIC: input,
  TELEMETRY_PROMETHEUS_URL: input,
  TELEMETRY_PROMETHEUS_AUTH: input,
  TELEMETRY_PROMETHEUS_QUERY: input,
  TELEMETRY_PROMETHEUS_UNREACHABLE: infra,
  TELEMETRY_PROMETHEUS_TIMEOUT: infra,
  TELEMETRY_PROMETHEUS_RESPONSE: infra,

  // --- traffic ------------------------------------------------------------------------------
  TRAFFIC_TEMPLATE: input,
  TRAFFIC_TEMPLATE_FILE: input,
  TRAFFIC_PLAN_INVALID: input,
  TRAFFIC_NO_TARGET: input,
  TRAFFIC_UNKNOWN_TARGET: input,
  TRAFFIC_PROXY_INVALID_OPTIONS: input,
  TRAFFIC_PROXY_LISTEN_FAILED: infra,
  TRAFFIC_FAULT_INVALID: input,
  TRAFFIC_FAULT_EXISTS: input,
  TRAFFIC_FAULT_NOT_FOUND: input,
  CAPTURE_MALFORMED: input,
  CAPTURE_HAR_INVALID: input,
  CAPTURE_GOR_INVALID: input,
  CAPTURE_FORMAT_UNKNOWN: input,
  CAPTURE_OUTPUT_UNWRITABLE: input,
  CAPTURE_WRITE_FAILED: infra,
  SHADOW_INVALID_OPTIONS: input,
  REPLAY_INVALID_OPTIONS: input,
  REPLAY_EMPTY: input,
  REPLAY_AUTH_INVALID: input,
  REPLAY_LOGIN_FAILED: infra,

  // --- analysis / gates ---------------------------------------------------------------------
  ANALYSIS_INVALID_CONFIG: input,
  ANALYSIS_DATA_SHAPE: input,
  DIFF_INVALID_PATTERN: input,
  GATE_APPROVAL_CLOSED: input,
  ACTION_FAILED: infra,
  JUDGE_FORMAT: input,
  JUDGE_BAD_VALUE: input,
  JUDGE_EMPTY: input,
  JUDGE_NO_COLUMN: input,

  // --- data ---------------------------------------------------------------------------------
  DATA_URL_INVALID: input,
  DATA_ENGINE_MISMATCH: input,
  DATA_SAME_SOURCE_TARGET: input,
  DATA_KEY_MISSING: input,
  DATA_KEY_WEAK: input,
  DATA_UNCOVERED_COLUMNS: input,
  DATA_UNKNOWN_COLUMN: input,
  DATA_POLICY_CONFLICT: input,
  DATA_TRANSFORMER_INVALID: input,
  DATA_CUSTOM_TRANSFORMER: input,
  DATA_TRANSFORM_FAILED: input,
  DATA_SUBSET_INVALID: input,
  DATA_UNSUPPORTED: input,
  DATA_LEAK_FILTER_INVALID: input,
  DATA_CONNECT_FAILED: infra,
  DATA_SOURCE_READ_FAILED: infra,
  DATA_LOAD_FAILED: infra,
  DATA_PUBLISH_FAILED: infra,
  DATA_MIGRATION_SPAWN_FAILED: infra,
  DATA_NOT_CONFIGURED: input,
  DATA_PREPARE_FAILED: infra,
} as const satisfies Record<string, CodeInfo>

export type ErrorCode = keyof typeof ERROR_CODES
