import { describe, expect, it } from 'vitest'
import { shiftParams, shiftTimestamps, shiftUrl } from './time-shift.ts'

const recordedAtMs = Date.UTC(2024, 0, 15, 12, 0, 0)
const DAY = 24 * 3600 * 1000
const shift = { offsetMs: 400 * DAY + 90_000, recordedAtMs }

describe('shifting timestamps by the record-to-replay offset', () => {
  it.each([
    ['2024-01-15T11:00:00Z', '2025-02-18T11:01:30Z'],
    ['2024-01-15T11:00:00.123Z', '2025-02-18T11:01:30.123Z'],
    ['2024-01-15T11:00:00.123456Z', '2025-02-18T11:01:30.123456Z'],
    ['2024-01-15T11:00Z', '2025-02-18T11:01Z'],
    ['2024-01-15T11:00:00+02:00', '2025-02-18T11:01:30+02:00'],
    ['2024-01-15T23:59:00-0500', '2025-02-19T00:00:30-0500'],
    ['2024-01-15T11:00:00', '2025-02-18T11:01:30'],
  ])('moves %s to %s, keeping zone and precision', (before, after) => {
    expect(shiftTimestamps(before, shift)).toBe(after)
    expect(shiftTimestamps(`{"from":"${before}","n":1}`, shift)).toBe(`{"from":"${after}","n":1}`)
  })

  it('moves epoch numbers near the recording time, and leaves other numbers and plain dates', () => {
    const ms = recordedAtMs - 3600_000
    const s = Math.floor(ms / 1000)
    const text = `{"since":${ms},"sinceS":${s},"id":1234567890123,"price":4999,"birthday":"1990-05-17","ver":${ms}.5}`
    expect(JSON.parse(shiftTimestamps(text, shift))).toEqual({
      since: ms + shift.offsetMs,
      sinceS: s + Math.round(shift.offsetMs / 1000),
      id: 1234567890123,
      price: 4999,
      birthday: '1990-05-17',
      ver: ms + 0.5,
    })
  })

  it('moves URL-encoded values in a query string and leaves the rest as it was encoded', () => {
    const url = '/orders?from=2024-01-15T11%3A00%3A00Z&name=a%20b&since=1705316400000&page=2'
    expect(shiftUrl(url, shift)).toBe(
      `/orders?from=2025-02-18T11%3A01%3A30Z&name=a%20b&since=${1705316400000 + shift.offsetMs}&page=2`,
    )
    expect(shiftParams('a=1&b', shift)).toBe('a=1&b')
    expect(shiftTimestamps('2024-01-15T11:00:00Z', { offsetMs: 0, recordedAtMs })).toBe('2024-01-15T11:00:00Z')
  })
})
