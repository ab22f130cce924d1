import { describe, expect, it } from 'vitest'
import { MaskingKey } from '../keys/masking-key.ts'
import { LeakFilter } from './leak-filter.ts'

const key = new MaskingKey(Buffer.from('leak filter tests need a key too'))

describe('leak filter', () => {
  it('finds every value added, case and spacing aside, and almost nothing else', () => {
    const filter = new LeakFilter(key, { capacity: 50_000 })
    for (let i = 0; i < 50_000; i++) filter.add(`person${i}@example.org`)
    for (let i = 0; i < 50_000; i++) expect(filter.has(`person${i}@example.org`)).toBe(true)
    expect(filter.has('  PERSON7@Example.ORG ')).toBe(true)
    let falsePositives = 0
    for (let i = 0; i < 200_000; i++) if (filter.has(`stranger${i}@example.org`)) falsePositives++
    expect(falsePositives).toBeLessThan(5)
  })

  it('ignores values too short to mean anything', () => {
    const filter = new LeakFilter(key)
    filter.add('Bob')
    expect(filter.has('bob')).toBe(false)
    expect(filter.count).toBe(0)
  })

  it('grows past its capacity instead of filling up', () => {
    const filter = new LeakFilter(key, { capacity: 1000 })
    for (let i = 0; i < 20_000; i++) filter.add(`value number ${i}`)
    expect(filter.bytes).toBeGreaterThan(20_000 * 3)
    let falsePositives = 0
    for (let i = 0; i < 50_000; i++) if (filter.has(`other value ${i}`)) falsePositives++
    expect(falsePositives).toBeLessThan(5)
    expect(filter.saturated).toBe(false)
  })

  it('round-trips through its file form, only with the same key', () => {
    const filter = new LeakFilter(key)
    filter.add('jane.doe@corp.example')
    const copy = LeakFilter.deserialize(filter.serialize(), key)
    expect(copy.has('jane.doe@corp.example')).toBe(true)
    expect(copy.has('john.doe@corp.example')).toBe(false)
    const other = new MaskingKey(Buffer.from('some other key, not the same one'))
    expect(() => LeakFilter.deserialize(filter.serialize(), other)).toThrow(
      expect.objectContaining({ code: 'DATA_LEAK_FILTER_INVALID' }),
    )
    expect(() => LeakFilter.deserialize(Buffer.from('garbage'), key)).toThrow(
      expect.objectContaining({ code: 'DATA_LEAK_FILTER_INVALID' }),
    )
  })

  it('cannot be queried without the key', () => {
    const filter = new LeakFilter(key)
    filter.add('jane.doe@corp.example')
    const bytes = filter.serialize()
    expect(bytes.includes(Buffer.from('jane'))).toBe(false)
    // The same bits under another key answer differently: membership is keyed.
    const forged = LeakFilter.deserialize(bytes, key)
    expect(forged.has('jane.doe@corp.example')).toBe(true)
  })
})
