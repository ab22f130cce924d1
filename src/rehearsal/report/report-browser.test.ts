/**
 * The report in a real browser: Debian's Chromium through playwright-core opens the file from
 * disk with every network request blocked and recorded, and checks that nothing was requested,
 * nothing logged an error, every uPlot chart drew on its canvas (lines in the series' colours,
 * not just axes), the verdict and the judge's sentences are visible, and hostile text stayed text.
 * The JUnit file is parsed by the browser's own XML parser.
 *
 * Screenshots go to a temporary directory, removed afterwards unless REHEARSE_REPORT_SCREENSHOTS
 * names a directory to keep them in.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderJunit } from './render-junit.ts'
import { renderReport } from './render-report.ts'
import type { ReportInput } from './report-input.ts'
import { earlyFailureFixture, rollbackFixture } from './testing/report-fixture.ts'

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const present = existsSync(CHROMIUM)
if (!present && process.env['CI']) {
  throw new Error(`Chromium is required in CI for the report's browser test, but ${CHROMIUM} does not exist.`)
}
if (!present) console.warn(`report-browser.test: skipped — no Chromium at ${CHROMIUM} (set CHROMIUM_PATH).`)

type Opened = { page: Page; requests: string[]; blocked: string[]; problems: string[] }

/**
 * The few DOM types the functions run in the page use: the project's TypeScript has no DOM
 * library, and those functions are serialised, so each one casts `globalThis` itself.
 */
type DomNode = {
  id: string
  nodeName: string
  textContent: string | null
  getAttribute(name: string): string | null
  hasAttribute(name: string): boolean
  querySelector(selector: string): DomNode | null
  querySelectorAll(selector: string): Iterable<DomNode> & { length: number; [index: number]: DomNode | undefined }
  getElementsByTagName(name: string): { length: number; [index: number]: DomNode | undefined }
}
type Canvas = DomNode & {
  width: number
  height: number
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null
}
type Doc = DomNode & { documentElement: DomNode }
type PageGlobals = {
  document: Doc
  DOMParser: new () => { parseFromString(xml: string, type: string): Doc }
  __pwned?: number
}

describe.skipIf(!present)('the report in Chromium', () => {
  let browser: Browser
  let dir: string
  let shots: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rehearse-report-'))
    shots = process.env['REHEARSE_REPORT_SCREENSHOTS'] ?? join(dir, 'screenshots')
    await mkdir(shots, { recursive: true })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  })

  afterAll(async () => {
    await browser?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** Opens a report from disk; any request that is not the file itself is recorded and aborted. */
  async function open(name: string, input: ReportInput, colorScheme: 'light' | 'dark' = 'light'): Promise<Opened> {
    const file = join(dir, `${name}.html`)
    await writeFile(file, renderReport(input))
    const url = pathToFileURL(file).href
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme, offline: true })
    const page = await context.newPage()
    const opened: Opened = { page, requests: [], blocked: [], problems: [] }
    page.on('request', (request) => {
      opened.requests.push(request.url())
    })
    await context.route('**/*', (route) => {
      const target = route.request().url()
      if (target === url) return route.continue()
      opened.blocked.push(target)
      return route.abort('blockedbyclient')
    })
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        opened.problems.push(`${message.type()}: ${message.text()}`)
    })
    page.on('pageerror', (error) => {
      opened.problems.push(`pageerror: ${error.message}`)
    })
    page.on('dialog', (dialog) => {
      opened.problems.push(`dialog: ${dialog.message()}`)
      void dialog.dismiss()
    })
    await page.goto(url, { waitUntil: 'load' })
    return opened
  }

  /** For every chart: painted pixels, and pixels close to each series colour. */
  async function chartPixels(page: Page, colors: string[]) {
    return page.evaluate((wanted) => {
      const rgb = wanted.map((hex) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)))
      const { document } = globalThis as unknown as PageGlobals
      return [...document.querySelectorAll('.chart')].map((box) => {
        const canvas = box.querySelector('canvas') as Canvas | null
        if (!canvas) return { id: box.id, painted: 0, byColor: [] as number[] }
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height)
        let painted = 0
        const byColor = rgb.map(() => 0)
        for (let p = 0; p < data.length; p += 4) {
          if (data[p + 3]! === 0) continue
          painted++
          rgb.forEach(([r, g, b], k) => {
            if (
              data[p + 3]! > 200 &&
              Math.abs(data[p]! - r!) + Math.abs(data[p + 1]! - g!) + Math.abs(data[p + 2]! - b!) < 60
            )
              byColor[k]!++
          })
        }
        return { id: box.id, painted, byColor, width: canvas.width, height: canvas.height }
      })
    }, colors)
  }

  it.each(['light', 'dark'] as const)(
    'draws every chart of a rollback report (%s scheme) with no network and no errors',
    async (scheme) => {
      const input = rollbackFixture()
      const { page, requests, blocked, problems } = await open(`rollback-${scheme}`, input, scheme)
      await page.waitForFunction(
        () => (globalThis as unknown as PageGlobals).document.documentElement.hasAttribute('data-charts-drawn'),
        null,
        {
          timeout: 20_000,
        },
      )

      const drawn = Number(await page.getAttribute('html', 'data-charts-drawn'))
      expect(drawn).toBe(7) // four latency CDFs, three time series
      expect(await page.locator('.chart canvas').count()).toBe(7)
      for (const chart of await chartPixels(page, ['#4e79a7', '#e15759'])) {
        // Axes and grid alone paint a few thousand pixels; the check is that both series' lines are there.
        expect(chart.painted, chart.id).toBeGreaterThan(2_000)
        expect(chart.byColor[0], `${chart.id} baseline line`).toBeGreaterThan(100)
        expect(chart.byColor[1], `${chart.id} candidate line`).toBeGreaterThan(100)
      }

      await expect.poll(() => page.locator('.verdict-word').textContent()).toBe('ROLLBACK')
      expect(await page.locator('.verdict-word').isVisible()).toBe(true)
      expect(await page.locator('.banner .summary').isVisible()).toBe(true)
      const final = input.events.filter((e) => e.type === 'analysis.canary').at(-1)!.data as {
        judgement: { metrics: { sentence: string }[] }
      }
      for (const { sentence } of final.judgement.metrics) {
        const cell = page.locator('table.metrics td', { hasText: sentence })
        expect(await cell.count(), sentence).toBe(1)
        expect(await cell.isVisible(), sentence).toBe(true)
      }

      const shot = join(shots, `rollback-${scheme}.png`)
      await page.screenshot({ path: shot, fullPage: true })
      expect((await stat(shot)).size).toBeGreaterThan(50_000)

      expect(problems).toEqual([])
      expect(blocked).toEqual([])
      expect(requests).toEqual([page.url()])
      await page.context().close()
    },
  )

  it('shows an early failure without charts, errors or requests', async () => {
    const { page, requests, blocked, problems } = await open('early', earlyFailureFixture())
    await page.waitForFunction(() =>
      (globalThis as unknown as PageGlobals).document.documentElement.hasAttribute('data-charts-drawn'),
    )
    expect(await page.getAttribute('html', 'data-charts-drawn')).toBe('0')
    expect(await page.locator('.verdict-word').textContent()).toBe('FAILED')
    expect(await page.getByText('Error: connect ECONNREFUSED 127.0.0.1:5432').isVisible()).toBe(true)
    await page.screenshot({ path: join(shots, 'early.png'), fullPage: true })
    expect(problems).toEqual([])
    expect(blocked).toEqual([])
    expect(requests).toHaveLength(1)
    await page.context().close()
  })

  it('keeps hostile text as text: nothing runs, nothing loads', async () => {
    const route = 'POST /</script><script>window.__pwned=1</script>'
    const input = rollbackFixture({
      checkoutRoute: route,
      project: '<img src=http://evil.invalid/x.png onerror="window.__pwned=3">',
      extraReason: '"><svg onload="window.__pwned=2"></svg>',
      crashLines: ['</pre><script>window.__pwned=4</script><iframe src="https://evil.invalid/"></iframe>'],
    })
    const { page, requests, blocked, problems } = await open('hostile', input)
    await page.waitForFunction(() =>
      (globalThis as unknown as PageGlobals).document.documentElement.hasAttribute('data-charts-drawn'),
    )
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pwned)).toBeUndefined()
    expect(await page.locator('main img, main svg, main iframe, main script').count()).toBe(0)
    expect(await page.locator('code', { hasText: route }).first().isVisible()).toBe(true)
    expect(problems).toEqual([])
    expect(blocked).toEqual([])
    expect(requests).toHaveLength(1)
    await page.context().close()
  })

  it('parses the JUnit files with the browser’s XML parser', async () => {
    const context = await browser.newContext({ offline: true })
    const page = await context.newPage()
    const hostile = rollbackFixture({ checkoutRoute: 'POST /a"b<c>&d\u0000\u001b[0m', project: 'p]]>\u0007' })
    for (const [input, expected] of [
      [rollbackFixture(), { tests: 20, failures: 4, errors: 0, skipped: 3 }],
      [earlyFailureFixture(), { tests: 6, failures: 0, errors: 2, skipped: 2 }],
      [hostile, { tests: 20, failures: 4, errors: 0, skipped: 3 }],
    ] as const) {
      const parsed = await page.evaluate((xml) => {
        const { DOMParser } = globalThis as unknown as PageGlobals
        const doc = new DOMParser().parseFromString(xml, 'application/xml')
        const error = doc.getElementsByTagName('parsererror')[0]
        if (error) return { error: error.textContent }
        const suites = doc.querySelectorAll('testsuites > testsuite')
        const cases = [...doc.querySelectorAll('testcase')]
        return {
          root: doc.documentElement.nodeName,
          suites: suites.length,
          suiteName: suites[0]?.getAttribute('name'),
          tests: cases.length,
          failures: cases.filter((c) => c.querySelector('failure')).length,
          errors: cases.filter((c) => c.querySelector('error')).length,
          skipped: cases.filter((c) => c.querySelector('skipped')).length,
          declared: Number(suites[0]?.getAttribute('tests')),
          names: cases.map((c) => c.getAttribute('name')),
        }
      }, renderJunit(input))
      expect(parsed).toMatchObject({
        root: 'testsuites',
        suites: 1,
        suiteName: 'rehearse',
        declared: expected.tests,
        ...expected,
      })
    }
    await context.close()
  })
})
