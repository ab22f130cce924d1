import { sipHash24, sipHashWord, sipKey, sipOut } from '/work/main/src/data/keys/siphash.ts'
const key = sipKey(Uint8Array.from({ length: 16 }, (_, i) => i * 7 + 3))
const b = new Uint8Array(8); const dv = new DataView(b.buffer)
for (let i = 0; i < 1000; i++) { const lo = (i * 2654435761) >>> 0, hi = (i * 40503) >>> 0; dv.setUint32(0, lo, true); dv.setUint32(4, hi, true); sipHash24(key, b, 8); const a = [sipOut.hi, sipOut.lo]; sipHashWord(key, hi, lo); if (a[0] !== sipOut.hi || a[1] !== sipOut.lo) throw new Error('mismatch ' + i) }
console.log('same')
let t = performance.now(); let acc = 0
for (let i = 0; i < 3e6; i++) acc ^= sipHashWord(key, i, i * 3)
console.log('word', ((performance.now() - t) / 3).toFixed(3), 'ns/1000')
t = performance.now()
for (let i = 0; i < 3e6; i++) { dv.setUint32(0, i, true); acc ^= sipHash24(key, b, 8) }
console.log('bytes', ((performance.now() - t) / 3).toFixed(3), 'ns/1000')
