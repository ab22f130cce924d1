/**
 * @module rehearsal/report/write-atomic
 * Reports and JUnit files are written whole or not at all: to a temporary file beside the target,
 * then renamed over it, so a reader (a CI job, a browser reloading) never sees half a file and a
 * failed write leaves the previous one in place.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { RehearseError } from '../../core/errors.ts'

/** Writes `content` to `file` atomically, creating its directory. REPORT_OUTPUT_UNWRITABLE on failure. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = dirname(file)
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await mkdir(dir, { recursive: true })
    await writeFile(temp, content, { encoding: 'utf8', mode: 0o644 })
    await rename(temp, file)
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {})
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new RehearseError('REPORT_OUTPUT_UNWRITABLE', `Cannot write ${file} (${reason}).`, {
      hint: 'Check that the directory exists or can be created, that it is writable, and that the path is not a directory.',
      details: { file },
      cause: error,
    })
  }
}
