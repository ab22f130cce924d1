import { describe, expect, it } from 'vitest'
import { renderJunit } from './render-junit.ts'
import { earlyFailureFixture, rollbackFixture } from './testing/report-fixture.ts'

type XmlElement = { name: string; attrs: Record<string, string>; children: XmlElement[]; text: string }

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
const NAME_START = /[A-Za-z_:]/
const NAME_CHAR = /[A-Za-z0-9_:.-]/
// biome-ignore lint/suspicious/noControlCharactersInRegex: checking that XML 1.0 forbidden characters are absent
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/

/**
 * A strict little XML 1.0 reader, enough for JUnit files: one root, start/end tags that match,
 * quoted attributes without `<`, no raw `&` outside the five entities and character references,
 * no characters XML forbids. Throws with the offset at the first violation.
 */
function parseXml(xml: string): XmlElement {
  let i = 0
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${i}: ${JSON.stringify(xml.slice(i, i + 40))}`)
  }
  if (FORBIDDEN.test(xml)) fail('forbidden character')
  const decode = (raw: string): string =>
    raw.replace(/&([^;]*);|&/g, (all, ref: string | undefined) => {
      if (ref === undefined) return fail('bare &')
      if (ref in ENTITIES) return ENTITIES[ref]!
      const code = /^#x([0-9a-f]+)$/i.exec(ref)
        ? Number.parseInt(ref.slice(2), 16)
        : /^#(\d+)$/.test(ref)
          ? Number(ref.slice(1))
          : Number.NaN
      return Number.isNaN(code) ? fail(`unknown entity ${all}`) : String.fromCodePoint(code)
    })
  const name = (): string => {
    const start = i
    if (!NAME_START.test(xml[i] ?? '')) fail('expected a name')
    while (NAME_CHAR.test(xml[i] ?? '')) i++
    return xml.slice(start, i)
  }
  const spaces = () => {
    while (/\s/.test(xml[i] ?? '')) i++
  }
  if (xml.startsWith('<?xml')) i = xml.indexOf('?>') + 2
  spaces()
  const element = (): XmlElement => {
    if (xml[i] !== '<') fail('expected <')
    i++
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' }
    for (;;) {
      spaces()
      if (xml.startsWith('/>', i)) {
        i += 2
        return el
      }
      if (xml[i] === '>') break
      const attr = name()
      if (attr in el.attrs) fail(`duplicate attribute ${attr}`)
      if (xml[i++] !== '=' || xml[i++] !== '"') fail('expected ="')
      const end = xml.indexOf('"', i)
      const raw = xml.slice(i, end)
      if (end < 0 || raw.includes('<')) fail('bad attribute value')
      el.attrs[attr] = decode(raw)
      i = end + 1
    }
    i++
    for (;;) {
      const next = xml.indexOf('<', i)
      if (next < 0) fail(`unclosed <${el.name}>`)
      el.text += decode(xml.slice(i, next))
      i = next
      if (xml.startsWith('</', i)) {
        i += 2
        if (name() !== el.name) fail(`mismatched </…> for <${el.name}>`)
        spaces()
        if (xml[i++] !== '>') fail('expected >')
        return el
      }
      el.children.push(element())
    }
  }
  const root = element()
  spaces()
  if (i !== xml.length) fail('content after the root element')
  return root
}

const all = (el: XmlElement, name: string): XmlElement[] => [
  ...el.children.filter((c) => c.name === name),
  ...el.children.flatMap((c) => all(c, name)),
]
const outcomeOf = (tc: XmlElement) => tc.children.find((c) => c.name !== 'system-out')?.name ?? 'pass'

describe('renderJunit', () => {
  it('gives one suite with a case per step, gate, canary metric and SLO, and a verdict case', () => {
    const root = parseXml(renderJunit(rollbackFixture()))
    expect(root.name).toBe('testsuites')
    const suites = all(root, 'testsuite')
    expect(suites).toHaveLength(1)
    const suite = suites[0]!
    expect(suite.attrs['name']).toBe('rehearse')
    const cases = all(suite, 'testcase').map((tc) => [tc.attrs['classname'], tc.attrs['name'], outcomeOf(tc)])
    expect(cases).toEqual([
      ['rehearse', 'verdict', 'failure'],
      ...['provision', 'deploy', 'smoke', 'traffic', 'analyze', 'gates', 'teardown'].map((s) => [
        'rehearse.step',
        s,
        'pass',
      ]),
      ['rehearse.gate', 'smoke', 'pass'],
      ['rehearse.gate', 'canary', 'failure'],
      ['rehearse.gate', 'slo', 'pass'],
      ['rehearse.gate', 'approval', 'skipped'],
      ['rehearse.canary', 'latency (all routes)', 'pass'],
      ['rehearse.canary', 'latency [GET /products]', 'pass'],
      ['rehearse.canary', 'latency [POST /checkout]', 'failure'],
      ['rehearse.canary', 'latency [GET /cart/:id]', 'skipped'],
      ['rehearse.canary', 'checkout-tail [POST /checkout]', 'failure'],
      ['rehearse.canary', 'errors', 'skipped'],
      ['rehearse.slo', 'availability', 'pass'],
      ['rehearse.slo', 'latency', 'pass'],
    ])
    expect(suite.attrs).toMatchObject({ tests: '20', failures: '4', errors: '0', skipped: '3' })
    expect(root.attrs).toMatchObject({ tests: '20', failures: '4', errors: '0', skipped: '3' })
    const props = Object.fromEntries(all(suite, 'property').map((p) => [p.attrs['name'], p.attrs['value']]))
    expect(props).toMatchObject({
      rehearsal: 'r_0jq7k2m9x4c8v1bd',
      project: 'shop',
      outcome: 'rollback',
      exitCode: '1',
    })
  })

  it('puts the reasons and sentences into failures, and says why a case was skipped', () => {
    const suite = parseXml(renderJunit(rollbackFixture()))
    const byName = new Map(all(suite, 'testcase').map((tc) => [`${tc.attrs['classname']} ${tc.attrs['name']}`, tc]))
    const checkout = byName.get('rehearse.canary latency [POST /checkout]')!.children[0]!
    expect(checkout.attrs['type']).toBe('high')
    expect(checkout.attrs['message']).toMatch(
      /^POST \/checkout latency rose 4\d% \(95% CI 3\d–4\d%\), above the 10% tolerance/,
    )
    expect(checkout.text).toContain('tolerance 10%')
    const gate = byName.get('rehearse.gate canary')!.children[0]!
    expect(gate.attrs['type']).toBe('critical-gate')
    expect(gate.attrs['message']).toMatch(
      /^The candidate fails with score \d+: POST \/checkout latency, checkout-tail regressed/,
    )
    // The judge's summary, then the sentence of each regressed metric.
    expect(gate.text.split('\n')).toHaveLength(3)
    expect(byName.get('rehearse.gate approval')!.children[0]!.attrs['message']).toBe(
      'pending: nobody has approved yet: rehearse approve r_0jq7k2m9',
    )
    expect(byName.get('rehearse.canary errors')!.children[0]!.attrs['message']).toMatch(
      /^insufficient-evidence: errors rose 50% .* so it needs more data/,
    )
    expect(byName.get('rehearse verdict')!.children[0]!.attrs['message']).toMatch(/^rollback: canary gate failed/)
  })

  it('reports an early failure as errors, with the steps that never ran skipped', () => {
    const suite = parseXml(renderJunit(earlyFailureFixture()))
    const cases = all(suite, 'testcase').map((tc) => [
      tc.attrs['name'],
      outcomeOf(tc),
      tc.children[0]?.attrs['message'],
    ])
    expect(cases).toEqual([
      ['verdict', 'error', 'failed: api-baseline exited while the rehearsal ran (exit code 1).'],
      ['provision', 'pass', undefined],
      ['deploy', 'error', 'api-baseline exited while the rehearsal ran (exit code 1).'],
      ['smoke', 'skipped', 'not run: the rehearsal stopped before this step'],
      ['gates', 'skipped', 'not run: the rehearsal stopped before this step'],
      ['teardown', 'pass', undefined],
    ])
    const verdict = all(suite, 'testcase')[0]!.children[0]!
    expect(verdict.text).toContain('[DRIVER_SERVICE_CRASHED]')
    expect(verdict.text).toContain('hint: See its log: rehearse logs api-baseline')
  })

  it('stays valid XML with hostile names, markup, quotes and control characters', () => {
    const route = 'POST /a"b\'<c>&d]]>\u0000\u001b[31m\ud800\u2028'
    const xml = renderJunit(
      rollbackFixture({ checkoutRoute: route, project: 'p"<&>\u0007', extraReason: 'line one\nline two\r\n\ttabbed' }),
    )
    const suite = parseXml(xml)
    const names = all(suite, 'testcase').map((tc) => tc.attrs['name'])
    // Characters XML cannot hold are written out as \uXXXX; the rest survive exactly.
    expect(names).toContain('latency [POST /a"b\'<c>&d]]>\\u0000\\u001b[31m\\ud800\u2028]')
    expect(names).toContain('checkout-tail [POST /a"b\'<c>&d]]>\\u0000\\u001b[31m\\ud800\u2028]')
    const props = Object.fromEntries(all(suite, 'property').map((p) => [p.attrs['name'], p.attrs['value']]))
    expect(props['project']).toBe('p"<&>\\u0007')
    const gate = all(suite, 'testcase').find((tc) => tc.attrs['name'] === 'canary')!.children[0]!
    expect(gate.text).toContain('line one\nline two\r\n\ttabbed')
  })
})

describe('the little XML reader used above', () => {
  it('rejects what is not well-formed', () => {
    for (const bad of [
      '<a><b></a></b>',
      '<a x="1" x="2"/>',
      '<a>&nope;</a>',
      '<a>1 & 2</a>',
      '<a/><b/>',
      '<a x=1/>',
      '<a>\u0001</a>',
    ]) {
      expect(() => parseXml(bad), bad).toThrow()
    }
    expect(parseXml('<a x="&lt;&#65;&#x42;">t&amp;<b/>u</a>')).toEqual({
      name: 'a',
      attrs: { x: '<AB' },
      children: [{ name: 'b', attrs: {}, children: [], text: '' }],
      text: 't&u',
    })
  })
})
