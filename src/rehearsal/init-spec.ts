/**
 * @module rehearsal/init-spec
 * `rehearse init`: a commented starter rehearse.yaml that validates as written.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { RehearseError } from '../core/errors.ts'

export function starterSpec(name: string): string {
  return `# yaml-language-server: $schema=https://rehearse.dev/schema.json
# rehearse.yaml — the dress rehearsal of a release. \`rehearse validate\` checks this file;
# \`rehearse run\` brings the services up, runs baseline and candidate side by side, and judges.
name: ${name}

services:
  # Each service is a command Rehearse starts. It must listen on $PORT (and $HOST).
  api:
    command: node server.js
    port: auto                 # or a fixed number
    health: { http: /healthz, timeout: 30s }
    env:
      LOG_LEVEL: info
      # Other services' addresses: \${services.NAME.url}; environment: \${env.NAME:-default}

# What differs between the version in production (baseline) and the release (candidate):
# a working directory, a command, env, or a git ref (each version runs from a worktree of it).
versions:
  baseline:  { services: { api: { cwd: ./baseline } } }
  candidate: { services: { api: { cwd: ./candidate } } }

# Requests that must answer before anything else is judged: "METHOD /path -> STATUS".
smoke:
  - GET /healthz -> 200

gates: [smoke]
`
}

/** Writes the starter file; refuses to overwrite unless `force`. Returns the path written. */
export function initSpec(options: {
  cwd: string
  file?: string | undefined
  force: boolean
  name?: string | undefined
}): string {
  const path = resolve(options.cwd, options.file ?? 'rehearse.yaml')
  if (existsSync(path) && !options.force) {
    throw new RehearseError('FILE_EXISTS', `${path} exists already.`, { hint: 'Pass --force to overwrite it.' })
  }
  const name =
    options.name ??
    (basename(options.cwd)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^[^a-z]+/, '') ||
      'my-service')
  const temp = `${path}.tmp-${process.pid}`
  writeFileSync(temp, starterSpec(name))
  renameSync(temp, path)
  return path
}
