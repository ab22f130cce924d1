import { describe, expect, it } from 'vitest'
import { routeKey } from './route-key.ts'

describe('routeKey', () => {
  it.each([
    ['get', '/products/42?page=2', 'GET /products/:id'],
    ['GET', '/orders/550e8400-e29b-41d4-a716-446655440000/items', 'GET /orders/:id/items'],
    ['GET', '/orders/01HZX3Q9P6R8S2T4V6W8X0Y2Z4', 'GET /orders/:id'],
    ['GET', '/blobs/9f86d081884c7d65', 'GET /blobs/:id'],
    ['GET', '/cart/cart_2f1c8a7e-abcd-4ef0-9abc-0123456789ab', 'GET /cart/:id'],
    ['GET', '/users/redacted:email:3f9a0c1d2e3f4a5b/cart', 'GET /users/:id/cart'],
    ['GET', '/products/blue-ceramic-mug', 'GET /products/blue-ceramic-mug'],
    ['GET', '/api/v2/healthz', 'GET /api/v2/healthz'],
    ['POST', '/', 'POST /'],
  ])('%s %s → %s', (method, url, route) => {
    expect(routeKey(method, url)).toBe(route)
  })
})
