// @ts-check
/**
 * @module shop/v1/api
 * The shop API, version 1 — the baseline. Product pages are plain catalogue entries; an order
 * reserves its stock atomically before it charges the customer, and gives the stock back if the
 * charge fails.
 *
 * Run by hand: `PORT=8080 PAYMENTS_URL=http://127.0.0.1:8081 node v1/api.js`
 */
import { productFields, startShopApi } from '../lib/shop-api.js'

startShopApi({
  version: 'v1',

  async productPage(product, inventory) {
    return productFields(product, inventory)
  },

  async placeOrder(order, inventory) {
    // Check and decrement in one synchronous step: no other request can run in between.
    const release = inventory.reserve(order.lines)
    try {
      return await order.charge()
    } catch (error) {
      release()
      throw error
    }
  },
})
