// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} is rehearse.yaml's request-template syntax, not JavaScript's
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isRehearseError } from '../../core/errors.ts'
import { createRandom } from './random.ts'
import { compileRequestTemplate, compileScenario } from './request-template.ts'
import type { ExpandContext } from './template-text.ts'

const dir = mkdtempSync(join(tmpdir(), 'rehearse-tpl-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
writeFileSync(join(dir, 'skus.csv'), 'sku,price\nA-1,10\nB-2,20\nC-3,30\n')
const source = { baseDir: dir, path: 'traffic.scenario.0' }
const ctx = (seed = 1): ExpandContext => ({ random: createRandom(seed), seq: 1, nowMs: 0 })

describe('compileRequestTemplate', () => {
  it('derives a low-cardinality route key: no query string, generators as labels', () => {
    const route = (request: string) => compileRequestTemplate({ request }, source).route
    expect(route('GET /products?page=${rand.int(1,20)}')).toBe('GET /products')
    expect(route('GET /products/${rand.int(1,100)}/reviews')).toBe('GET /products/:int/reviews')
    expect(route('DELETE /cart/${pick(skus.csv, sku)}')).toBe('DELETE /cart/:sku')
    expect(route('POST /checkout')).toBe('POST /checkout')
    expect(compileRequestTemplate({ name: 'browse', request: 'GET /p?x=1' }, source).route).toBe('browse')
  })

  it('expands path, headers and a JSON body whose lone numeric generators become numbers', () => {
    const t = compileRequestTemplate(
      {
        request: 'POST /cart?u=${seq}',
        headers: { 'X-Trace': 't-${seq}', Accept: 'application/json' },
        json: {
          sku: '${pick(skus.csv)}',
          qty: '${rand.int(1,1)}',
          note: 'n${rand.int(2,2)}',
          tags: ['a', true, null, 1.5],
          literal: '$${x}',
        },
      },
      source,
    )
    const r = t.expand(ctx())
    expect(r.method).toBe('POST')
    expect(r.path).toBe('/cart?u=1')
    expect(r.headers).toEqual(['x-trace', 't-1', 'accept', 'application/json', 'content-type', 'application/json'])
    const body = JSON.parse(r.body!)
    expect(['A-1', 'B-2', 'C-3']).toContain(body.sku)
    expect(body).toMatchObject({ qty: 1, note: 'n2', tags: ['a', true, null, 1.5], literal: '${x}' })
  })

  it('escapes generated text inside JSON strings', () => {
    writeFileSync(join(dir, 'names.csv'), 'name\n"quote "" and \\ backslash"\n')
    const t = compileRequestTemplate({ request: 'POST /n', json: { name: 'x ${pick(names.csv)}' } }, source)
    expect(JSON.parse(t.expand(ctx()).body!)).toEqual({ name: 'x quote " and \\ backslash' })
  })

  it('keeps a text body and leaves content-type to the user', () => {
    const t = compileRequestTemplate(
      { request: 'PUT /raw', body: 'id=${seq}', headers: { 'content-type': 'text/plain' } },
      source,
    )
    expect(t.expand(ctx())).toEqual({
      method: 'PUT',
      path: '/raw',
      headers: ['content-type', 'text/plain'],
      body: 'id=1',
    })
  })

  it.each([
    [{ request: 'FETCH /x' }, 'traffic.scenario.0.request', /not "METHOD \/path"/],
    [{ request: 'GET products' }, 'traffic.scenario.0.request', /not "METHOD \/path"/],
    [{ request: 'GET /x', json: {}, body: 'b' }, 'traffic.scenario.0.body', /json or body/],
    [{ request: 'GET /x', headers: { 'bad header': 'v' } }, 'traffic.scenario.0.headers.bad header', /header name/],
    [{ request: 'POST /x', json: { a: { b: '${nope}' } } }, 'traffic.scenario.0.json.a.b', /unknown generator/],
    [{ request: 'GET /x', weight: 0 }, 'traffic.scenario.0.weight', /positive/],
  ])('rejects %j at %s', (spec, path, message) => {
    try {
      compileRequestTemplate(spec, source)
      expect.unreachable()
    } catch (error) {
      expect(isRehearseError(error) && error.code).toBe('TRAFFIC_TEMPLATE')
      expect((error as { location?: { path?: string } }).location?.path).toBe(path)
      expect((error as Error).message).toMatch(message)
    }
  })
})

describe('compileScenario', () => {
  it('chooses templates in proportion to their weights', () => {
    const s = compileScenario(
      [
        { request: 'GET /a', weight: 6 },
        { request: 'GET /b', weight: 3 },
        { request: 'GET /c', weight: 1 },
      ],
      { baseDir: dir, path: 'traffic.scenario' },
    )
    const random = createRandom(3)
    const counts: Record<string, number> = {}
    for (let i = 0; i < 10_000; i++) {
      const r = s.choose(random).route
      counts[r] = (counts[r] ?? 0) + 1
    }
    expect(Math.abs(counts['GET /a']! - 6000)).toBeLessThan(250)
    expect(Math.abs(counts['GET /b']! - 3000)).toBeLessThan(250)
    expect(Math.abs(counts['GET /c']! - 1000)).toBeLessThan(150)
  })

  it('names the failing entry by its index', () => {
    try {
      compileScenario([{ request: 'GET /ok' }, { request: 'GET /${bad}' }], { baseDir: dir, path: 'traffic.scenario' })
      expect.unreachable()
    } catch (error) {
      expect((error as { location?: { path?: string } }).location?.path).toBe('traffic.scenario.1.request')
    }
  })
})
