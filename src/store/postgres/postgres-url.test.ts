import { describe, expect, it } from 'vitest'
import { postgresDatabaseName, postgresUrlSecrets, redactPostgresUrl, scrubSecrets } from './postgres-url.ts'

describe('redactPostgresUrl', () => {
  it.each([
    ['postgres://u:pw@h:5432/db', 'postgres://u:***@h:5432/db'],
    ['postgres://u@h/db', 'postgres://u@h/db'],
    ['postgresql://u:p%40ss@h/db?sslmode=require', 'postgresql://u:***@h/db?sslmode=require'],
    ['postgres://h/db?user=u&password=pw', 'postgres://h/db?user=u&password=***'],
    ['postgres://u:pw@[bad', '(an unreadable PostgreSQL URL)'],
  ])('%s → %s', (url, redacted) => {
    expect(redactPostgresUrl(url)).toBe(redacted)
  })
})

describe('postgresUrlSecrets and scrubSecrets', () => {
  it('finds the password in both forms and removes it from text', () => {
    const secrets = postgresUrlSecrets('postgres://u:p%40ss@h/db?password=other')
    expect(secrets.sort()).toEqual(['other', 'p%40ss', 'p@ss'])
    expect(scrubSecrets('login p@ss failed (p%40ss), other', secrets)).toBe('login *** failed (***), ***')
  })
})

describe('postgresDatabaseName', () => {
  it('reads the database from the path', () => {
    expect(postgresDatabaseName('postgres://u@h/shop%20db')).toBe('shop db')
    expect(postgresDatabaseName('postgres://u@h')).toBeUndefined()
  })
})
