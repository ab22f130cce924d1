/**
 * @module cli/commands/capture
 * `rehearse capture import FILE -o OUT`, `rehearse capture inspect FILE` and `rehearse replay FILE
 * --target URL`: captures of real traffic made from HAR and GoReplay files, summarised, and
 * replayed at one or more targets (three of them: the three-way response diff). Exit 0, or 1 when
 * a replay's diff finds a difference; malformed input exits 2 with its line.
 */
import { relative, resolve } from 'node:path'
import type { Command } from 'commander'
import { RehearseError } from '../../core/errors.ts'
import { formatDuration, parsePercent, parseSize } from '../../core/units.ts'
import { runStandaloneReplay } from '../../rehearsal/standalone-replay.ts'
import { IMPORT_FORMATS, type ImportFormat, importCapture } from '../../traffic/capture/import-capture.ts'
import { formatCaptureSummary, inspectCapture } from '../../traffic/capture/inspect-capture.ts'
import type { CliContext } from '../main.ts'
import { type Output, paint, table } from '../output.ts'

type ImportFlags = {
  output: string
  format?: string
  origin?: string[]
  sample?: string
  stickyHeader?: string
  maxBodySize?: string
  keyEnv?: string
  jwtClaim?: string[]
  jsonPath?: string[]
}

type ReplayFlags = {
  target: string[]
  speed?: string
  rate?: string
  jwtKeyEnv?: string
  login?: string
  shiftTimestamps: boolean
  timeout?: string
  connections?: number
  limit?: number
  minRequests?: number
}

const collect = (value: string, previous: string[] = []) => [...previous, value]
const integer = (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw usage(`${value} is not a whole number above 0`)
  return n
}

function usage(message: string): RehearseError {
  return new RehearseError('CLI_USAGE', message, { hint: 'See `rehearse capture --help` or `rehearse replay --help`.' })
}

/** A path as given, relative to where the user stands when `-C` moved the project directory. */
function pathIn(ctx: CliContext, path: string): string {
  return relative(process.cwd(), resolve(ctx.cwd, path)) || path
}

export function registerCaptureCommands(
  program: Command,
  context: (c: Command) => CliContext,
  setExit: (code: number) => void,
): void {
  const capture = program.command('capture').description('captures of real traffic: import HAR/GoReplay, inspect')

  capture
    .command('import <file>')
    .description('convert a HAR or GoReplay file (or a capture) into a redacted capture')
    .requiredOption('-o, --output <file>', 'the capture to write (.jsonl, or .jsonl.gz to compress)')
    .option('--format <format>', `input format: ${IMPORT_FORMATS.join(', ')} (default: recognised from the content)`)
    .option('--origin <url>', 'keep only requests to this origin (HAR; repeatable)', collect)
    .option('--sample <pct>', 'share of requests kept, e.g. 10%')
    .option('--sticky-header <name>', 'sample by this header, so a user is kept whole or not at all')
    .option('--max-body-size <size>', 'bodies are cut here, e.g. 64KiB (default 1MiB)')
    .option('--key-env <name>', 'environment variable holding the HMAC key (default: a random key per capture)')
    .option('--jwt-claim <claim>', 'a JWT claim carried in its token, for re-signing at replay (repeatable)', collect)
    .option('--json-path <glob>', 'another JSON path whose value is redacted, e.g. user.address (repeatable)', collect)
    .action(async (file: string, flags: ImportFlags, command: Command) => {
      const ctx = context(command)
      if (flags.format !== undefined && !(IMPORT_FORMATS as readonly string[]).includes(flags.format))
        throw usage(`--format must be one of ${IMPORT_FORMATS.join(', ')}, not ${JSON.stringify(flags.format)}`)
      const rate = flags.sample === undefined ? undefined : parsePercent(flags.sample)
      if (flags.sample !== undefined && rate === undefined) throw usage(`--sample ${flags.sample} is not a percentage`)
      const maxBodyBytes = flags.maxBodySize === undefined ? undefined : parseSize(flags.maxBodySize)
      if (flags.maxBodySize !== undefined && !maxBodyBytes)
        throw usage(`--max-body-size ${flags.maxBodySize} is not a size`)
      const key = flags.keyEnv === undefined ? undefined : process.env[flags.keyEnv]
      if (flags.keyEnv !== undefined && (key === undefined || key.length < 16))
        throw usage(`the environment variable ${flags.keyEnv} must hold a key of at least 16 characters`)
      const result = await importCapture(pathIn(ctx, file), pathIn(ctx, flags.output), {
        ...(flags.format ? { format: flags.format as ImportFormat } : {}),
        ...(flags.origin ? { origins: flags.origin } : {}),
        ...(maxBodyBytes ? { maxBodyBytes } : {}),
        sampling: {
          ...(rate === undefined ? {} : { rate }),
          ...(flags.stickyHeader ? { stickyHeader: flags.stickyHeader } : {}),
        },
        redaction: {
          ...(key ? { key } : {}),
          ...(flags.jwtClaim ? { jwtClaims: flags.jwtClaim } : {}),
          ...(flags.jsonPath ? { jsonPaths: flags.jsonPath } : {}),
        },
        signal: ctx.signal,
      })
      if (ctx.output.json) ctx.output.out(JSON.stringify(result, null, 2))
      else {
        const skipped = Object.entries(result.skipped).map(([why, n]) => `${n} ${why}`)
        const redacted = Object.entries(result.redactions)
          .map(([rule, n]) => `${rule} ${n}`)
          .join(', ')
        ctx.output.out(
          `wrote ${result.output}: ${result.exchanges} exchanges from ${result.read} ${result.format === 'har' ? 'HAR entries' : result.format === 'gor' ? 'GoReplay payloads' : 'exchanges'}${result.creator ? ` (${result.creator})` : ''}`,
        )
        if (result.sampledOut) ctx.output.out(`  sampled out: ${result.sampledOut}`)
        if (skipped.length) ctx.output.out(`  skipped: ${skipped.join(', ')}`)
        if (result.withoutResponse) ctx.output.out(`  without a response: ${result.withoutResponse}`)
        ctx.output.out(`  redacted: ${redacted || 'nothing'}`)
      }
      setExit(0)
    })

  capture
    .command('inspect <file>')
    .description('summarise a capture: routes, methods, rates, sizes, redactions')
    .action(async (file: string, _flags: unknown, command: Command) => {
      const ctx = context(command)
      const summary = await inspectCapture(pathIn(ctx, file), { signal: ctx.signal })
      ctx.output.out(ctx.output.json ? JSON.stringify(summary, null, 2) : formatCaptureSummary(summary))
      setExit(0)
    })

  program
    .command('replay <file>')
    .description(
      'replay a capture at one or more targets; with three (baseline, secondary, candidate), diff their answers',
    )
    .requiredOption('--target <url>', 'a target, URL or name=URL (repeatable; every request goes to each)', collect)
    .option('--speed <factor>', 'recorded timing divided by this, e.g. 2x (default 1x)')
    .option('--rate <rate>', 'mean rate instead, e.g. 50/s (the recorded gaps keep their proportions)')
    .option(
      '--jwt-key-env <name>',
      'environment variable holding the staging HS256 key: captured JWTs are re-signed with it',
    )
    .option('--login <command>', 'command printing the staging credential of $REHEARSE_IDENTITY, run once per identity')
    .option('--no-shift-timestamps', 'send timestamps as recorded (default: moved by the record-to-replay offset)')
    .option('--timeout <duration>', 'per-request timeout (default 10s)')
    .option('--connections <n>', 'keep-alive connections per target (default 64)', integer)
    .option('--limit <n>', 'replay at most this many exchanges', integer)
    .option('--min-requests <n>', 'requests an endpoint needs before the diff judges it (default 10)', integer)
    .action(async (file: string, flags: ReplayFlags, command: Command) => {
      const ctx = context(command)
      const live = ctx.output.tty && !ctx.output.json
      const { replay, diff } = await runStandaloneReplay({
        file,
        cwd: ctx.cwd,
        targets: flags.target,
        speed: flags.speed,
        rate: flags.rate,
        jwtKeyEnv: flags.jwtKeyEnv,
        login: flags.login,
        shiftTimestamps: flags.shiftTimestamps,
        timeout: flags.timeout,
        connections: flags.connections,
        limit: flags.limit,
        minRequests: flags.minRequests,
        signal: ctx.signal,
        onProgress: (p) => {
          const line = `replay ${formatDuration(p.elapsedMs)}/${formatDuration(p.totalMs)} · ${p.sent}/${p.total} sent · ${p.inFlight} in flight`
          if (live) process.stderr.write(`\r\u001b[K${paint(ctx.output, 'gray', line)}`)
          else if (!ctx.output.json) ctx.output.err(line)
        },
      })
      if (live) process.stderr.write('\r\u001b[K')
      if (ctx.output.json) ctx.output.out(JSON.stringify({ replay, ...(diff ? { diff } : {}) }, null, 2))
      else renderReplay(ctx.output, replay, diff)
      setExit(diff?.gate.status === 'fail' ? 1 : 0)
    })
}

type ReplayOutcome = Awaited<ReturnType<typeof runStandaloneReplay>>

function renderReplay(output: Output, replay: ReplayOutcome['replay'], diff: ReplayOutcome['diff']): void {
  const skipped = Object.values(replay.skipped).reduce((a, b) => a + b, 0)
  output.out(
    `replayed ${replay.replayed} of ${replay.exchanges} exchanges from ${replay.file} in ${formatDuration(replay.elapsedMs)} (${skipped} skipped, ${replay.dropped} dropped)`,
  )
  for (const [why, n] of Object.entries(replay.skipped)) output.out(paint(output, 'gray', `  skipped ${n}: ${why}`))
  const asked =
    replay.requestedRate === undefined ? `speed ${replay.speed}x` : `asked ${replay.requestedRate.toFixed(1)}/s`
  output.out(
    `  rate: recorded ${replay.recordedRate.toFixed(1)}/s, ${asked}, achieved ${replay.achievedRate.toFixed(1)}/s; ${replay.late} late, ${replay.heldForSession} held for their session (${replay.sessions} sessions)`,
  )
  if (replay.identities) output.out(`  staging credentials for ${replay.identities} identities`)
  const rows = [['target', 'sent', 'answers', 'errors', 'statuses', 'p50', 'p99']]
  for (const t of replay.targets) {
    rows.push([
      t.name,
      String(t.sent),
      String(t.responses),
      String(t.errors),
      Object.entries(t.byStatus)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ') || '-',
      t.latencyMs ? formatDuration(t.latencyMs.p50) : '-',
      t.latencyMs ? formatDuration(t.latencyMs.p99) : '-',
    ])
  }
  output.out(table(rows, output))
  if (!diff) return
  const status = diff.gate.status
  const colour = status === 'pass' ? 'green' : status === 'fail' ? 'red' : 'yellow'
  output.out(`diff: ${paint(output, colour, status.toUpperCase())} — ${diff.gate.reasons[0] ?? ''}`)
  for (const reason of diff.gate.reasons.slice(1)) output.out(`  ${reason}`)
  for (const f of diff.findings.slice(0, 10)) {
    output.out(paint(output, 'gray', `  e.g. ${f.endpoint} ${f.path}: ${f.example.primary} → ${f.example.candidate}`))
  }
}
