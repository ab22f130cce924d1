// @ts-check
/**
 * @module shop/lib/inventory
 * Stock levels, kept in memory like a row per product in a database: each row has a stock count
 * and a version that changes on every write. It offers the two ways shops usually reserve stock —
 * an atomic reserve (check and write in one step, like `UPDATE … SET stock = stock - n WHERE
 * stock >= n`) and an optimistic read-then-conditional-write (like an ETag / `WHERE version = v`).
 */
import { seededRandom } from './catalogue.js'
import { HttpError } from './http.js'

/** @typedef {{ productId: number, sku: string, qty: number }} StockLine */
/** @typedef {{ productId: number, stock: number, version: number }} StockSnapshot */

/** Thrown when a conditional write finds that someone else wrote the row since it was read. */
export class StockConflictError extends Error {}

export class Inventory {
  /** @param {readonly { id: number }[]} products */
  constructor(products) {
    const random = seededRandom(7)
    /** @type {Map<number, { stock: number, version: number }>} */
    this.rows = new Map(products.map((p) => [p.id, { stock: 2_000 + Math.floor(random() * 3_000), version: 1 }]))
  }

  /**
   * Units in stock for one product.
   * @param {number} productId
   */
  stock(productId) {
    return this.row(productId).stock
  }

  /**
   * Reserves every line at once or none: checks and writes without yielding to the event loop,
   * so no other request can come in between. Returns a function that gives the units back.
   * @param {StockLine[]} lines
   * @returns {() => void}
   */
  reserve(lines) {
    for (const line of lines) this.requireStock(line, this.row(line.productId).stock)
    for (const line of lines) {
      const row = this.row(line.productId)
      row.stock -= line.qty
      row.version++
    }
    return () => {
      for (const line of lines) {
        const row = this.row(line.productId)
        row.stock += line.qty
        row.version++
      }
    }
  }

  /**
   * Reads the rows for an optimistic write: checks there is enough stock now and remembers the
   * versions it saw.
   * @param {StockLine[]} lines
   * @returns {StockSnapshot[]}
   */
  read(lines) {
    return lines.map((line) => {
      const row = this.row(line.productId)
      this.requireStock(line, row.stock)
      return { productId: line.productId, stock: row.stock, version: row.version }
    })
  }

  /**
   * Writes `stock = seen.stock - qty` for every line, but only if no row changed since `read`
   * (compare-and-set on the version); throws StockConflictError otherwise and writes nothing.
   * @param {StockSnapshot[]} seen
   * @param {StockLine[]} lines
   */
  writeIfUnchanged(seen, lines) {
    for (const snapshot of seen) {
      const row = this.row(snapshot.productId)
      if (row.version !== snapshot.version) {
        throw new StockConflictError(
          `stock of product ${snapshot.productId} changed while the order was in flight (version ${snapshot.version} → ${row.version})`,
        )
      }
    }
    lines.forEach((line, i) => {
      const row = this.row(line.productId)
      row.stock = /** @type {StockSnapshot} */ (seen[i]).stock - line.qty
      row.version++
    })
  }

  /** @param {number} productId */
  row(productId) {
    const row = this.rows.get(productId)
    if (row === undefined) throw new HttpError(404, 'not_found', `no product ${productId}`)
    return row
  }

  /**
   * @param {StockLine} line
   * @param {number} stock
   */
  requireStock(line, stock) {
    if (stock < line.qty) throw new HttpError(409, 'out_of_stock', `${line.sku}: ${line.qty} wanted, ${stock} in stock`)
  }
}
