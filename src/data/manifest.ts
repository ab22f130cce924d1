/**
 * @module data/manifest
 * The manifest a sync leaves with the rehearsal: what was copied, how it was masked (policy hash,
 * key id — never the key), how many rows, how long, and later the leak scan's result. Together
 * with the leak filter it is what `rehearse data scan` and the `pii` gate read.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RehearseError } from '../core/errors.ts'
import type { MaskingKey } from './keys/masking-key.ts'
import { LeakFilter } from './scan/leak-filter.ts'
import type { ScanSummary } from './scan/scan-types.ts'
import type { Engine } from './source.ts'

export type TableManifest = {
  name: string
  rows: number
  durationMs: number
  /** `column: transformer kind` of every masked column. */
  masked: Record<string, string>
  /** Whether only a subset of the rows was copied. */
  subset: boolean
}

export type SyncManifest = {
  version: 1
  engine: Engine
  source: { url: string; namespace: string }
  target: { url: string; namespace: string }
  keyId: string
  policyHash: string
  startedAt: string
  finishedAt: string
  durationMs: number
  phases: { prepareMs: number; subsetMs: number; copyMs: number; finishMs: number; publishMs: number }
  tables: TableManifest[]
  totals: { tables: number; rows: number }
  leakFilter: { values: number; bytes: number; saturated: boolean }
  /** Filled in by the leak scan (`attachScan`). */
  scan?: ScanSummary
}

export const MANIFEST_FILE = 'data-manifest.json'
export const LEAK_FILTER_FILE = 'leak-filter.bin'

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, data, { mode: 0o600 })
  await rename(tmp, path)
}

/** Writes the manifest (and the leak filter, when given) into `dir`. */
export async function writeSyncArtifacts(dir: string, manifest: SyncManifest, filter?: LeakFilter): Promise<void> {
  await mkdir(dir, { recursive: true })
  if (filter) await writeAtomic(join(dir, LEAK_FILTER_FILE), filter.serialize())
  await writeAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
}

/** Reads what `writeSyncArtifacts` wrote; the leak filter only with the key it was built with. */
export async function readSyncArtifacts(
  dir: string,
  key?: MaskingKey,
): Promise<{ manifest: SyncManifest; filter?: LeakFilter }> {
  let manifest: SyncManifest
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as SyncManifest
  } catch (cause) {
    throw new RehearseError('FILE_NOT_FOUND', `No data manifest in ${dir}.`, {
      hint: 'Run `rehearse data sync` first.',
      cause,
    })
  }
  if (!key) return { manifest }
  let bytes: Buffer
  try {
    bytes = await readFile(join(dir, LEAK_FILTER_FILE))
  } catch (cause) {
    throw new RehearseError('DATA_LEAK_FILTER_INVALID', `No leak filter in ${dir}.`, {
      hint: 'Run `rehearse data sync` again.',
      cause,
    })
  }
  return { manifest, filter: LeakFilter.deserialize(bytes, key) }
}

/** The manifest with the scan's summary attached. */
export function attachScan(manifest: SyncManifest, scan: ScanSummary): SyncManifest {
  return { ...manifest, scan }
}
