/**
 * @module data/mysql/mysql-introspector
 * Reads a MySQL/MariaDB database's tables from information_schema (the engine-neutral schema) and
 * their `SHOW CREATE TABLE` text (what the MySQL sink replays in the load database: columns,
 * indexes, foreign keys, charsets, exactly as the source has them).
 */
import { RehearseError } from '../../core/errors.ts'
import type { ColumnSchema, DatabaseSchema, TableSchema, ValueClass } from '../source.ts'
import { type MysqlConnection, myIdent, run } from './mysql-connection.ts'

export type MysqlNative = { tables: Record<string, { createTable: string }> }

const INT_MAX: Record<string, [bigint, bigint]> = {
  tinyint: [127n, 255n],
  smallint: [32767n, 65535n],
  mediumint: [8388607n, 16777215n],
  int: [2147483647n, 4294967295n],
  bigint: [9223372036854775807n, 18446744073709551615n],
}

function valueClassOf(dataType: string, columnType: string): ValueClass {
  const t = dataType.toLowerCase()
  if (t in INT_MAX) return columnType.startsWith('tinyint(1)') ? 'boolean' : 'integer'
  switch (t) {
    case 'decimal':
      return 'decimal'
    case 'float':
    case 'double':
      return 'float'
    case 'char':
    case 'varchar':
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      return 'text'
    case 'date':
      return 'date'
    case 'datetime':
    case 'timestamp':
      return 'timestamp'
    case 'time':
      return 'time'
    case 'json':
      return 'json'
    case 'uuid':
      return 'uuid'
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
    case 'geometry':
    case 'point':
    case 'linestring':
    case 'polygon':
    case 'multipoint':
    case 'multilinestring':
    case 'multipolygon':
    case 'geometrycollection':
      return 'binary'
    default:
      return 'other'
  }
}

export async function introspectMysql(db: MysqlConnection, database: string): Promise<DatabaseSchema> {
  const exists = await run(db, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database])
  if (exists.length === 0) {
    throw new RehearseError('DATA_UNKNOWN_COLUMN', `The source has no database ${database}.`, {
      hint: 'Check the database in data.source.',
    })
  }
  const tables = await run(
    db,
    `SELECT TABLE_NAME, COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
    [database],
  )
  const columns = await run(
    db,
    `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, EXTRA, CHARACTER_MAXIMUM_LENGTH
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [database],
  )
  // KEY_COLUMN_USAGE alone: MariaDB hides TABLE_CONSTRAINTS from a user who may only SELECT.
  // PRIMARY is the primary key, a referenced table makes a foreign key, the rest are unique keys.
  const keys = await run(
    db,
    `SELECT TABLE_NAME, CONSTRAINT_NAME,
            CASE WHEN CONSTRAINT_NAME = 'PRIMARY' THEN 'PRIMARY KEY'
                 WHEN REFERENCED_TABLE_NAME IS NOT NULL THEN 'FOREIGN KEY' ELSE 'UNIQUE' END,
            COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
       FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`,
    [database],
  )
  // Unique indexes that are not constraints still make a column a key.
  const uniqueIndexes = await run(
    db,
    `SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ? AND NON_UNIQUE = 0 ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [database],
  )
  const out: TableSchema[] = []
  const native: MysqlNative = { tables: {} }
  for (const [name, rows] of tables as Array<[string, string]>) {
    const cols: ColumnSchema[] = columns
      .filter((c) => c[0] === name)
      .map(([, column, dataType, columnType, nullable, extra, maxLength]) => {
        const type = String(columnType)
        const c: ColumnSchema = {
          name: String(column),
          type,
          valueClass: valueClassOf(String(dataType), type),
          nullable: nullable === 'YES',
          generated: /GENERATED/i.test(String(extra ?? '')),
        }
        const ints = INT_MAX[String(dataType).toLowerCase()]
        if (ints && c.valueClass === 'integer') c.maxValue = /unsigned/i.test(type) ? ints[1] : ints[0]
        if (/^(var)?char$/i.test(String(dataType)) && maxLength !== null) c.maxLength = Number(maxLength)
        return c
      })
    const mine = keys.filter((k) => k[0] === name)
    const constraintNames = [...new Set(mine.map((k) => String(k[1])))]
    const byConstraint = (n: string) => mine.filter((k) => k[1] === n)
    const foreignKeys = constraintNames
      .filter((n) => byConstraint(n)[0]![2] === 'FOREIGN KEY')
      .map((n) => {
        const parts = byConstraint(n)
        if (parts[0]![4] !== database) {
          throw new RehearseError('DATA_UNSUPPORTED', `${name} has a foreign key (${n}) to another database.`, {
            hint: 'Exclude the table, or copy a database whose foreign keys stay inside it.',
          })
        }
        return {
          name: n,
          columns: parts.map((p) => String(p[3])),
          refTable: String(parts[0]![5]),
          refColumns: parts.map((p) => String(p[6])),
        }
      })
    const primary = mine.filter((k) => k[2] === 'PRIMARY KEY').map((k) => String(k[3]))
    const indexNames = [
      ...new Set(uniqueIndexes.filter((u) => u[0] === name && u[1] !== 'PRIMARY').map((u) => String(u[1]))),
    ]
    out.push({
      name,
      columns: cols,
      primaryKey: primary,
      uniques: indexNames.map((i) => uniqueIndexes.filter((u) => u[0] === name && u[1] === i).map((u) => String(u[2]))),
      foreignKeys,
      estimatedRows: Number(rows),
    })
    const [[, createTable]] = (await run(db, `SHOW CREATE TABLE ${myIdent(database)}.${myIdent(name)}`)) as [
      [string, string],
    ]
    // The counter restarts from the copied values by itself; the source's is not staging's business.
    native.tables[name] = { createTable: createTable.replace(/ AUTO_INCREMENT=\d+/, '') }
  }
  return { engine: 'mysql', namespace: database, tables: out, native }
}
