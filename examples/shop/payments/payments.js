// @ts-check
/**
 * @module shop/payments/payments
 * A stand-in card processor the shop API charges over HTTP. It takes a few milliseconds per
 * charge with a long-tailed (lognormal) jitter, as a real processor's authorisation does, and
 * declines the test token `tok_declined`. Shared by every version of the API: a rehearsal runs
 * one payments service for baseline and candidate alike.
 *
 * Run by hand: `PORT=8081 node payments/payments.js`
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { HttpError, readJson, router, sendJson, serve } from '../lib/http.js'

/** Median processing time of a charge, milliseconds. */
const MEDIAN_MS = 20
/** Spread of the lognormal jitter (σ of the underlying normal): p99 ≈ 3.2 × the median. */
const SIGMA = 0.5

/** A processing delay drawn from a lognormal distribution (Box–Muller for the normal draw). */
function processingDelayMs() {
  const u = 1 - Math.random()
  const v = Math.random()
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  return Math.min(MEDIAN_MS * Math.exp(SIGMA * normal), MEDIAN_MS * 10)
}

const handle = router([
  ['GET', '/healthz', ({ res }) => sendJson(res, 200, { status: 'ok', service: 'payments' })],
  [
    'POST',
    '/charges',
    async ({ req, res }) => {
      const { amount, currency, token } = await readJson(req)
      if (!Number.isInteger(amount) || /** @type {number} */ (amount) <= 0) {
        throw new HttpError(400, 'bad_request', 'amount must be a positive integer number of cents')
      }
      if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
        throw new HttpError(400, 'bad_request', 'currency must be an ISO 4217 code such as "EUR"')
      }
      if (typeof token !== 'string' || token === '') throw new HttpError(400, 'bad_request', 'token is required')
      await sleep(processingDelayMs())
      if (token === 'tok_declined') {
        sendJson(res, 402, { error: 'card_declined', message: 'the card was declined' })
        return
      }
      sendJson(res, 201, { id: `ch_${randomUUID()}`, status: 'succeeded', amount, currency })
    },
  ],
])

serve({ name: 'payments', defaultPort: 8081, handle })
