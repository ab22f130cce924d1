/**
 * @module store/sqlite/sqlite-errors
 * Reads node:sqlite's errors (`errcode` is SQLite's extended result code) for the store.
 */
import { RehearseError } from '../../core/errors.ts'
import type { StoreErrorReader } from '../kysely-store.ts'

const SQLITE_CONSTRAINT_FOREIGNKEY = 787

/** Primary result codes (the low byte) that mean the file cannot be used, with what to say. */
const UNAVAILABLE: Record<number, { what: string; hint: string }> = {
  3: { what: 'is not accessible (permission denied)', hint: 'Check the permissions of the file and of .rehearse/.' },
  8: { what: 'is read-only', hint: 'Make the file and .rehearse/ writable for this user.' },
  10: { what: 'had a disk I/O error', hint: 'Check the disk and the file system that holds .rehearse/.' },
  11: {
    what: 'is damaged',
    hint: 'Move the file aside (its history is lost) and run again, or restore it from a backup.',
  },
  13: { what: 'cannot grow: the disk is full', hint: 'Free some disk space.' },
  14: {
    what: 'cannot be opened',
    hint: 'Check that the directory exists and is writable, or set REHEARSE_DATABASE_URL to use PostgreSQL.',
  },
  26: {
    what: 'is not a SQLite database',
    hint: 'Move the file aside and run again; Rehearse creates a new store.',
  },
}

/** The error reader of the SQLite store at `file`, which waits `busyTimeoutMs` for a lock. */
export function sqliteErrorReader(file: string, busyTimeoutMs: number): StoreErrorReader {
  return {
    unavailable(error) {
      const errcode = (error as { errcode?: unknown } | null)?.errcode
      if (typeof errcode !== 'number') return undefined
      if ((errcode & 0xff) === 5) {
        return new RehearseError(
          'STORE_UNAVAILABLE',
          `The SQLite store ${file} stayed locked by another process for ${busyTimeoutMs / 1000} s.`,
          { hint: 'Another rehearse process is writing to it: wait for it to finish, or stop it.', cause: error },
        )
      }
      const known = UNAVAILABLE[errcode & 0xff]
      if (!known) return undefined
      return new RehearseError('STORE_UNAVAILABLE', `The SQLite store ${file} ${known.what}.`, {
        hint: known.hint,
        cause: error,
      })
    },
    isForeignKeyViolation(error) {
      return (error as { errcode?: unknown } | null)?.errcode === SQLITE_CONSTRAINT_FOREIGNKEY
    },
  }
}
