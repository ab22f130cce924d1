/**
 * @module data/sink
 * The boundary a staging database is written through. A sink loads into a fresh area (a new
 * PostgreSQL schema, a new MySQL database) that nobody reads, and only `publish` swaps it in place
 * of the current staging data, atomically: a failure before that leaves staging exactly as it was.
 * Types only; the contract does not import third-party types.
 */
import type { AbortableOptions, DatabaseSchema, Engine, RowBatch, ServerIdentity, TableSchema } from './source.ts'

/**
 * What another thread needs to open its own writer into the load area (plain data), including
 * what to run on each table right after its rows are in (its keys and indexes).
 */
export type WriterHandle = {
  engine: 'postgres'
  url: string
  loadNamespace: string
  afterLoad: Record<string, string[]>
}

/** A connection writing one table at a time into the load area. */
export interface TableWriter {
  /**
   * Writes every batch into `table` (its non-generated `columns`), with backpressure, then builds
   * what the table needs on its own (PostgreSQL: keys and indexes); returns the rows written.
   */
  write(
    table: TableSchema,
    columns: string[],
    rows: AsyncIterable<RowBatch>,
    options: AbortableOptions,
  ): Promise<number>
  /** Optional fast path: rows in PostgreSQL's COPY text format, as `TableReader.readCopyText` produces them. */
  writeCopyText?(
    table: TableSchema,
    columns: string[],
    data: AsyncIterable<Uint8Array | string>,
    options: AbortableOptions,
  ): Promise<number>
  close(): Promise<void>
}

export interface DataSink {
  readonly engine: Engine
  open(options: AbortableOptions): Promise<void>
  identity(): Promise<ServerIdentity>
  /**
   * The database of a session carrying `marker` (the source's `sessionMarker`), if this server
   * has one: a result means source and target are on the same server.
   */
  findSession(marker: string): Promise<{ database: string } | undefined>
  /** Creates the load area and the tables in it, without the indexes and constraints that slow a load. */
  prepare(schema: DatabaseSchema, options: AbortableOptions): Promise<void>
  openWriter(options: AbortableOptions): Promise<TableWriter>
  /** Optional: a handle from which a worker thread opens a writer (after `prepare`). */
  writerHandle?(): WriterHandle
  /**
   * Creates what spans tables (foreign keys, `jobs` tables at a time), sets sequences; a failure
   * here still leaves staging untouched.
   */
  finish(options: AbortableOptions & { jobs?: number }): Promise<void>
  /** Swaps the load area in place of the current staging data in one transaction. */
  publish(options: AbortableOptions): Promise<void>
  /** Drops the load area after a failure; never throws. */
  discard(): Promise<void>
  /** Closes every connection; idempotent. */
  close(): Promise<void>
  /** Where the data ends up (schema or database name), for the manifest and messages. */
  readonly targetNamespace: string
}
