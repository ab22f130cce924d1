/**
 * @module data/postgres/postgres-introspector
 * Reads a PostgreSQL schema's tables from the catalogs, as of the source's snapshot: the
 * engine-neutral `DatabaseSchema` the policy and the subsetter use, and the native definitions
 * (columns, constraints, indexes, sequences, enum and domain types) the PostgreSQL sink recreates.
 * The session's search_path is the source schema, so every definition prints unqualified and can
 * be replayed in another schema.
 */
import { RehearseError } from '../../core/errors.ts'
import type { ColumnSchema, DatabaseSchema, TableSchema, ValueClass } from '../source.ts'

/** The subset of a pg client the introspector needs. */
export type PgQueryable = { query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }> }

export type PgNativeTable = {
  /** Column definitions for CREATE TABLE (`"id" integer DEFAULT nextval(…) NOT NULL`). */
  columns: string[]
  /** Constraints added after the load, in this order: primary, unique, check, exclusion, foreign. */
  constraints: Array<{ name: string; type: 'p' | 'u' | 'c' | 'x' | 'f'; definition: string }>
  /** CREATE INDEX statements of indexes that back no constraint. */
  indexes: string[]
  /** Identity and serial columns whose sequence must continue after the copied values. */
  sequenceColumns: Array<{ column: string; sequence?: string }>
}

export type PgNative = {
  enums: Array<{ name: string; labels: string[] }>
  domains: Array<{ name: string; definition: string }>
  /** Sequences of the schema not created by an identity column. */
  sequences: Array<{ name: string; definition: string }>
  tables: Record<string, PgNativeTable>
}

const INT_MAX: Record<string, bigint> = { int2: 32767n, int4: 2147483647n, int8: 9223372036854775807n }

function valueClassOf(typname: string, category: string): ValueClass {
  if (category === 'A') return 'other'
  if (typname in INT_MAX) return 'integer'
  switch (typname) {
    case 'numeric':
    case 'money':
      return 'decimal'
    case 'float4':
    case 'float8':
      return 'float'
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'citext':
    case 'name':
      return 'text'
    case 'uuid':
      return 'uuid'
    case 'date':
      return 'date'
    case 'timestamp':
    case 'timestamptz':
      return 'timestamp'
    case 'time':
    case 'timetz':
      return 'time'
    case 'json':
    case 'jsonb':
      return 'json'
    case 'bool':
      return 'boolean'
    case 'bytea':
      return 'binary'
    default:
      return 'other'
  }
}

const str = (v: unknown) => String(v)

export async function introspectPostgres(db: PgQueryable, namespace: string): Promise<DatabaseSchema> {
  const ns = await db.query('select oid from pg_namespace where nspname = $1', [namespace])
  if (ns.rows.length === 0) {
    throw new RehearseError('DATA_UNKNOWN_COLUMN', `The source has no schema ${namespace}.`, {
      hint: 'Set `data.schema` to the schema that holds the tables.',
    })
  }
  const nsOid = ns.rows[0]!['oid']
  const rels = await db.query(
    `select c.oid, c.relname, c.relkind, greatest(c.reltuples, 0)::float8 as reltuples
       from pg_class c where c.relnamespace = $1 and c.relkind in ('r', 'p') and not c.relispartition
      order by c.relname`,
    [nsOid],
  )
  const partitioned = rels.rows.filter((r) => r['relkind'] === 'p').map((r) => str(r['relname']))
  if (partitioned.length > 0) {
    throw new RehearseError('DATA_UNSUPPORTED', `Partitioned tables are not copied yet: ${partitioned.join(', ')}.`, {
      hint: 'Exclude them with `data.tables.exclude`.',
    })
  }
  const oids = rels.rows.map((r) => r['oid'])
  const cols = await db.query(
    `select a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull,
            a.attgenerated, a.attidentity, a.atttypmod, coalesce(bt.typname, t.typname) as typname,
            coalesce(bt.typcategory, t.typcategory) as typcategory, pg_get_expr(d.adbin, d.adrelid) as default_expr,
            case when a.attcollation <> t.typcollation and a.attcollation <> 0 then co.collname end as collation
       from pg_attribute a
       join pg_type t on t.oid = a.atttypid
       left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
       left join pg_collation co on co.oid = a.attcollation
      where a.attrelid = any($1::oid[]) and a.attnum > 0 and not a.attisdropped
      order by a.attrelid, a.attnum`,
    [oids],
  )
  const cons = await db.query(
    `select c.conrelid, c.conname, c.contype, pg_get_constraintdef(c.oid) as def,
            (select array_agg(a.attname::text order by k.ord) from unnest(c.conkey) with ordinality k(n, ord)
               join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n) as cols,
            (select array_agg(a.attname::text order by k.ord) from unnest(c.confkey) with ordinality k(n, ord)
               join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n) as refcols,
            rc.relname as reftable, rc.relnamespace = c.connamespace as same_schema
       from pg_constraint c left join pg_class rc on rc.oid = c.confrelid
      where c.conrelid = any($1::oid[]) and c.contype in ('p', 'u', 'c', 'x', 'f')
      order by c.conrelid, c.conname`,
    [oids],
  )
  const idx = await db.query(
    // pg_get_indexdef qualifies the table whatever the search_path: unqualify it so it replays elsewhere.
    `select i.indrelid, i.indisunique,
            replace(pg_get_indexdef(i.indexrelid), ' ON ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' ',
                    ' ON ' || quote_ident(c.relname) || ' ') as def,
            (select array_agg(a.attname::text order by k.ord) from unnest(i.indkey) with ordinality k(n, ord)
               join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n) as cols,
            i.indexprs is not null or i.indpred is not null as partial_or_expr
       from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
      where i.indrelid = any($1::oid[])
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.conrelid = i.indrelid)
      order by i.indrelid, i.indexrelid`,
    [oids],
  )
  const seqs = await db.query(
    `select s.relname as name, d.refobjid as relid, a.attname as column, d.deptype,
            format('AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s%s', format_type(q.seqtypid, null),
                   q.seqincrement, q.seqmin, q.seqmax, q.seqstart, case when q.seqcycle then ' CYCLE' else '' end) as definition
       from pg_class s join pg_sequence q on q.seqrelid = s.oid
       left join pg_depend d on d.objid = s.oid and d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
                             and d.deptype in ('a', 'i')
       left join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
      where s.relnamespace = $1 and s.relkind = 'S'`,
    [nsOid],
  )
  const enums = await db.query(
    `select t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
       from pg_type t join pg_enum e on e.enumtypid = t.oid where t.typnamespace = $1 group by t.typname order by t.typname`,
    [nsOid],
  )
  const domains = await db.query(
    `select t.typname as name, format_type(t.typbasetype, t.typtypmod) as base, t.typnotnull as notnull, t.typdefault as def,
            (select string_agg(' CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid), '')
               from pg_constraint c where c.contypid = t.oid) as checks
       from pg_type t where t.typnamespace = $1 and t.typtype = 'd' order by t.oid`,
    [nsOid],
  )
  const compositeOrRange = await db.query(
    `select typname from pg_type t where t.typnamespace = $1 and t.typtype in ('c', 'r', 'm')
        and not exists (select 1 from pg_class c where c.reltype = t.oid)`,
    [nsOid],
  )
  if (compositeOrRange.rows.length > 0) {
    throw new RehearseError(
      'DATA_UNSUPPORTED',
      `The schema defines composite or range types the sync cannot recreate: ${compositeOrRange.rows.map((r) => r['typname']).join(', ')}.`,
      { hint: 'Create them in the target database (another schema) before syncing, or open an issue.' },
    )
  }

  const tables: TableSchema[] = []
  const native: PgNative = {
    enums: enums.rows.map((r) => ({ name: str(r['name']), labels: r['labels'] as string[] })),
    domains: domains.rows.map((r) => ({
      name: str(r['name']),
      definition: `${r['base']}${r['def'] ? ` DEFAULT ${r['def']}` : ''}${r['notnull'] ? ' NOT NULL' : ''}${r['checks'] ?? ''}`,
    })),
    sequences: [],
    tables: {},
  }
  for (const rel of rels.rows) {
    const oid = rel['oid']
    const name = str(rel['relname'])
    const myCols = cols.rows.filter((c) => c['attrelid'] === oid)
    const myCons = cons.rows.filter((c) => c['conrelid'] === oid)
    const myIdx = idx.rows.filter((i) => i['indrelid'] === oid)
    const columns: ColumnSchema[] = myCols.map((c) => {
      const typname = str(c['typname'])
      const typmod = Number(c['atttypmod'])
      const column: ColumnSchema = {
        name: str(c['attname']),
        type: str(c['type']),
        valueClass: valueClassOf(typname, str(c['typcategory'])),
        nullable: !c['attnotnull'],
        generated: c['attgenerated'] === 's',
      }
      if (typname in INT_MAX) column.maxValue = INT_MAX[typname]!
      if ((typname === 'varchar' || typname === 'bpchar') && typmod > 4) column.maxLength = typmod - 4
      return column
    })
    const definitions = myCols.map((c) => {
      let def = `"${str(c['attname']).replace(/"/g, '""')}" ${c['type']}`
      if (c['collation']) def += ` COLLATE "${c['collation']}"`
      if (c['attgenerated'] === 's') def += ` GENERATED ALWAYS AS (${c['default_expr']}) STORED`
      else if (c['attidentity'] === 'a') def += ' GENERATED ALWAYS AS IDENTITY'
      else if (c['attidentity'] === 'd') def += ' GENERATED BY DEFAULT AS IDENTITY'
      else if (c['default_expr'] !== null) def += ` DEFAULT ${c['default_expr']}`
      if (c['attnotnull']) def += ' NOT NULL'
      return def
    })
    const foreignOutside = myCons.filter((c) => c['contype'] === 'f' && !c['same_schema'])
    if (foreignOutside.length > 0) {
      throw new RehearseError(
        'DATA_UNSUPPORTED',
        `${name} has foreign keys to tables in other schemas (${foreignOutside.map((c) => c['conname']).join(', ')}).`,
        {
          hint: 'Copy one schema whose foreign keys stay inside it, or exclude the table.',
        },
      )
    }
    const pk = myCons.find((c) => c['contype'] === 'p')
    tables.push({
      name,
      columns,
      primaryKey: pk ? (pk['cols'] as string[]) : [],
      uniques: [
        ...myCons.filter((c) => c['contype'] === 'u').map((c) => c['cols'] as string[]),
        ...myIdx.filter((i) => i['indisunique'] && !i['partial_or_expr']).map((i) => i['cols'] as string[]),
      ],
      foreignKeys: myCons
        .filter((c) => c['contype'] === 'f')
        .map((c) => ({
          name: str(c['conname']),
          columns: c['cols'] as string[],
          refTable: str(c['reftable']),
          refColumns: c['refcols'] as string[],
        })),
      estimatedRows: Number(rel['reltuples']),
    })
    const order = { p: 0, u: 1, c: 2, x: 3, f: 4 } as const
    native.tables[name] = {
      columns: definitions,
      constraints: myCons
        .map((c) => ({
          name: str(c['conname']),
          type: c['contype'] as 'p' | 'u' | 'c' | 'x' | 'f',
          definition: str(c['def']),
        }))
        .sort((a, b) => order[a.type] - order[b.type]),
      indexes: myIdx.map((i) => str(i['def'])),
      sequenceColumns: [],
    }
  }
  for (const s of seqs.rows) {
    const owner = rels.rows.find((r) => r['oid'] === s['relid'])
    if (s['deptype'] === 'i' && owner) {
      native.tables[str(owner['relname'])]!.sequenceColumns.push({ column: str(s['column']) })
      continue
    }
    native.sequences.push({ name: str(s['name']), definition: str(s['definition']) })
  }
  // Any column whose default draws from a sequence of the schema (serial or hand-made) must find
  // the sequence past the copied values.
  for (const c of cols.rows) {
    const m = /^nextval\('(.+)'::regclass\)$/.exec(String(c['default_expr'] ?? ''))
    const owner = rels.rows.find((r) => r['oid'] === c['attrelid'])
    if (m && owner) {
      const sequence = m[1]!.replace(/''/g, "'")
      native.tables[str(owner['relname'])]!.sequenceColumns.push({ column: str(c['attname']), sequence })
    }
  }
  return { engine: 'postgres', namespace, tables, native }
}
