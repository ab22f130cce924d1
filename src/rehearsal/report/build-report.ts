/**
 * @module rehearsal/report/build-report
 * The report's I/O: reads a rehearsal's record, events and series from the store, renders the HTML
 * report or the JUnit file, and writes it atomically. `rehearse report <id>` and
 * `rehearse run --junit FILE` call these.
 */
import { join } from 'node:path'
import type { Store } from '../../store/store.ts'
import { renderJunit } from './render-junit.ts'
import { renderReport } from './render-report.ts'
import type { ReportInput } from './report-input.ts'
import { writeFileAtomic } from './write-atomic.ts'

/** The event types the report reads; the store is asked for these only (not the sample batches). */
export const REPORT_EVENT_TYPES = [
  'rehearsal.started',
  'rehearsal.finished',
  'environment.planned',
  'service.ready',
  'service.crashed',
  'smoke.result',
  'phase.started',
  'traffic.finished',
  'telemetry.distribution',
  'analysis.canary',
  'analysis.slo',
  'gate.evaluated',
  'verdict',
  'step.started',
  'step.finished',
  'step.failed',
  'step.skipped',
]

/** Where `rehearse report` writes by default: `<project>/.rehearse/reports/<id>.html`. */
export function defaultReportPath(projectDir: string, id: string): string {
  return join(projectDir, '.rehearse', 'reports', `${id}.html`)
}

/** Reads what the report is made from. STORE_NOT_FOUND for an unknown or ambiguous id prefix. */
export async function readReportInput(store: Store, idOrPrefix: string): Promise<ReportInput> {
  const record = await store.findRehearsal(idOrPrefix)
  const [events, series] = await Promise.all([
    store.readEvents(record.id, { types: REPORT_EVENT_TYPES }),
    store.readSeries(record.id),
  ])
  return { record, events, series }
}

/** The HTML report of a rehearsal (full id or unique prefix). */
export async function buildReport(store: Store, idOrPrefix: string): Promise<string> {
  return renderReport(await readReportInput(store, idOrPrefix))
}

/**
 * Renders the report and writes it to `outFile` atomically (its directory is created).
 * Returns the rehearsal's full id and the file. REPORT_OUTPUT_UNWRITABLE when it cannot be written.
 */
export async function writeReport(
  store: Store,
  idOrPrefix: string,
  outFile: string,
): Promise<{ id: string; file: string }> {
  const input = await readReportInput(store, idOrPrefix)
  await writeFileAtomic(outFile, renderReport(input))
  return { id: input.record.id, file: outFile }
}

/** Renders the JUnit XML of a rehearsal and writes it to `file` atomically. */
export async function writeJunit(
  store: Store,
  idOrPrefix: string,
  file: string,
): Promise<{ id: string; file: string }> {
  const input = await readReportInput(store, idOrPrefix)
  await writeFileAtomic(file, renderJunit(input))
  return { id: input.record.id, file }
}
