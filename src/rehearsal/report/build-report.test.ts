/**
 * The report's I/O against a real store (the embedded SQLite one, in a temporary project): what
 * goes into the event log comes back out as the same report, files are written whole, and a
 * path that cannot be written is a REPORT_OUTPUT_UNWRITABLE error that leaves nothing behind.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isRehearseError } from '../../core/errors.ts'
import { openStore } from '../../store/open-store.ts'
import type { Store } from '../../store/store.ts'
import { buildReport, defaultReportPath, readReportInput, writeJunit, writeReport } from './build-report.ts'
import { renderJunit } from './render-junit.ts'
import type { ReportInput } from './report-input.ts'
import { earlyFailureFixture, rollbackFixture } from './testing/report-fixture.ts'

let dir: string
let store: Store

/** Stores a fixture as a rehearsal would have: record, events in order, series. */
async function save(input: ReportInput): Promise<void> {
  const { finishedAt, verdict, exitCode, summary, ...created } = input.record
  await store.createRehearsal(created)
  await store.appendEvents(input.events.map(({ seq: _seq, ...event }) => event))
  // Events the report does not read (sample batches can be most of a log).
  await store.appendEvents(
    Array.from({ length: 50 }, (_, i) => ({
      rehearsalId: input.record.id,
      at: input.record.createdAt,
      type: 'sample.batch',
      data: { n: i, samples: [[1, 2, 3]] },
    })),
  )
  await store.writeSeries(input.series)
  await store.updateRehearsal(input.record.id, { finishedAt, verdict, exitCode, summary, status: input.record.status })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-build-report-'))
  store = await openStore({ cwd: dir, env: {} })
  await save(rollbackFixture())
  await save(earlyFailureFixture())
})

afterAll(async () => {
  await store?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('reading a rehearsal from the store', () => {
  it('reads back what the run wrote, without the events the report does not need', async () => {
    const fixture = rollbackFixture()
    const input = await readReportInput(store, 'r_0jq7k2m9')
    expect(input.record).toEqual(fixture.record)
    expect(input.events.map((e) => e.type)).toEqual(fixture.events.map((e) => e.type))
    expect(input.events.some((e) => e.type === 'sample.batch')).toBe(false)
    expect(input.series).toHaveLength(fixture.series.length)
    // The same log gives the same judgement, whether it came from the store or not.
    expect(renderJunit(input)).toBe(renderJunit(fixture))
  })

  it('builds the report by id prefix, and fails for an unknown id', async () => {
    const html = await buildReport(store, 'r_0jq7k3')
    expect(html).toContain('<span class="verdict-word">FAILED</span>')
    const error = await buildReport(store, 'r_nothing').catch((e: unknown) => e)
    expect(isRehearseError(error) && error.code).toBe('STORE_NOT_FOUND')
  })
})

describe('writing reports', () => {
  it('writes the report to .rehearse/reports/<id>.html, creating the directory, with no temporary file left', async () => {
    const file = defaultReportPath(dir, 'r_0jq7k2m9x4c8v1bd')
    expect(file).toBe(join(dir, '.rehearse', 'reports', 'r_0jq7k2m9x4c8v1bd.html'))
    await expect(writeReport(store, 'r_0jq7k2m9', file)).resolves.toEqual({ id: 'r_0jq7k2m9x4c8v1bd', file })
    const html = await readFile(file, 'utf8')
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html.trimEnd().endsWith('</html>')).toBe(true)
    expect(html).toContain('ROLLBACK')
    expect(await readdir(join(dir, '.rehearse', 'reports'))).toEqual(['r_0jq7k2m9x4c8v1bd.html'])
  })

  it('replaces an existing report whole', async () => {
    const file = join(dir, 'replace', 'report.html')
    await mkdir(join(dir, 'replace'))
    await writeFile(file, 'old')
    await writeReport(store, 'r_0jq7k3a1', file)
    expect(await readFile(file, 'utf8')).toContain('FAILED')
    expect(await readdir(join(dir, 'replace'))).toEqual(['report.html'])
  })

  it('writes the JUnit file', async () => {
    const file = join(dir, 'junit', 'rehearse.xml')
    await writeJunit(store, 'r_0jq7k2m9', file)
    const xml = await readFile(file, 'utf8')
    expect(xml).toBe(renderJunit(rollbackFixture()))
  })

  it('fails with REPORT_OUTPUT_UNWRITABLE when the path is a directory or under a file, leaving nothing behind', async () => {
    const blocker = join(dir, 'blocker')
    await writeFile(blocker, 'a file, not a directory')
    const aDirectory = join(dir, 'a-directory')
    await mkdir(aDirectory)
    for (const file of [aDirectory, join(blocker, 'report.html')]) {
      const error = await writeReport(store, 'r_0jq7k2m9', file).catch((e: unknown) => e)
      expect(isRehearseError(error) && error.code, file).toBe('REPORT_OUTPUT_UNWRITABLE')
      expect(isRehearseError(error) && error.exitCode).toBe(2)
    }
    expect(await readdir(aDirectory)).toEqual([])
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})
