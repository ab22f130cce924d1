/**
 * @module store/kysely-store
 * The one implementation of `Store`, over Kysely. The engines (sqlite/, postgres/) differ only in
 * their dialect and in how they read their own driver's errors (`StoreErrorReader`).
 */
import { type Kysely, sql } from 'kysely'
import { isRehearseError, RehearseError } from '../core/errors.ts'
import type { Logger } from '../core/logger.ts'
import type { RehearsalEvent } from '../core/types.ts'
import { migrateStore } from './migrations/migrate-store.ts'
import type {
  ApprovalRecord,
  NewEvent,
  ReadEventsOptions,
  RehearsalPatch,
  RehearsalRecord,
  RehearsalStatus,
  StepRecord,
  Store,
  StoredSeries,
  StoreEngine,
} from './store.ts'
import type { StoreDatabase } from './store-database.ts'
import {
  approvalToRow,
  compareSeries,
  rehearsalToRow,
  rowToApproval,
  rowToRehearsal,
  rowToSeries,
  rowToStep,
  seriesToRow,
  stepToRow,
  toJson,
} from './store-rows.ts'

/** How an engine reads its driver's errors. */
export type StoreErrorReader = {
  /** STORE_UNAVAILABLE for an error that means the database cannot be reached, opened or written. */
  unavailable(error: unknown): RehearseError | undefined
  /** The write named a rehearsal that does not exist. */
  isForeignKeyViolation(error: unknown): boolean
}

export type KyselyStoreOptions = {
  db: Kysely<StoreDatabase>
  engine: StoreEngine
  location: string
  errors: StoreErrorReader
  logger: Logger
}

/** Rows per INSERT: well under SQLite's and PostgreSQL's limits on bound parameters. */
const INSERT_CHUNK = 200
/** How many candidates an ambiguous id prefix lists. */
const PREFIX_CANDIDATES = 10

export class KyselyStore implements Store {
  readonly engine: StoreEngine
  readonly location: string
  readonly #db: Kysely<StoreDatabase>
  readonly #errors: StoreErrorReader
  readonly #logger: Logger
  #closing: Promise<void> | undefined

  constructor(options: KyselyStoreOptions) {
    this.engine = options.engine
    this.location = options.location
    this.#db = options.db
    this.#errors = options.errors
    this.#logger = options.logger
  }

  /** Opens a connection and runs a trivial query; any failure is STORE_UNAVAILABLE. */
  async checkConnection(): Promise<void> {
    await this.#guard(async () => {
      try {
        await sql`select 1`.execute(this.#db)
      } catch (error) {
        throw (
          this.#errors.unavailable(error) ??
          new RehearseError('STORE_UNAVAILABLE', `Cannot open the ${this.engine} store at ${this.location}.`, {
            hint: 'Check REHEARSE_DATABASE_URL, or that .rehearse/ is writable.',
            cause: error,
          })
        )
      }
    })
  }

  async migrate(): Promise<void> {
    await this.#guard(() =>
      migrateStore({
        db: this.#db,
        engine: this.engine,
        location: this.location,
        errors: this.#errors,
        logger: this.#logger,
      }),
    )
  }

  async createRehearsal(
    record: Omit<RehearsalRecord, 'finishedAt' | 'verdict' | 'exitCode' | 'summary'>,
  ): Promise<void> {
    await this.#guard(() => this.#db.insertInto('rehearsals').values(rehearsalToRow(record)).execute())
  }

  async updateRehearsal(id: string, patch: RehearsalPatch): Promise<void> {
    await this.#guard(async () => {
      const set = {
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.finishedAt !== undefined ? { finished_at: patch.finishedAt } : {}),
        ...(patch.verdict !== undefined ? { verdict: patch.verdict } : {}),
        ...(patch.exitCode !== undefined ? { exit_code: patch.exitCode } : {}),
        ...(patch.summary !== undefined ? { summary: patch.summary } : {}),
        ...(patch.ownerPid !== undefined ? { owner_pid: patch.ownerPid } : {}),
        ...(patch.ownerHost !== undefined ? { owner_host: patch.ownerHost } : {}),
      }
      if (Object.keys(set).length === 0) {
        if (!(await this.getRehearsal(id))) throw notFound(id)
        return
      }
      const result = await this.#db.updateTable('rehearsals').set(set).where('id', '=', id).executeTakeFirst()
      if (result.numUpdatedRows === 0n) throw notFound(id)
    })
  }

  async getRehearsal(id: string): Promise<RehearsalRecord | undefined> {
    return this.#guard(async () => {
      const row = await this.#db.selectFrom('rehearsals').selectAll().where('id', '=', id).executeTakeFirst()
      return row && rowToRehearsal(row)
    })
  }

  async listRehearsals(
    filter: { project?: string; status?: RehearsalStatus; limit?: number } = {},
  ): Promise<RehearsalRecord[]> {
    return this.#guard(async () => {
      let query = this.#db.selectFrom('rehearsals').selectAll()
      if (filter.project !== undefined) query = query.where('project', '=', filter.project)
      if (filter.status !== undefined) query = query.where('status', '=', filter.status)
      query = query.orderBy('created_at', 'desc').orderBy('id', 'desc')
      if (filter.limit !== undefined) query = query.limit(filter.limit)
      return (await query.execute()).map(rowToRehearsal)
    })
  }

  async findRehearsal(idOrPrefix: string): Promise<RehearsalRecord> {
    return this.#guard(async () => {
      const wanted = idOrPrefix.trim()
      if (wanted === '') {
        throw new RehearseError('STORE_NOT_FOUND', 'No rehearsal id was given.', {
          hint: '`rehearse history` lists the ids.',
        })
      }
      const exact = await this.getRehearsal(wanted)
      if (exact) return exact
      // substr rather than LIKE: `_` in ids is a LIKE wildcard, and SQLite's LIKE ignores case.
      const rows = await this.#db
        .selectFrom('rehearsals')
        .selectAll()
        .where(sql<string>`substr(id, 1, ${sql.lit(wanted.length)})`, '=', wanted)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(PREFIX_CANDIDATES + 1)
        .execute()
      if (rows.length === 1) return rowToRehearsal(rows[0]!)
      if (rows.length === 0) throw notFound(wanted)
      const listed = rows.slice(0, PREFIX_CANDIDATES).map((r) => `${r.id} (${r.project}, ${r.created_at})`)
      const more = rows.length > PREFIX_CANDIDATES ? ', …' : ''
      throw new RehearseError(
        'STORE_NOT_FOUND',
        `The id prefix "${wanted}" matches ${rows.length > PREFIX_CANDIDATES ? 'more than ' + PREFIX_CANDIDATES : rows.length} rehearsals.`,
        {
          hint: `Give more of the id; it could be ${listed.join(', ')}${more}.`,
          details: { candidates: rows.slice(0, PREFIX_CANDIDATES).map((r) => r.id) },
        },
      )
    })
  }

  async appendEvents(events: NewEvent[]): Promise<RehearsalEvent[]> {
    return this.#guard(async () => {
      if (events.length === 0) return []
      const byRehearsal = new Map<string, number[]>()
      events.forEach((event, index) => {
        const indices = byRehearsal.get(event.rehearsalId)
        if (indices) indices.push(index)
        else byRehearsal.set(event.rehearsalId, [index])
      })
      const appended = new Array<RehearsalEvent>(events.length)
      await this.#db.transaction().execute(async (trx) => {
        // Sorted, so that two writers touching the same rehearsals lock them in the same order.
        for (const rehearsalId of [...byRehearsal.keys()].sort()) {
          const indices = byRehearsal.get(rehearsalId)!
          // Advancing the counter locks the rehearsal's row (PostgreSQL) or the database (SQLite's
          // BEGIN IMMEDIATE) until commit: concurrent appenders wait, and seqs stay dense.
          const counter = await trx
            .updateTable('rehearsals')
            .set((eb) => ({ last_seq: eb('last_seq', '+', indices.length) }))
            .where('id', '=', rehearsalId)
            .returning('last_seq')
            .executeTakeFirst()
          if (!counter) throw notFound(rehearsalId)
          let seq = counter.last_seq - indices.length
          const rows = indices.map((index) => {
            const { at, type, data } = events[index]!
            seq += 1
            appended[index] = { rehearsalId, seq, at, type, data: data === undefined ? null : data }
            return { rehearsal_id: rehearsalId, seq, at, type, data: toJson(data) }
          })
          for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
            await trx
              .insertInto('events')
              .values(rows.slice(i, i + INSERT_CHUNK))
              .execute()
          }
        }
      })
      return appended
    })
  }

  async readEvents(rehearsalId: string, options: ReadEventsOptions = {}): Promise<RehearsalEvent[]> {
    return this.#guard(async () => {
      if (options.types?.length === 0) return []
      let query = this.#db
        .selectFrom('events')
        .select(['seq', 'at', 'type', 'data'])
        .where('rehearsal_id', '=', rehearsalId)
      if (options.afterSeq !== undefined) query = query.where('seq', '>', options.afterSeq)
      if (options.types !== undefined) query = query.where('type', 'in', options.types)
      query = query.orderBy('seq')
      if (options.limit !== undefined) query = query.limit(options.limit)
      const rows = await query.execute()
      return rows.map((row) => ({ rehearsalId, seq: row.seq, at: row.at, type: row.type, data: JSON.parse(row.data) }))
    })
  }

  async upsertStep(step: StepRecord): Promise<void> {
    await this.#guard(async () => {
      const row = stepToRow(step)
      await this.#writing(step.rehearsalId, () =>
        this.#db
          .insertInto('steps')
          .values(row)
          .onConflict((oc) =>
            oc.columns(['rehearsal_id', 'name']).doUpdateSet({
              status: row.status,
              started_at: row.started_at,
              finished_at: row.finished_at,
              error: row.error,
            }),
          )
          .execute(),
      )
    })
  }

  async listSteps(rehearsalId: string): Promise<StepRecord[]> {
    return this.#guard(async () => {
      const rows = await this.#db
        .selectFrom('steps')
        .selectAll()
        .where('rehearsal_id', '=', rehearsalId)
        .orderBy('started_at')
        .orderBy('name')
        .execute()
      return rows.map(rowToStep)
    })
  }

  async writeSeries(series: StoredSeries[]): Promise<void> {
    await this.#guard(async () => {
      if (series.length === 0) return
      await this.#db.transaction().execute(async (trx) => {
        for (const rehearsalId of [...new Set(series.map((s) => s.rehearsalId))].sort()) {
          // A no-op update that locks the rehearsal's row, so replacing a series is not raced.
          const locked = await trx
            .updateTable('rehearsals')
            .set((eb) => ({ last_seq: eb.ref('last_seq') }))
            .where('id', '=', rehearsalId)
            .executeTakeFirst()
          if (locked.numUpdatedRows === 0n) throw notFound(rehearsalId)
        }
        for (const one of series) {
          await trx
            .deleteFrom('series')
            .where('rehearsal_id', '=', one.rehearsalId)
            .where('metric', '=', one.metric)
            .where('target', '=', one.target)
            .where((eb) => (one.route === null ? eb('route', 'is', null) : eb('route', '=', one.route)))
            .execute()
          await trx.insertInto('series').values(seriesToRow(one)).execute()
        }
      })
    })
  }

  async readSeries(rehearsalId: string, filter: { metric?: string; target?: string } = {}): Promise<StoredSeries[]> {
    return this.#guard(async () => {
      let query = this.#db.selectFrom('series').selectAll().where('rehearsal_id', '=', rehearsalId)
      if (filter.metric !== undefined) query = query.where('metric', '=', filter.metric)
      if (filter.target !== undefined) query = query.where('target', '=', filter.target)
      return (await query.execute()).map(rowToSeries).sort(compareSeries)
    })
  }

  async recordApproval(approval: ApprovalRecord): Promise<void> {
    await this.#guard(() =>
      this.#writing(approval.rehearsalId, () =>
        this.#db.insertInto('approvals').values(approvalToRow(approval)).execute(),
      ),
    )
  }

  async listApprovals(rehearsalId: string): Promise<ApprovalRecord[]> {
    return this.#guard(async () => {
      const rows = await this.#db
        .selectFrom('approvals')
        .select(['rehearsal_id', 'decision', 'approved_by', 'at', 'comment'])
        .where('rehearsal_id', '=', rehearsalId)
        .orderBy('at')
        .orderBy('id')
        .execute()
      return rows.map(rowToApproval)
    })
  }

  close(): Promise<void> {
    this.#closing ??= this.#db.destroy()
    return this.#closing
  }

  /** Refuses work after close, and turns "cannot reach the database" into STORE_UNAVAILABLE. */
  async #guard<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closing) throw new RehearseError('INTERNAL', `The ${this.engine} store was used after it was closed.`)
    try {
      return await work()
    } catch (error) {
      if (isRehearseError(error)) throw error
      throw this.#errors.unavailable(error) ?? error
    }
  }

  /** Runs a write that names a rehearsal; a foreign-key violation means the rehearsal does not exist. */
  async #writing<T>(rehearsalId: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write()
    } catch (error) {
      if (this.#errors.isForeignKeyViolation(error)) throw notFound(rehearsalId)
      throw error
    }
  }
}

function notFound(id: string): RehearseError {
  return new RehearseError('STORE_NOT_FOUND', `No rehearsal has the id "${id}".`, {
    hint: '`rehearse history` lists the ids.',
    details: { id },
  })
}
