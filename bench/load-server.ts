/**
 * The trivial server of the load-generator benchmarks, in its own process: `200 hello world` with
 * keep-alive. It counts requests per second and per 100 ms (GET /__stats, POST /__reset) and, with `--stall-after
 * MS --stall-for MS`, freezes its whole process (a busy loop: like a stop-the-world pause) once,
 * MS after the first request, and reports when the freeze began and ended. Prints `{"url": …}`
 * once it listens; stops on SIGTERM.
 */
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { 'stall-after': { type: 'string' }, 'stall-for': { type: 'string' } } })
const stallAfter = values['stall-after'] === undefined ? undefined : Number(values['stall-after'])
const stallFor = Number(values['stall-for'] ?? 1000)

const body = Buffer.from('hello world')
let counts = new Map<number, number>() // epoch second → requests
let tenths = new Map<number, number>() // epoch 100 ms → requests
let total = 0
let stall: { startMs: number; endMs: number } | undefined
let stallArmed = false
let firstMs: number | undefined

const sorted = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0])

const server = createServer({ keepAlive: true, keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume()
  if (req.url === '/__stats') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ total, firstMs, perSecond: sorted(counts), perTenth: sorted(tenths), stall }))
    return
  }
  if (req.url === '/__reset') {
    counts = new Map()
    tenths = new Map()
    total = 0
    stall = undefined
    stallArmed = false
    firstMs = undefined
    res.end('ok')
    return
  }
  total++
  firstMs ??= Date.now()
  const second = Math.floor(Date.now() / 1000)
  counts.set(second, (counts.get(second) ?? 0) + 1)
  const tenth = Math.floor(Date.now() / 100)
  tenths.set(tenth, (tenths.get(tenth) ?? 0) + 1)
  if (stallAfter !== undefined && !stallArmed) {
    stallArmed = true
    setTimeout(() => {
      const startMs = Date.now()
      while (Date.now() - startMs < stallFor) {} // the freeze: nothing in this process runs
      stall = { startMs, endMs: Date.now() }
    }, stallAfter)
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length })
  res.end(body)
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  console.log(JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` }))
})
process.on('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
})
