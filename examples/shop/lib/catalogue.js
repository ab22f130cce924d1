// @ts-check
/**
 * @module shop/lib/catalogue
 * The shop's catalogue: 50 products generated from a fixed seed, so every process (v1, v2, a test)
 * sees the same ids, names and prices. Listings shuffle each product's tags on every call — the
 * kind of harmless order noise a response diff has to learn to ignore.
 */

/** Products per page of GET /products. */
export const PAGE_SIZE = 20

/**
 * @typedef {object} Product
 * @property {number} id        1…50
 * @property {string} sku       `SKU-0001`…
 * @property {string} name
 * @property {string} category
 * @property {number} price     in cents
 * @property {string} currency
 * @property {string[]} tags
 * @property {string} description
 */

/**
 * A small deterministic PRNG (mulberry32): the same seed gives the same catalogue everywhere.
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
export function seededRandom(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ADJECTIVES = ['Alpine', 'Brisk', 'Cedar', 'Dune', 'Ember', 'Fjord', 'Granite', 'Harbor', 'Indigo', 'Juniper']
const NOUNS = ['Mug', 'Backpack', 'Lamp', 'Notebook', 'Scarf', 'Kettle', 'Blanket', 'Bottle', 'Candle', 'Tote']
const CATEGORIES = ['kitchen', 'outdoor', 'home', 'stationery', 'apparel']
const TAGS = ['new', 'bestseller', 'eco', 'gift', 'handmade', 'limited', 'sale', 'organic', 'local', 'vegan']

/** @returns {Product[]} */
function generate() {
  const random = seededRandom(20240611)
  /** @type {Product[]} */
  const products = []
  for (let id = 1; id <= 50; id++) {
    const adjective = ADJECTIVES[Math.floor(random() * ADJECTIVES.length)]
    const noun = /** @type {string} */ (NOUNS[(id - 1) % NOUNS.length])
    const tags = TAGS.filter(() => random() < 0.35)
    if (tags.length < 2) tags.push(/** @type {string} */ (TAGS[id % TAGS.length]), 'new')
    products.push({
      id,
      sku: `SKU-${String(id).padStart(4, '0')}`,
      name: `${adjective} ${noun}`,
      category: /** @type {string} */ (CATEGORIES[(id - 1) % CATEGORIES.length]),
      price: 499 + Math.floor(random() * 120) * 50,
      currency: 'EUR',
      tags: [...new Set(tags)],
      description: `The ${adjective} ${noun.toLowerCase()}: made to last, shipped in recycled packaging.`,
    })
  }
  return products
}

/** @type {readonly Product[]} */
export const PRODUCTS = Object.freeze(generate())

/**
 * A product by id (`7`, `"7"`) or by SKU code (`"SKU-0007"`); undefined when there is none.
 * @param {unknown} ref
 * @returns {Product | undefined}
 */
export function findProduct(ref) {
  if (typeof ref === 'string' && /^SKU-\d{4}$/.test(ref)) return PRODUCTS.find((p) => p.sku === ref)
  const id = typeof ref === 'number' ? ref : typeof ref === 'string' && /^\d+$/.test(ref) ? Number(ref) : Number.NaN
  return Number.isInteger(id) ? PRODUCTS[id - 1] : undefined
}

/**
 * One page of the listing. Tags come in a random order on every call: the storefront renders them
 * as an unordered set, and the service never bothered to sort them.
 * @param {number} page 1-based
 */
export function listPage(page) {
  const start = (page - 1) * PAGE_SIZE
  const items = PRODUCTS.slice(start, start + PAGE_SIZE).map((p) => ({
    id: p.id,
    sku: p.sku,
    name: p.name,
    category: p.category,
    price: p.price,
    currency: p.currency,
    tags: shuffled(p.tags),
  }))
  return { page, pageSize: PAGE_SIZE, total: PRODUCTS.length, pages: Math.ceil(PRODUCTS.length / PAGE_SIZE), items }
}

/**
 * @template T
 * @param {readonly T[]} values
 * @returns {T[]}
 */
function shuffled(values) {
  const copy = [...values]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const swap = /** @type {T} */ (copy[i])
    copy[i] = /** @type {T} */ (copy[j])
    copy[j] = swap
  }
  return copy
}
