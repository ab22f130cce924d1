/**
 * @module data/source
 * The boundary a production database is read through (DESIGN.md, "Data"). PostgreSQL and
 * MySQL/MariaDB implement it in `postgres/` and `mysql/`. A source is opened read-only, inside one
 * consistent snapshot that every reader shares, and is never written. Types only; the contract
 * does not import third-party types.
 */

/** The database engines Rehearse can copy between (same engine on both sides). */
export const ENGINES = ['postgres', 'mysql'] as const
export type Engine = (typeof ENGINES)[number]

/** How the transformers see a column's values. Every value travels as text. */
export const VALUE_CLASSES = [
  'integer',
  'decimal',
  'float',
  'text',
  'uuid',
  'date',
  'timestamp',
  'time',
  'json',
  'boolean',
  'binary',
  'other',
] as const
export type ValueClass = (typeof VALUE_CLASSES)[number]

export type ColumnSchema = {
  name: string
  /** The type as the database prints it: `integer`, `character varying(255)`, `int(10) unsigned`. */
  type: string
  valueClass: ValueClass
  nullable: boolean
  /** Computed by the database (GENERATED … STORED/VIRTUAL): not copied, recomputed by the target. */
  generated: boolean
  /** For integer columns, the largest value the type holds (the format-preserving key stays below it). */
  maxValue?: bigint
  /** For character columns with a limit, the most characters a value may have. */
  maxLength?: number
}

export type ForeignKey = {
  name: string
  /** Referencing columns, in the order matching `refColumns`. */
  columns: string[]
  refTable: string
  /** Referenced columns: a primary key or any unique key. */
  refColumns: string[]
}

export type TableSchema = {
  /** Unqualified name; the schema (PostgreSQL) or database (MySQL) is the source's. */
  name: string
  columns: ColumnSchema[]
  primaryKey: string[]
  /** Unique keys other than the primary key (constraints and unique indexes). */
  uniques: string[][]
  foreignKeys: ForeignKey[]
  /** The planner's estimate, for progress display only. */
  estimatedRows: number
}

export type DatabaseSchema = {
  engine: Engine
  /** The PostgreSQL schema or MySQL database the tables live in. */
  namespace: string
  tables: TableSchema[]
  /**
   * The engine's own description of the objects (column definitions, constraints, indexes,
   * sequences, types) that the same engine's sink uses to recreate them. Opaque to everything else.
   */
  native: unknown
}

/**
 * Who a connection is talking to. Two connections reach the same database when `server` and
 * `database` are equal; `sameServerProbe` answers it more reliably where the engine allows.
 */
export type ServerIdentity = {
  engine: Engine
  /** A stable id of the server instance (system identifier, server uuid, or host:port:datadir). */
  server: string
  database: string
}

/** One batch of rows: each row holds the columns' text values in the table's column order, NULL as null. */
export type RowBatch = Array<Array<string | null>>

/** Which rows of a table to read. */
export type RowSelection =
  | { kind: 'all' }
  /** At most `rows` rows, the first the database finds (the leak scanner's sample). */
  | { kind: 'first'; rows: number }
  /** A WHERE clause in the source's SQL dialect, written by the user in the spec. */
  | { kind: 'where'; where: string }
  /** Rows whose `columns` equal one of the tuples (a subset computed along foreign keys). */
  | { kind: 'keys'; columns: string[]; tuples: string[][] }
  /** Rows matching any of several key sets (a table without primary key reached by several foreign keys). */
  | { kind: 'anyOf'; parts: Array<{ columns: string[]; tuples: string[][] }> }

/** Options of every long operation. */
export type AbortableOptions = { signal?: AbortSignal }

/** A connection bound to the source's snapshot, for reading one table at a time. */
export interface TableReader {
  /** Streams the selected rows of `columns` of `table` in batches, pausing while the consumer is busy. */
  read(
    table: TableSchema,
    columns: string[],
    selection: RowSelection,
    options: AbortableOptions,
  ): AsyncIterable<RowBatch>
  /**
   * Optional fast path: the rows in PostgreSQL's COPY text format (tab-separated, `\N` for NULL,
   * backslash escapes), chunked anywhere. Masking then touches only the masked fields of each line.
   */
  readCopyText?(
    table: TableSchema,
    columns: string[],
    selection: RowSelection,
    options: AbortableOptions,
  ): AsyncIterable<Uint8Array>
  close(): Promise<void>
}

/**
 * What another thread needs to open its own reader on the same snapshot: plain data (it crosses a
 * worker boundary). Only engines that can share a snapshot between connections have one.
 */
export type ReaderHandle = {
  engine: 'postgres'
  url: string
  namespace: string
  snapshot: string
  applicationName: string
}

export interface DataSource {
  readonly engine: Engine
  /** Optional: a handle from which a worker thread opens a reader of the same snapshot. Valid while the source is open. */
  readerHandle?(): ReaderHandle
  /** Connects, opens the read-only snapshot. Must be called first. */
  open(options: AbortableOptions): Promise<void>
  identity(): Promise<ServerIdentity>
  /** A token the sink can look for to tell whether it reaches the same server (see `DataSink.seesSession`). */
  readonly sessionMarker: string
  /** The tables, columns and keys of the source namespace, as of the snapshot. */
  introspect(options: AbortableOptions): Promise<DatabaseSchema>
  /** A new connection that reads the same snapshot (parallel jobs). */
  openReader(options: AbortableOptions): Promise<TableReader>
  /** Distinct values of `columns` among the selected rows (subsetting), in batches. */
  selectKeys(
    table: TableSchema,
    columns: string[],
    selection: RowSelection,
    options: AbortableOptions,
  ): AsyncIterable<RowBatch>
  /** Closes every connection; idempotent. */
  close(): Promise<void>
}
