import { describe, expect, it } from 'vitest'
import { RehearseError } from '../../core/errors.ts'
import { type DiffResponse, type FlattenOptions, flattenResponse } from './flatten-response.ts'
import { createNormaliser } from './normalisers.ts'
import { compileDiffGlob } from './path-glob.ts'

const NOW = Date.UTC(2025, 2, 4, 10, 0, 0)

function options(overrides: Partial<FlattenOptions> = {}): FlattenOptions {
  return {
    normaliser: createNormaliser({ epochWindowMs: 3600_000 }, NOW),
    headers: ['content-type', 'date'],
    ignore: [],
    unordered: [],
    ordered: [],
    arrays: 'auto',
    ...overrides,
  }
}
const flat = (json: unknown, o = options()) => Object.fromEntries(flattenResponse({ status: 200, body: { json } }, o))

describe('flattenResponse', () => {
  it('flattens JSON to paths, arrays as sequences', () => {
    expect(
      flat({ a: { b: [{ c: 1 }, { c: 2, d: null }] }, tags: ['y', 'x'], 'odd.key': true, empty: [], none: {} }),
    ).toEqual({
      status: '200',
      'body:$type': 'json',
      'body:a.b[].c': '[1,2]',
      'body:a.b[].d': '[null]',
      'body:tags[]': '["x","y"]',
      'body:["odd.key"]': 'true',
      'body:empty': '[]',
      'body:none': '{}',
    })
    expect(flat(42)).toMatchObject({ 'body:$': '42' })
    expect(flat([{ id: 1 }])).toMatchObject({ 'body:[].id': '[1]' })
  })

  it('sorts unordered arrays of objects by content, ignoring ignored paths', () => {
    const o = options({ unordered: [compileDiffGlob('items')], ignore: [compileDiffGlob('**.seenAt')] })
    const a = flat(
      {
        items: [
          { sku: 'b', seenAt: 1 },
          { sku: 'a', seenAt: 2 },
        ],
      },
      o,
    )
    const b = flat(
      {
        items: [
          { sku: 'a', seenAt: 9 },
          { sku: 'b', seenAt: 3 },
        ],
      },
      o,
    )
    expect(a).toEqual(b)
    expect(a['body:items[].sku']).toBe('["a","b"]')
    expect(a['body:items[].seenAt']).toBeUndefined()
    // Ordered by default: order is part of the value.
    expect(flat({ items: [{ sku: 'b' }, { sku: 'a' }] })['body:items[].sku']).toBe('["b","a"]')
  })

  it('normalises timestamps, UUIDs, ids and epochs, also as keys and inside text', () => {
    const result = flat({
      at: '2025-03-04T10:15:30.123+01:00',
      id: '550e8400-e29b-41d4-a716-446655440000',
      ulid: '01HZX3Q9P6R8S2T4V6W8X0Y2Z4',
      sha: '9f86d081884c7d659a2feaa0c55ad015',
      customer: 'cus_4QF9b2kLmN0pQr',
      msg: 'order 550e8400-e29b-41d4-a716-446655440000 at 2025-03-04 10:15',
      epochMs: NOW + 1234,
      epochS: Math.floor(NOW / 1000),
      old: 1_600_000_000_000,
      byId: { '0f8fad5b-d9cb-469f-a165-70867728950e': { n: 2 }, '7c9e6679-7425-40de-944b-e07fc1f90ae7': { n: 1 } },
      word: 'deadbeef',
    })
    expect(result).toMatchObject({
      'body:at': '"<timestamp>"',
      'body:id': '"<uuid>"',
      'body:ulid': '"<ulid>"',
      'body:sha': '"<hex>"',
      'body:customer': '"cus_<id>"',
      'body:msg': '"order <uuid> at <timestamp>"',
      'body:epochMs': '"<epoch-ms>"',
      'body:epochS': '"<epoch-s>"',
      'body:old': '1600000000000',
      'body:byId.<uuid>.n': '[1,2]',
      'body:word': '"deadbeef"',
    })
  })

  it('compares selected headers (normalised) and text bodies', () => {
    const response: DiffResponse = {
      status: 503,
      headers: { 'content-type': 'text/html', date: 'Tue, 04 Mar 2025 10:15:30 GMT', server: 'x' },
      body: { text: 'Error 550e8400-e29b-41d4-a716-446655440000' },
    }
    expect(Object.fromEntries(flattenResponse(response, options()))).toEqual({
      status: '503',
      'header:content-type': 'text/html',
      'header:date': '<timestamp>',
      'body:$type': 'text',
      'body:$text': 'Error <uuid>',
    })
    expect(Object.fromEntries(flattenResponse({ status: 0 }, options()))).toEqual({ status: '0', 'body:$type': 'none' })
  })
})

describe('diff path globs and patterns', () => {
  it.each([
    ['items[].price', 'items[].price', true],
    ['items[*].price', 'items[].price', true],
    ['**.updatedAt', 'updatedAt', true],
    ['**.updatedAt', 'a.b[].updatedAt', true],
    ['meta.*', 'meta.requestId', true],
    ['meta.*', 'meta.a.b', false],
    ['meta.**', 'meta.a[].b', true],
    ['$.total', 'total', true],
    ['total', 'subtotal', false],
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(compileDiffGlob(glob).test(path)).toBe(expected)
  })

  it('rejects malformed patterns with DIFF_INVALID_PATTERN', () => {
    for (const bad of ['', 'a[b', 'a b']) {
      expect(() => compileDiffGlob(bad)).toThrow(RehearseError)
    }
    expect(() => createNormaliser({ patterns: [{ regex: '(', as: 'x' }] })).toThrow(
      expect.objectContaining({ code: 'DIFF_INVALID_PATTERN' }),
    )
    const custom = createNormaliser({ patterns: [{ regex: 'ord-\\d+', as: 'order' }] })
    expect(custom.value('see ord-123 and ord-9')).toBe('see <order> and <order>')
  })
})
