/**
 * @module drivers/local/port-allocator
 * Decides where each instance listens before any starts: `auto` gets a free port on 127.0.0.1
 * below the kernel's ephemeral range (bound once to check it is free, then released), a fixed port is
 * checked by binding it.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { RehearseError, throwIfAborted } from '../../core/errors.ts'
import type { Address } from '../driver.ts'

/** Where local services listen: loopback only, so a rehearsal never exposes anything. */
export const LOCAL_HOST = '127.0.0.1'

/**
 * Ports handed out for `auto` recently, by this process. A port is released right after it was
 * checked, so the next check may find it free again; remembering them for a while keeps two
 * environments planned by one process from colliding before either has started.
 */
const recent = new Map<number, number>()
const RECENT_MS = 10 * 60_000
const MAX_TRIES = 50

/** Addresses for every instance; DRIVER_PORT_IN_USE names the port and the instance when a fixed port is taken. */
export async function allocatePorts(
  services: ReadonlyArray<{ instance: string; port: number | 'auto' }>,
  signal: AbortSignal,
): Promise<Map<string, Address>> {
  throwIfAborted(signal)
  const addresses = new Map<string, Address>()
  const taken = new Map<number, string>()
  for (const { instance, port } of services) {
    if (port === 'auto') continue
    const other = taken.get(port)
    if (other !== undefined) {
      throw new RehearseError('DRIVER_PORT_IN_USE', `Port ${port} is asked for by both "${other}" and "${instance}".`, {
        hint: 'Give one of them another port, or write port: auto.',
        details: { port, instance, other },
      })
    }
    taken.set(port, instance)
    await assertPortFree(LOCAL_HOST, port, instance)
    throwIfAborted(signal)
    addresses.set(instance, { host: LOCAL_HOST, port })
  }
  pruneRecent()
  for (const { instance, port } of services) {
    if (port !== 'auto') continue
    let free = 0
    for (let tries = 0; free === 0 && tries < MAX_TRIES; tries++) {
      const candidate = await freePort(LOCAL_HOST)
      if (!taken.has(candidate) && !recent.has(candidate)) free = candidate
    }
    if (free === 0) {
      throw new RehearseError('DRIVER_PORT_IN_USE', `No free port could be found on ${LOCAL_HOST} for "${instance}".`, {
        hint: 'Too many ports are in use on this machine; stop some environments (`rehearse down`).',
        details: { instance },
      })
    }
    throwIfAborted(signal)
    taken.set(free, instance)
    recent.set(free, Date.now())
    addresses.set(instance, { host: LOCAL_HOST, port: free })
  }
  return addresses
}

/** Binds `host:port` and releases it at once; DRIVER_PORT_IN_USE when something already listens there. */
export async function assertPortFree(host: string, port: number, instance: string): Promise<void> {
  try {
    await bind(host, port)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'EACCES' ? 'may not be used by this user' : 'is already in use'
    throw new RehearseError('DRIVER_PORT_IN_USE', `Port ${port} for "${instance}" ${reason} on ${host}.`, {
      hint:
        code === 'EACCES'
          ? 'Ports below 1024 need privileges; pick a higher port, or write port: auto.'
          : `Stop what holds it (\`ss -ltnp 'sport = :${port}'\`), or write port: auto.`,
      details: { port, instance, host, errno: code },
      cause: error,
    })
  }
}

/**
 * A free port from below the kernel's ephemeral range. Port 0 would hand out an ephemeral port,
 * and until the service binds it any outgoing connection on the machine may take that same port
 * as its local end (a real race on a busy machine: the service then fails with EADDRINUSE).
 * Ports under the ephemeral range are only ever taken by explicit binds.
 */
async function freePort(host: string): Promise<number> {
  const [low] = ephemeralRange()
  const top = low - 1
  const bottom = Math.max(10_000, top - 15_000)
  for (let tries = 0; top > bottom && tries < 20; tries++) {
    const candidate = bottom + Math.floor(Math.random() * (top - bottom))
    try {
      return await bind(host, candidate)
    } catch {
      // taken: try another
    }
  }
  return bind(host, 0)
}

/** The kernel's ephemeral port range (Linux; IANA's 49152–65535 elsewhere). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    if (low && high) return [low, high]
  } catch {
    // not Linux
  }
  return [49_152, 65_535]
}

/** Listens on host:port, reads the port the kernel chose, closes. */
function bind(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address()
      const chosen = typeof address === 'object' && address ? address.port : port
      server.close(() => resolve(chosen))
    })
  })
}

function pruneRecent(): void {
  const cutoff = Date.now() - RECENT_MS
  for (const [port, at] of recent) if (at < cutoff) recent.delete(port)
}
