/**
 * @module store/migrations/001-initial
 * The first schema: rehearsals, their steps, the event log, stored series and approvals.
 */
import type { Kysely } from 'kysely'
import type { StoreEngine } from '../store.ts'

/** Creates the tables. `engine` picks the JSON column type: `json` keeps the text exactly, unlike `jsonb`. */
export async function up(db: Kysely<unknown>, engine: StoreEngine): Promise<void> {
  // PostgreSQL's `json` keeps the document as written (key order, `\u0000`); `jsonb` would reorder keys
  // and reject some escapes, and nothing here queries inside the documents.
  const json = engine === 'postgres' ? 'json' : 'text'

  await db.schema
    .createTable('rehearsals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('spec', json, (c) => c.notNull())
    .addColumn('spec_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('verdict', 'text')
    .addColumn('exit_code', 'integer')
    .addColumn('owner_pid', 'integer')
    .addColumn('owner_host', 'text')
    .addColumn('summary', 'text')
    .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.createIndex('rehearsals_created_idx').on('rehearsals').columns(['created_at', 'id']).execute()
  await db.schema
    .createIndex('rehearsals_project_idx')
    .on('rehearsals')
    .columns(['project', 'created_at', 'id'])
    .execute()

  await db.schema
    .createTable('steps')
    .addColumn('rehearsal_id', 'text', (c) => c.notNull().references('rehearsals.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('error', json, (c) => c.notNull())
    .addPrimaryKeyConstraint('steps_pk', ['rehearsal_id', 'name'])
    .execute()

  // The primary key (rehearsal_id, seq) is the index `readEvents` walks, also for `afterSeq`.
  await db.schema
    .createTable('events')
    .addColumn('rehearsal_id', 'text', (c) => c.notNull().references('rehearsals.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', json, (c) => c.notNull())
    .addPrimaryKeyConstraint('events_pk', ['rehearsal_id', 'seq'])
    .execute()
  // Readers that want a few types out of a long log (gates, the verdict) skip the sample batches.
  await db.schema.createIndex('events_type_idx').on('events').columns(['rehearsal_id', 'type', 'seq']).execute()

  await db.schema
    .createTable('series')
    .addColumn('rehearsal_id', 'text', (c) => c.notNull().references('rehearsals.id').onDelete('cascade'))
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('route', 'text')
    .addColumn('points', json, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('series_key_idx').on('series').columns(['rehearsal_id', 'metric', 'target']).execute()

  await db.schema
    .createTable('approvals')
    .addColumn('id', 'integer', (c) =>
      engine === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn('rehearsal_id', 'text', (c) => c.notNull().references('rehearsals.id').onDelete('cascade'))
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('approved_by', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .execute()
  await db.schema.createIndex('approvals_rehearsal_idx').on('approvals').columns(['rehearsal_id', 'at', 'id']).execute()
}

/** Drops everything `up` created. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['approvals', 'series', 'events', 'steps', 'rehearsals']) {
    await db.schema.dropTable(table).execute()
  }
}
