/**
 * @module cli/progress
 * Live progress of a rehearsal, read from its events: on a terminal, finished steps as lines and
 * one status line with a spinner and a timer for the step under way; elsewhere (CI, pipes), plain
 * lines only. Quiet about the hot path: it shows steps, services and judgements, not requests.
 */
import { formatDuration } from '../core/units.ts'
import type { NewEvent } from '../store/store.ts'
import { type Output, paint } from './output.ts'

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export type Progress = { onEvent(event: NewEvent): void; stop(): void }

export function createProgress(output: Output): Progress {
  const live = output.tty && !output.json
  let current: { step: string; started: number; detail: string } | undefined
  let frame = 0
  let timer: NodeJS.Timeout | undefined
  const write = (text: string) => process.stderr.write(text)
  const clearLine = () => live && write('\r\u001b[K')
  const drawStatus = () => {
    if (!live || !current) return
    const elapsed = formatDuration(Date.now() - current.started)
    clearLine()
    write(
      `${paint(output, 'cyan', FRAMES[frame++ % FRAMES.length]!)} ${current.step} ${paint(output, 'gray', elapsed)}${current.detail ? paint(output, 'gray', `  ${current.detail}`) : ''}`,
    )
  }
  const line = (text: string) => {
    if (output.json) return
    clearLine()
    write(`${text}\n`)
    drawStatus()
  }
  if (live) timer = setInterval(drawStatus, 100).unref()

  const onEvent = (event: NewEvent) => {
    const data = (event.data ?? {}) as Record<string, unknown>
    switch (event.type) {
      case 'rehearsal.started':
        line(paint(output, 'bold', `rehearsal ${event.rehearsalId} — ${String(data['project'])}`))
        break
      case 'step.started':
        current = { step: String(data['step']), started: Date.now(), detail: '' }
        if (!live) line(`▸ ${String(data['step'])}`)
        drawStatus()
        break
      case 'step.finished':
        current = undefined
        line(
          `${paint(output, 'green', '✓')} ${String(data['step'])} ${paint(output, 'gray', formatDuration(Number(data['ms'])))}`,
        )
        break
      case 'step.failed': {
        current = undefined
        const error = data['error'] as { code?: string; message?: string } | undefined
        line(
          `${paint(output, 'red', '✗')} ${String(data['step'])} ${paint(output, 'gray', `— ${error?.message ?? 'failed'}`)}`,
        )
        break
      }
      case 'step.skipped':
        if (current?.step === data['step']) current = undefined
        line(`${paint(output, 'gray', `- ${String(data['step'])} skipped: ${String(data['reason'])}`)}`)
        break
      case 'service.ready':
        if (current) current.detail = `${String(data['instance'])} ready`
        line(
          paint(output, 'gray', `    ${String(data['instance'])} healthy after ${formatDuration(Number(data['ms']))}`),
        )
        break
      case 'service.crashed':
        line(
          paint(
            output,
            'red',
            `    ${String(data['instance'])} crashed (exit ${String(data['exitCode'])}${data['signal'] ? `, ${String(data['signal'])}` : ''})`,
          ),
        )
        break
      case 'smoke.result': {
        const ok = data['status'] === data['expected']
        if (!ok) {
          line(
            paint(
              output,
              'yellow',
              `    ${String(data['method'])} ${String(data['path'])} on ${String(data['instance'])} → ${String(data['status'] || data['error'])} (expected ${String(data['expected'])})`,
            ),
          )
        }
        break
      }
      case 'phase.started':
        if (current) current.detail = `phase ${String(data['name'])}`
        line(
          paint(
            output,
            'gray',
            `    phase ${String(data['name'])}${data['rate'] ? ` at ${String(data['rate'])}/s` : ''}${data['durationMs'] ? ` for ${formatDuration(Number(data['durationMs']))}` : ''}`,
          ),
        )
        break
      case 'data.table':
        if (current) current.detail = `${String(data['table'])} ${String(data['rows'])} rows`
        if (!live) line(paint(output, 'gray', `    ${String(data['table'])}: ${String(data['rows'])} rows`))
        break
      case 'data.synced': {
        const totals = data['totals'] as { tables: number; rows: number } | undefined
        line(paint(output, 'gray', `    masked copy: ${totals?.tables} tables, ${totals?.rows} rows`))
        break
      }
      case 'traffic.progress':
        if (current) current.detail = String(data['line'] ?? '')
        break
      case 'gate.evaluated': {
        const status = String(data['status'])
        const colour = status === 'pass' ? 'green' : status === 'fail' ? 'red' : 'yellow'
        const reasons = (data['reasons'] as string[] | undefined) ?? []
        line(
          `    ${paint(output, colour, status.padEnd(4))} ${String(data['kind'])}${reasons[0] ? paint(output, 'gray', ` — ${reasons[0]}`) : ''}`,
        )
        break
      }
      default:
        break
    }
  }
  return {
    onEvent,
    stop() {
      if (timer) clearInterval(timer)
      current = undefined
      clearLine()
    },
  }
}
