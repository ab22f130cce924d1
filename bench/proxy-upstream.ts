/**
 * The trivial upstream of the proxy benchmark, in its own process: `200 hello world` with keep-alive
 * for any request (GET /bytes/N answers N bytes, for the memory run). Prints `{"url": …}` once it
 * listens; stops on SIGTERM.
 */
import { createServer } from 'node:http'

const body = Buffer.from('hello world')
const server = createServer({ keepAlive: true, keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume()
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
