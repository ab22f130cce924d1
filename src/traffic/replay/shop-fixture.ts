/**
 * @module traffic/replay/shop-fixture
 * Test support, not used by Rehearse itself: the demo shop (examples/shop) as real child
 * processes on free ports — payments, and API instances of v1 or v2 — and its own account of
 * what it wrote (`GET /stats`), which is how tests prove a shadowed write never arrived.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const SHOP_DIR = fileURLToPath(new URL('../../../examples/shop/', import.meta.url))

export type ShopProcess = { url: string; child: ChildProcess; stop(): Promise<void> }

/** What an API instance has written since it started. */
export type ShopWrites = { cartsCreated: number; cartsUpdated: number; orders: number }

/** Starts one shop script (`payments/payments.js`, `v1/api.js`, `v2/api.js`) and waits for its URL. */
export function startShopProcess(script: string, env: Record<string, string> = {}): Promise<ShopProcess> {
  const { NODE_OPTIONS: _ignored, ...inherited } = process.env
  const child = spawn(process.execPath, [script], {
    cwd: SHOP_DIR,
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`${script} did not start within 60 s: ${out}`))
    }, 60_000)
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
    })
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1]
      if (url) {
        clearTimeout(timer)
        resolve({ url, child, stop })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${script} exited with ${code}: ${out}`))
    })
  })
}

/** Payments plus one API instance per version asked for, all sharing the payments service. */
export async function startShop(versions: readonly ('v1' | 'v2')[]): Promise<{
  payments: ShopProcess
  apis: ShopProcess[]
  stop(): Promise<void>
}> {
  const payments = await startShopProcess('payments/payments.js')
  const started: ShopProcess[] = []
  try {
    for (const version of versions) {
      started.push(await startShopProcess(`${version}/api.js`, { PAYMENTS_URL: payments.url }))
    }
  } catch (error) {
    await Promise.all([...started, payments].map((p) => p.stop()))
    throw error
  }
  return {
    payments,
    apis: started,
    stop: async () => {
      await Promise.all([...started, payments].map((p) => p.stop()))
    },
  }
}

/** The shop's own count of its writes, through its HTTP API. */
export async function shopWrites(url: string): Promise<ShopWrites> {
  const res = await fetch(`${url}/stats`)
  const body = (await res.json()) as ShopWrites
  return { cartsCreated: body.cartsCreated, cartsUpdated: body.cartsUpdated, orders: body.orders }
}
