// @ts-check
/**
 * @module shop/db/customers
 * The API's one database-backed read: a customer and their orders, from the database at
 * DATABASE_URL — in a rehearsal, the masked staging copy of the demo's "production" database.
 * Without DATABASE_URL (or with it empty: the rehearsal's data step was skipped) there is no
 * database and the route answers 503; everything else in the API works as before. `pg` is loaded
 * only when there is a database, from the Rehearse repository's node_modules.
 */

/**
 * @typedef {object} CustomerOrders
 * @property {{ id: number, name: string, email: string, city: string | null }} customer
 * @property {Array<{ id: number, totalCents: number, status: string, createdAt: string }>} orders
 */

/**
 * A reader of customers and their orders, or undefined when there is no database.
 * @param {string | undefined} url
 * @returns {{ ordersOf(id: number): Promise<CustomerOrders | undefined> } | undefined}
 */
export function openCustomers(url) {
  if (!url) return undefined
  /** @type {Promise<import('pg').Pool> | undefined} */
  let pool
  const connect = async () => {
    const { default: pg } = await import('pg')
    const created = new pg.Pool({ connectionString: url, max: 4, idleTimeoutMillis: 5_000 })
    created.on('error', (error) => console.error(`api: database: ${error.message}`))
    return created
  }
  return {
    async ordersOf(id) {
      pool ??= connect()
      const db = await pool
      const customer = await db.query('select id, name, email, city from customers where id = $1', [id])
      if (customer.rowCount === 0) return undefined
      const orders = await db.query(
        'select id, total_cents, status, created_at from orders where customer_id = $1 order by created_at desc, id limit 50',
        [id],
      )
      return {
        customer: customer.rows[0],
        orders: orders.rows.map((o) => ({
          id: o.id,
          totalCents: o.total_cents,
          status: o.status,
          createdAt: new Date(o.created_at).toISOString(),
        })),
      }
    },
  }
}
