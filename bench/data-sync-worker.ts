/**
 * One masked sync in its own process, so that the benchmark can sample this process's memory
 * alone. Reads the data section as JSON from argv[2], prints the manifest as JSON on stdout.
 * Helper of bench/data-sync.ts, not a benchmark.
 */
import { dataSpecSchema } from '../src/data/data-schema.ts'
import { syncData } from '../src/data/sync/sync-data.ts'

const spec = dataSpecSchema.parse(JSON.parse(process.argv[2]!))
const { manifest } = await syncData(spec)
process.stdout.write(`${JSON.stringify(manifest)}\n`)
