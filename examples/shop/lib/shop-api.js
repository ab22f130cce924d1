// @ts-check
/**
 * @module shop/lib/shop-api
 * Everything the shop API does the same way in every version: routes, validation, carts, the
 * call to the payments service and the shape of every answer. A version (v1/api.js, v2/api.js)
 * supplies only what it changes: how a product page is built and how an order reserves stock.
 */
import { randomUUID } from 'node:crypto'
import { openCustomers } from '../db/customers.js'
import { Carts } from './carts.js'
import { findProduct, listPage, PRODUCTS } from './catalogue.js'
import { HttpError, postJson, readJson, router, sendJson, serve } from './http.js'
import { Inventory } from './inventory.js'

/** @typedef {import('./catalogue.js').Product} Product */
/** @typedef {import('./carts.js').CartItem} CartItem */

/**
 * @typedef {object} OrderRequest
 * @property {CartItem[]} lines   what is being bought
 * @property {number} amount      total in cents
 * @property {string} currency
 * @property {() => Promise<string>} charge  charges the customer through the payments service; resolves to the payment id
 */

/**
 * @typedef {object} ShopVersion
 * @property {string} version  `v1`, `v2`, … (shown by /healthz)
 * @property {(product: Product, inventory: Inventory) => Promise<Record<string, unknown>>} productPage  body of GET /products/:id
 * @property {(order: OrderRequest, inventory: Inventory) => Promise<string>} placeOrder  reserves stock and charges; resolves to the payment id
 */

const MAX_QTY = 10_000
const MAX_PAGE = 1_000_000
const PAYMENTS_TIMEOUT_MS = 5_000

/**
 * The product fields every version's product page shows.
 * @param {Product} product
 * @param {Inventory} inventory
 */
export function productFields(product, inventory) {
  return { ...product, inStock: inventory.stock(product.id) > 0 }
}

/**
 * Starts the shop API for one version, on PORT/HOST, talking to the payments service at
 * PAYMENTS_URL (default http://127.0.0.1:8081).
 * @param {ShopVersion} shop
 */
export function startShopApi(shop) {
  const paymentsUrl = (process.env['PAYMENTS_URL'] || 'http://127.0.0.1:8081').replace(/\/+$/, '')
  const carts = new Carts()
  const inventory = new Inventory(PRODUCTS)
  // The masked staging copy of the customers' data in a rehearsal; none when DATABASE_URL is unset.
  const customers = openCustomers(process.env['DATABASE_URL'])
  // What this process has written: how a test tells whether a request reached it (GET /stats).
  const writes = { cartsCreated: 0, cartsUpdated: 0, orders: 0 }

  /**
   * @param {number} amount
   * @param {string} currency
   * @param {string} token
   */
  async function charge(amount, currency, token) {
    let answer
    try {
      answer = await postJson(`${paymentsUrl}/charges`, { amount, currency, token }, { timeoutMs: PAYMENTS_TIMEOUT_MS })
    } catch (error) {
      throw new HttpError(502, 'payments_unavailable', `payments service: ${/** @type {Error} */ (error).message}`)
    }
    if (answer.status === 402) throw new HttpError(402, 'payment_declined', 'the card was declined')
    if (answer.status !== 201 || typeof answer.body['id'] !== 'string') {
      throw new HttpError(502, 'payment_failed', `payments service answered ${answer.status}`)
    }
    return answer.body['id']
  }

  const handle = router([
    ['GET', '/healthz', ({ res }) => sendJson(res, 200, { status: 'ok', service: 'api', version: shop.version })],

    ['GET', '/stats', ({ res }) => sendJson(res, 200, { ...writes })],

    [
      'GET',
      '/products',
      ({ res, query }) => {
        const page = query.has('page') ? positiveInt(query.get('page'), 'page', MAX_PAGE) : 1
        sendJson(res, 200, listPage(page))
      },
    ],

    [
      'GET',
      '/products/:id',
      async ({ res, params }) => {
        const product = findProduct(params['id'])
        if (product === undefined) throw new HttpError(404, 'not_found', `no product ${params['id']}`)
        sendJson(res, 200, await shop.productPage(product, inventory))
      },
    ],

    [
      'GET',
      '/customers/:id/orders',
      async ({ res, params }) => {
        if (customers === undefined) throw new HttpError(503, 'no_database', 'this API runs without a database')
        const id = positiveInt(params['id'], 'id', 2_147_483_647)
        const found = await customers.ordersOf(id)
        if (found === undefined) throw new HttpError(404, 'not_found', `no customer ${id}`)
        sendJson(res, 200, found)
      },
    ],

    [
      'POST',
      '/cart',
      async ({ req, res }) => {
        const body = await readJson(req)
        const item = itemFrom(body)
        if (body['cartId'] === undefined) {
          writes.cartsCreated++
          sendJson(res, 201, cartBody(carts.create(item, 'EUR')))
          return
        }
        const cart = carts.get(String(body['cartId']))
        if (cart === undefined) throw new HttpError(404, 'not_found', `no cart ${body['cartId']}`)
        writes.cartsUpdated++
        sendJson(res, 200, cartBody(carts.add(cart, item)))
      },
    ],

    [
      'GET',
      '/cart/:id',
      ({ res, params }) => {
        const cart = carts.get(/** @type {string} */ (params['id']))
        if (cart === undefined) throw new HttpError(404, 'not_found', `no cart ${params['id']}`)
        sendJson(res, 200, cartBody(cart))
      },
    ],

    [
      'POST',
      '/checkout',
      async ({ req, res }) => {
        const body = await readJson(req)
        const cartId = body['cartId'] === undefined ? undefined : String(body['cartId'])
        let lines
        if (cartId !== undefined) {
          const cart = carts.get(cartId)
          if (cart === undefined) throw new HttpError(404, 'not_found', `no cart ${cartId}`)
          lines = cart.items.map((item) => ({ ...item }))
        } else {
          lines = [itemFrom(body)]
        }
        const token = typeof body['token'] === 'string' ? body['token'] : 'tok_visa'
        const amount = lines.reduce((sum, line) => sum + line.price * line.qty, 0)
        const currency = 'EUR'
        const paymentId = await shop.placeOrder(
          { lines, amount, currency, charge: () => charge(amount, currency, token) },
          inventory,
        )
        if (cartId !== undefined) carts.delete(cartId)
        writes.orders++
        sendJson(res, 201, {
          orderId: `ord_${randomUUID()}`,
          total: amount,
          currency,
          paymentId,
          createdAt: new Date().toISOString(),
        })
      },
    ],
  ])

  return serve({ name: `api ${shop.version}`, defaultPort: 8080, handle })
}

/**
 * A cart line from a request body's `sku` (product id or SKU code) and `qty` (default 1).
 * @param {Record<string, unknown>} body
 * @returns {CartItem}
 */
function itemFrom(body) {
  if (body['sku'] === undefined) throw new HttpError(400, 'bad_request', 'sku is required')
  const product = findProduct(body['sku'])
  if (product === undefined) throw new HttpError(404, 'not_found', `no product with sku ${JSON.stringify(body['sku'])}`)
  const qty = body['qty'] === undefined ? 1 : positiveInt(body['qty'], 'qty', MAX_QTY)
  return { productId: product.id, sku: product.sku, name: product.name, price: product.price, qty }
}

/** @param {import('./carts.js').Cart} cart */
function cartBody(cart) {
  const total = cart.items.reduce((sum, item) => sum + item.price * item.qty, 0)
  return { cartId: cart.cartId, items: cart.items, total, currency: cart.currency }
}

/**
 * @param {unknown} value  a number or a string of digits
 * @param {string} name
 * @param {number} max
 */
function positiveInt(value, name, max) {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new HttpError(400, 'bad_request', `${name} must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`)
  }
  return n
}
