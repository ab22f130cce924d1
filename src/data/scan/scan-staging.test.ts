import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MaskingKey } from '../keys/masking-key.ts'
import { attachScan, readSyncArtifacts } from '../manifest.ts'
import { syncData } from '../sync/sync-data.ts'
import { PG_SHOP_SQL, shopSpec, TEST_KEY } from '../testing/shop-fixture.ts'
import { pgTestServer } from '../testing/test-databases.ts'
import { judgePii, scanStaging } from './scan-staging.ts'

const server = await pgTestServer()
const env = { TEST_MASKING_KEY: TEST_KEY }
const dir = mkdtempSync(join(tmpdir(), 'rehearse-scan-'))

describe.skipIf(!server)('leak scanner on a PostgreSQL staging copy', () => {
  let source = ''
  let target = ''
  const spec = () => shopSpec(server!.url(source), server!.url(target))

  beforeAll(async () => {
    source = await server!.createDatabase('scan_src')
    target = await server!.createDatabase('scan_dst')
    await server!.query(source, PG_SHOP_SQL)
    await syncData(spec(), { env, artifactsDir: dir })
  })
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true })
    await server?.cleanup()
  })

  it('finds nothing personal in a clean masked copy (fakes are not leaks)', async () => {
    const { manifest, filter } = await readSyncArtifacts(dir, new MaskingKey(Buffer.from(TEST_KEY)))
    expect(manifest.leakFilter.values).toBeGreaterThan(1000)
    const scan = await scanStaging(spec(), { filter })
    expect(scan.usedLeakFilter).toBe(true)
    expect(scan.rowsScanned).toBeGreaterThan(8000)
    expect(scan.findings).toEqual([])
    expect(judgePii(scan).status).toBe('pass')
    expect(attachScan(manifest, scan).scan?.findings).toEqual([])
  })

  it('finds a real email, name and phone planted in free text, and fails the pii gate without showing them', async () => {
    await server!.query(
      target,
      `update customers set notes = 'please contact user7@mail0.example.com' where notes = 'customer note 10'`,
    )
    await server!.query(
      target,
      `update customers set notes = 'spoke to First42 Last42 today' where notes = 'customer note 11'`,
    )
    await server!.query(
      target,
      `update customers set notes = 'call back on +1 415 555 0099' where notes = 'customer note 12'`,
    )
    const { filter } = await readSyncArtifacts(dir, new MaskingKey(Buffer.from(TEST_KEY)))
    const scan = await scanStaging(spec(), { filter })
    const kinds = scan.findings
      .filter((f) => f.table === 'customers' && f.column === 'notes')
      .map((f) => [f.kind, f.count])
    expect(kinds).toEqual(
      expect.arrayContaining([
        ['production-value', 3],
        ['email', 1],
        ['phone', 1],
      ]),
    )
    const gate = judgePii(scan)
    expect(gate.status).toBe('fail')
    expect(gate.reasons.join(' ')).toContain('customers.notes')
    const text = JSON.stringify(scan) + gate.reasons.join(' ')
    for (const secret of ['user7@mail0', 'First42', '415 555 0099']) expect(text).not.toContain(secret)
  })

  it('still finds pattern-shaped values without the leak filter', async () => {
    const scan = await scanStaging(spec())
    expect(scan.usedLeakFilter).toBe(false)
    expect(scan.findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['email', 'phone']))
    expect(scan.findings.map((f) => f.kind)).not.toContain('production-value')
  })

  it('warns about a safe column with a personal name, and can be told to ignore a column', async () => {
    const s = { ...spec(), safe: [...spec().safe, 'customers.phone'], mask: { ...spec().mask } }
    delete s.mask['customers.phone']
    const scan = await scanStaging(s, {})
    expect(scan.findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ column: 'phone', kind: 'column-name', severity: 'warn' })]),
    )
    const ignored = await scanStaging({ ...s, scan: { ...s.scan, ignore: ['customers.notes', 'customers.phone'] } }, {})
    expect(ignored.findings.filter((f) => f.column === 'notes' || f.column === 'phone')).toEqual([])
  })
})
