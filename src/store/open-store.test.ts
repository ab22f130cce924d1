import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore, resolveStoreTarget } from './open-store.ts'

const cwd = mkdtempSync(join(tmpdir(), 'rehearse-open-store-'))
afterAll(() => rmSync(cwd, { recursive: true, force: true }))

/** A port on 127.0.0.1 that nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('resolveStoreTarget', () => {
  it('uses .rehearse/rehearse.db under cwd without a URL (or with an empty one)', () => {
    const file = join(cwd, '.rehearse', 'rehearse.db')
    expect(resolveStoreTarget({ cwd, env: {} })).toEqual({ engine: 'sqlite', file })
    expect(resolveStoreTarget({ cwd, env: { REHEARSE_DATABASE_URL: '  ' } })).toEqual({ engine: 'sqlite', file })
  })

  it('uses PostgreSQL for postgres:// and postgresql:// URLs, from the option before the environment', () => {
    const env = { REHEARSE_DATABASE_URL: 'postgres://a@db.internal/rehearse' }
    expect(resolveStoreTarget({ cwd, env })).toEqual({ engine: 'postgres', url: env.REHEARSE_DATABASE_URL })
    const url = 'postgresql://b:pw@127.0.0.1:5433/other'
    expect(resolveStoreTarget({ cwd, env, url })).toEqual({ engine: 'postgres', url })
  })

  it('takes sqlite:PATH, relative to cwd or absolute', () => {
    expect(resolveStoreTarget({ cwd, env: {}, url: 'sqlite:data/r.db' })).toEqual({
      engine: 'sqlite',
      file: join(cwd, 'data', 'r.db'),
    })
    expect(resolveStoreTarget({ cwd, env: {}, url: 'sqlite:///srv/r.db' })).toEqual({
      engine: 'sqlite',
      file: '/srv/r.db',
    })
    expect(resolveStoreTarget({ cwd, env: {}, url: 'sqlite:/srv/r.db' })).toEqual({
      engine: 'sqlite',
      file: '/srv/r.db',
    })
  })

  it.each(['mysql://root:hunter2@127.0.0.1/test', 'postgres://root:hunter2@[bad', 'hunter2', 'sqlite:'])(
    'refuses %s with STORE_INVALID_URL, without repeating it',
    (url) => {
      let error: unknown
      try {
        resolveStoreTarget({ cwd, env: { REHEARSE_DATABASE_URL: url } })
      } catch (e) {
        error = e
      }
      expect(error).toMatchObject({
        code: 'STORE_INVALID_URL',
        message: expect.stringContaining('REHEARSE_DATABASE_URL'),
      })
      expect(JSON.stringify((error as { toJSON(): unknown }).toJSON())).not.toContain('hunter2')
      expect((error as { exitCode: number }).exitCode).toBe(2)
    },
  )
})

describe('openStore', () => {
  it('opens and migrates the default SQLite store', async () => {
    const store = await openStore({ cwd, env: {} })
    try {
      expect(store.engine).toBe('sqlite')
      expect(await store.listRehearsals()).toEqual([])
    } finally {
      await store.close()
    }
  })

  it('is STORE_UNAVAILABLE (exit 3) when PostgreSQL refuses, and never shows the password', async () => {
    const port = await closedPort()
    const url = `postgres://rehearse:hunter2@127.0.0.1:${port}/rehearse?password=hunter2`
    const error = await openStore({ cwd, url }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining(`postgres://rehearse:***@127.0.0.1:${port}/rehearse?password=***`),
      hint: expect.stringContaining('Start PostgreSQL'),
    })
    expect((error as { exitCode: number }).exitCode).toBe(3)
    expect(JSON.stringify((error as { toJSON(): unknown }).toJSON())).not.toContain('hunter2')
    expect(String((error as Error).cause)).not.toContain('hunter2')
  })
})
