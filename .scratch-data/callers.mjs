import { readFileSync } from 'node:fs'
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const target = process.argv[3]
const byId = new Map(p.nodes.map(n => [n.id, n])); const parent = new Map()
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const counts = new Map(); const dt = p.timeDeltas
for (let i = 0; i < p.samples.length; i++) counts.set(p.samples[i], (counts.get(p.samples[i]) ?? 0) + (dt[i] ?? 0))
const agg = new Map()
for (const [id, t] of counts) { const n = byId.get(id); if (n.callFrame.functionName !== target) continue
  let chain = []; let cur = parent.get(id); for (let d = 0; d < 3 && cur; d++) { const pn = byId.get(cur); chain.push(pn.callFrame.functionName + ':' + pn.callFrame.lineNumber); cur = parent.get(cur) }
  const k = chain.join(' < '); agg.set(k, (agg.get(k) ?? 0) + t) }
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log((v / 1000).toFixed(0).padStart(6), 'ms', k)
