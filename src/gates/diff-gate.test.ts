import { describe, expect, it } from 'vitest'
import { type DiffObservation, diffResponses } from '../analysis/response-diff.ts'
import { diffGate } from './diff-gate.ts'

const signal = AbortSignal.timeout(5_000)
const context = (evidence: Record<string, unknown>) => ({ rehearsalId: 'r', project: 'p', dir: '.', evidence })

function observations(candidatePrice: (i: number) => number): DiffObservation[] {
  return Array.from({ length: 30 }, (_, i) => ({
    endpoint: 'GET /products/:id',
    requestId: `x${i}`,
    primary: { status: 200, body: { json: { id: i, price: 100, requestId: crypto.randomUUID() } } },
    secondary: { status: 200, body: { json: { id: i, price: 100, requestId: crypto.randomUUID() } } },
    candidate: { status: 200, body: { json: { id: i, price: candidatePrice(i), requestId: crypto.randomUUID() } } },
  }))
}

describe('the diff gate', () => {
  it('fails without evidence, saying which sections are missing', async () => {
    const result = await diffGate.evaluate(context({}), undefined, signal)
    expect(result.status).toBe('fail')
    expect(result.reasons[0]).toContain('replay:')
  })

  it('passes when the candidate differs no more than the noise, and fails naming endpoint × field', async () => {
    const same = await diffGate.evaluate(context({ diff: diffResponses(observations(() => 100)) }), undefined, signal)
    expect(same.status).toBe('pass')

    const changed = await diffGate.evaluate(
      context({ diff: diffResponses(observations(() => 120)) }),
      undefined,
      signal,
    )
    expect(changed.status).toBe('fail')
    expect(changed.reasons[0]).toMatch(/^GET \/products\/:id price: candidate differs in 30\/30/)
    expect(changed.details).toMatchObject({
      requests: 30,
      findings: [
        {
          endpoint: 'GET /products/:id',
          field: 'price',
          candidateDiffs: 30,
          noiseDiffs: 0,
          example: { requestId: 'x0', primary: '100', candidate: '120' },
        },
      ],
    })
  })
})
