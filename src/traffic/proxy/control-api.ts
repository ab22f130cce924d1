/**
 * @module traffic/proxy/control-api
 * The proxy's control API, in the spirit of Toxiproxy's: list, add, replace, remove and reset fault
 * rules at runtime, JSON in and out, plus `GET /metrics` (Prometheus text). Errors are
 * `application/problem+json` bodies carrying the Rehearse error code and the path of the field.
 *
 *     GET    /faults            → 200 [rule…]
 *     POST   /faults            → 201 rule          (body: one rule)
 *     PUT    /faults            → 200 [rule…]       (body: every rule; replaces the set)
 *     DELETE /faults            → 204               (removes every rule)
 *     GET    /faults/:name      → 200 rule
 *     DELETE /faults/:name      → 204
 *     POST   /reset             → 204               (Toxiproxy's name for DELETE /faults)
 *     GET    /targets           → 200 { name: url }
 *     GET    /metrics           → 200 text/plain
 */

import type { Context } from 'hono'
import { Hono } from 'hono'
import type { ErrorCode } from '../../core/error-codes.ts'
import { isRehearseError, RehearseError } from '../../core/errors.ts'
import type { FaultSet } from './fault-set.ts'

const HTTP_STATUS: Partial<Record<ErrorCode, 400 | 404 | 409>> = {
  TRAFFIC_FAULT_INVALID: 400,
  TRAFFIC_FAULT_EXISTS: 409,
  TRAFFIC_FAULT_NOT_FOUND: 404,
}

/** An RFC 9457 problem body for an error. */
function problem(c: Context, error: unknown): Response {
  const rehearse = isRehearseError(error)
    ? error
    : new RehearseError('INTERNAL', `The control API failed: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
      })
  const status = HTTP_STATUS[rehearse.code] ?? 500
  const body = {
    type: `urn:rehearse:error:${rehearse.code}`,
    title: rehearse.message,
    status,
    code: rehearse.code,
    ...(rehearse.hint ? { hint: rehearse.hint } : {}),
    ...(rehearse.location?.path !== undefined ? { path: rehearse.location.path } : {}),
    ...(rehearse.details ? rehearse.details : {}),
  }
  return c.body(JSON.stringify(body), status, { 'content-type': 'application/problem+json' })
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json()
  } catch {
    throw new RehearseError('TRAFFIC_FAULT_INVALID', 'The request body is not JSON.', {
      hint: 'Send a JSON object such as {"delay":"300ms","probability":0.2} with content-type application/json.',
    })
  }
}

export type ControlApiOptions = {
  faults: FaultSet
  targets: Record<string, string>
  metrics: () => Promise<string>
}

/** The control API's Hono app (the caller serves it). */
export function createControlApi(options: ControlApiOptions): Hono {
  const { faults } = options
  const app = new Hono()
  app.onError((error, c) => problem(c, error))
  app.notFound((c) => c.json({ type: 'about:blank', title: 'Not found', status: 404 }, 404))

  app.get('/faults', (c) => c.json(faults.list()))
  app.post('/faults', async (c) => c.json(faults.add(await jsonBody(c)), 201))
  app.put('/faults', async (c) => {
    const body = await jsonBody(c)
    if (!Array.isArray(body)) {
      throw new RehearseError('TRAFFIC_FAULT_INVALID', 'PUT /faults takes a JSON array of fault rules.', {
        hint: 'Send [] to remove every rule, or [{...}, {...}] to replace them.',
      })
    }
    return c.json(faults.set(body))
  })
  app.delete('/faults', (c) => {
    faults.reset()
    return c.body(null, 204)
  })
  app.get('/faults/:name', (c) => {
    const name = c.req.param('name')
    const rule = faults.list().find((r) => r.name === name)
    if (rule === undefined)
      throw new RehearseError('TRAFFIC_FAULT_NOT_FOUND', `No active fault rule is named ${JSON.stringify(name)}.`)
    return c.json(rule)
  })
  app.delete('/faults/:name', (c) => {
    faults.remove(c.req.param('name'))
    return c.body(null, 204)
  })
  app.post('/reset', (c) => {
    faults.reset()
    return c.body(null, 204)
  })
  app.get('/targets', (c) => c.json(options.targets))
  app.get('/metrics', async (c) =>
    c.body(await options.metrics(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  )
  return app
}
