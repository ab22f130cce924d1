// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} is rehearse.yaml's request-template syntax, not JavaScript's
import { describe, expect, it } from 'vitest'
import { isRehearseError, type RehearseError } from '../../core/errors.ts'
import { createRandom } from './random.ts'
import { compileText, type ExpandContext, type TemplateSource } from './template-text.ts'

const source: TemplateSource = { baseDir: '/nonexistent', path: 'traffic.scenario.0.request', file: 'rehearse.yaml' }
const ctx = (seed = 1, seq = 7): ExpandContext => ({
  random: createRandom(seed),
  seq,
  nowMs: Date.UTC(2030, 0, 2, 3, 4, 5),
})

function templateError(text: string): RehearseError {
  try {
    compileText(text, source)
  } catch (error) {
    if (isRehearseError(error)) return error
    throw error
  }
  throw new Error(`"${text}" compiled`)
}

describe('compileText', () => {
  it('keeps a string without generators as it is (and $${ as a literal ${)', () => {
    const t = compileText('/products?q=$${x}&a=$1', source)
    expect(t.constant).toBe(true)
    expect(t.render(ctx())).toBe('/products?q=${x}&a=$1')
  })

  it('evaluates rand.int within bounds, inclusive, reproducibly', () => {
    const t = compileText('/p/${rand.int(1,3)}', source)
    const c = ctx(5)
    const seen = new Set<string>()
    for (let i = 0; i < 300; i++) seen.add(t.render(c))
    expect([...seen].sort()).toEqual(['/p/1', '/p/2', '/p/3'])
    const a = ctx(9)
    const b = ctx(9)
    expect(Array.from({ length: 20 }, () => t.render(a))).toEqual(Array.from({ length: 20 }, () => t.render(b)))
  })

  it('evaluates rand.float, pick lists, seq, uuid, now and now.iso', () => {
    const c = ctx()
    const f = Number(compileText('${rand.float(0.5, 2)}', source).render(c))
    expect(f).toBeGreaterThanOrEqual(0.5)
    expect(f).toBeLessThan(2)
    expect(['red', 'green', 'blue']).toContain(compileText('${pick(red|green | blue)}', source).render(c))
    expect(compileText('id-${seq}', source).render(c)).toBe('id-7')
    expect(compileText('${uuid}', source).render(c)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(compileText('${now}', source).render(c)).toBe(String(Date.UTC(2030, 0, 2, 3, 4, 5)))
    expect(compileText('${ now.iso }', source).render(c)).toBe('2030-01-02T03:04:05.000Z')
  })

  it('picks every choice about equally often', () => {
    const t = compileText('${pick(a|b|c|d)}', source)
    const c = ctx(11)
    const counts: Record<string, number> = {}
    for (let i = 0; i < 8000; i++) {
      const v = t.render(c)
      counts[v] = (counts[v] ?? 0) + 1
    }
    for (const v of ['a', 'b', 'c', 'd']) expect(Math.abs(counts[v]! - 2000)).toBeLessThan(200)
  })

  it.each([
    ['/p/${rand.int(1,20)', /not closed/],
    ['${rand.integer(1,2)}', /unknown generator "rand.integer"/],
    ['${rand.int(1)}', /takes 2 arguments/],
    ['${rand.int(5,1)}', /first not above the second/],
    ['${rand.int(1.5,3)}', /two integers/],
    ['${rand.float(a,2)}', /"a" is not a number/],
    ['${pick(a,b,c)}', /separate the choices with "\|"/],
    ['${pick(a||b)}', /empty choice/],
    ['${seq(1)}', /takes 0 argument/],
    ['${ }', /not a generator call/],
  ])('rejects %s with TRAFFIC_TEMPLATE and the spec path', (text, message) => {
    const error = templateError(text)
    expect(error.code).toBe('TRAFFIC_TEMPLATE')
    expect(error.message).toMatch(message)
    expect(error.location).toEqual({ path: 'traffic.scenario.0.request', file: 'rehearse.yaml' })
  })

  it('suggests the nearest generator name', () => {
    expect(templateError('${uid}').hint).toMatch(/Did you mean uuid\?/)
  })

  it('reports a missing CSV file as TRAFFIC_TEMPLATE_FILE', () => {
    try {
      compileText('${pick(skus.csv)}', source)
      expect.unreachable()
    } catch (error) {
      expect(isRehearseError(error) && error.code).toBe('TRAFFIC_TEMPLATE_FILE')
    }
  })
})
