import { describe, expect, it } from 'vitest'

describe('the runtime', () => {
  it('is the Node 24 the project brings (npm scripts put node_modules/.bin first on PATH)', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24)
  })

  it('has the built-in SQLite the store uses', async () => {
    const { DatabaseSync } = await import('node:sqlite')
    const db = new DatabaseSync(':memory:')
    expect(db.prepare('select sqlite_version() as v').get()).toHaveProperty('v')
    db.close()
  })
})
