// @ts-check
/**
 * @module shop/v2/api
 * The shop API, version 2 — the candidate. Two changes, each reasonable on its own, each with a
 * regression a rehearsal should catch before customers do:
 *
 * 1. Product pages show recommendations. They are computed for every product just after start-up,
 *    then refreshed in the request path on a random 5% of page views (fresh without a scheduled
 *    job). A refresh costs ~50 ms of real computation, so GET /products/:id keeps its median and
 *    grows a tail.
 * 2. Checkout no longer holds stock while the card is charged ("don't block stock for payments
 *    that fail"): it reads the stock, charges, then writes the new stock only if nobody else wrote
 *    it meanwhile. Alone that works; when two checkouts of the same product overlap, the second
 *    write finds the row changed and the request fails with a 500 — after the card was charged.
 *
 * Run by hand: `PORT=8080 PAYMENTS_URL=http://127.0.0.1:8081 node v2/api.js`
 */
import { PRODUCTS } from '../lib/catalogue.js'
import { productFields, startShopApi } from '../lib/shop-api.js'
import { computeRecommendations } from './recommendations.js'

/** Share of product page views that refresh that product's recommendations. */
const REFRESH_PROBABILITY = 0.05

// Recommendations by product id, and the computations running now (so that they are shared).
/** @type {Map<number, number[]>} */
const recommendations = new Map()
/** @type {Map<number, Promise<number[]>>} */
const computing = new Map()

/**
 * Computes one product's recommendations into the cache, or joins the computation already running.
 * @param {number} productId
 * @returns {Promise<number[]>}
 */
function refresh(productId) {
  let pending = computing.get(productId)
  if (pending === undefined) {
    pending = computeRecommendations(productId)
      .then((ids) => {
        recommendations.set(productId, ids)
        return ids
      })
      .finally(() => computing.delete(productId))
    computing.set(productId, pending)
  }
  return pending
}

startShopApi({
  version: 'v2',

  async productPage(product, inventory) {
    let ids = recommendations.get(product.id)
    if (ids === undefined || Math.random() < REFRESH_PROBABILITY) ids = await refresh(product.id)
    return { ...productFields(product, inventory), recommendations: ids }
  },

  async placeOrder(order, inventory) {
    const seen = inventory.read(order.lines)
    const paymentId = await order.charge()
    // Throws StockConflictError (→ 500) if another checkout wrote these rows during the charge.
    inventory.writeIfUnchanged(seen, order.lines)
    return paymentId
  },
})

// Fill the cache in the background (~50 ms a product, a few seconds in all) rather than before
// listening, so start-up stays fast; a page asked for before its turn computes on demand.
for (const product of PRODUCTS) if (!recommendations.has(product.id)) await refresh(product.id)
