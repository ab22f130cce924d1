/**
 * @module store/postgres/postgres-url
 * What a PostgreSQL URL may show in a message: never its password.
 */

/** `url` with its password (in the user part or a `password=` parameter) replaced by `***`. */
export function redactPostgresUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return '(an unreadable PostgreSQL URL)'
  }
  if (parsed.password) parsed.password = '***'
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***')
  return parsed.toString().replace(/%2A%2A%2A/gi, '***')
}

/** The secrets a URL carries, as they may appear in a driver's message (raw and decoded). */
export function postgresUrlSecrets(url: string): string[] {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return [url]
  }
  const secrets = [parsed.password, parsed.searchParams.get('password') ?? '']
  for (const secret of [...secrets]) {
    try {
      secrets.push(decodeURIComponent(secret))
    } catch {
      // A malformed escape: the raw form is already listed.
    }
  }
  return [...new Set(secrets.filter((s) => s.length > 0))]
}

/** `text` with every occurrence of the secrets replaced by `***`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text
  for (const secret of secrets) scrubbed = scrubbed.split(secret).join('***')
  return scrubbed
}

/** The database name in a PostgreSQL URL, if it names one. */
export function postgresDatabaseName(url: string): string | undefined {
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''))
    return name === '' ? undefined : name
  } catch {
    return undefined
  }
}
