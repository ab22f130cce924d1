// @ts-check
/**
 * @module shop/lib/carts
 * Shopping carts, in memory. Bounded: past 10,000 carts the oldest is forgotten, so a long load
 * test cannot grow the process without limit.
 */
import { randomUUID } from 'node:crypto'

const MAX_CARTS = 10_000

/** @typedef {{ productId: number, sku: string, name: string, price: number, qty: number }} CartItem */
/** @typedef {{ cartId: string, currency: string, items: CartItem[] }} Cart */

export class Carts {
  constructor() {
    /** @type {Map<string, Cart>} */
    this.carts = new Map()
  }

  /**
   * A new cart holding one item.
   * @param {CartItem} item
   * @param {string} currency
   * @returns {Cart}
   */
  create(item, currency) {
    const cart = { cartId: `cart_${randomUUID()}`, currency, items: [item] }
    this.carts.set(cart.cartId, cart)
    if (this.carts.size > MAX_CARTS) {
      const oldest = this.carts.keys().next().value
      if (oldest !== undefined) this.carts.delete(oldest)
    }
    return cart
  }

  /**
   * Adds units of a product to a cart (merging with a line for the same product).
   * @param {Cart} cart
   * @param {CartItem} item
   */
  add(cart, item) {
    const line = cart.items.find((i) => i.productId === item.productId)
    if (line) line.qty += item.qty
    else cart.items.push(item)
    return cart
  }

  /** @param {string} cartId */
  get(cartId) {
    return this.carts.get(cartId)
  }

  /** @param {string} cartId */
  delete(cartId) {
    this.carts.delete(cartId)
  }
}
