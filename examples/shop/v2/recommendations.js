// @ts-check
/**
 * @module shop/v2/recommendations
 * "Customers who bought this also bought": item-to-item recommendations scored from the shop's
 * order history (co-purchases normalised by popularity, the cosine measure of item-based
 * collaborative filtering). New in v2.
 *
 * The computation is honest and naive: it scans the whole history once for the product and once
 * more for every candidate's popularity, tens of millions of array reads. It yields to the event
 * loop between slices so other requests keep flowing, but the request that pays for it waits.
 */
import { PRODUCTS, seededRandom } from '../lib/catalogue.js'

/** How many past orders the history holds; sized so that one computation takes tens of ms. */
const HISTORY_ORDERS = 100_000
/** Orders scanned between two yields to the event loop. */
const SLICE_ORDERS = 20_000
/** Recommendations shown on a product page. */
const TOP = 4

/**
 * A deterministic order history: 2–5 items an order, mostly from one category (people buy
 * kitchen things with kitchen things), so the recommendations mean something.
 */
function generateHistory() {
  const random = seededRandom(99)
  const categories = [...new Set(PRODUCTS.map((p) => p.category))].map((c) => PRODUCTS.filter((p) => p.category === c))
  const offsets = new Int32Array(HISTORY_ORDERS + 1)
  const items = new Int32Array(HISTORY_ORDERS * 5)
  let n = 0
  for (let order = 0; order < HISTORY_ORDERS; order++) {
    offsets[order] = n
    const home = /** @type {typeof PRODUCTS[number][]} */ (categories[Math.floor(random() * categories.length)])
    const size = 2 + Math.floor(random() * 4)
    for (let k = 0; k < size; k++) {
      const pool = random() < 0.8 ? home : PRODUCTS
      items[n++] = /** @type {typeof PRODUCTS[number]} */ (pool[Math.floor(random() * pool.length)]).id
    }
  }
  offsets[HISTORY_ORDERS] = n
  return { offsets, items }
}

const history = generateHistory()

const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve))

/**
 * For every order containing `productId`, calls `visit(orderStart, orderEnd)`.
 * @param {number} productId
 * @param {(start: number, end: number) => void} visit
 */
async function scanOrdersWith(productId, visit) {
  const { offsets, items } = history
  for (let first = 0; first < HISTORY_ORDERS; first += SLICE_ORDERS) {
    const last = Math.min(first + SLICE_ORDERS, HISTORY_ORDERS)
    for (let order = first; order < last; order++) {
      const start = /** @type {number} */ (offsets[order])
      const end = /** @type {number} */ (offsets[order + 1])
      for (let i = start; i < end; i++) {
        if (items[i] === productId) {
          visit(start, end)
          break
        }
      }
    }
    await yieldToEventLoop()
  }
}

/**
 * @param {number} productId
 * @returns {Promise<number>} how many orders contain the product
 */
async function popularity(productId) {
  let count = 0
  await scanOrdersWith(productId, () => count++)
  return count
}

/**
 * The ids of the products most often bought together with `productId`, best first.
 * @param {number} productId
 * @returns {Promise<number[]>}
 */
export async function computeRecommendations(productId) {
  const together = new Float64Array(PRODUCTS.length + 1)
  await scanOrdersWith(productId, (start, end) => {
    for (let i = start; i < end; i++) {
      const other = /** @type {number} */ (history.items[i])
      if (other !== productId) together[other] = /** @type {number} */ (together[other]) + 1
    }
  })
  const own = await popularity(productId)
  /** @type {Array<{ id: number, score: number }>} */
  const scored = []
  for (let id = 1; id <= PRODUCTS.length; id++) {
    const co = /** @type {number} */ (together[id])
    if (co === 0) continue
    scored.push({ id, score: co / Math.sqrt(own * (await popularity(id))) })
  }
  scored.sort((a, b) => b.score - a.score || a.id - b.id)
  return scored.slice(0, TOP).map((s) => s.id)
}
