import { loadMaskingKey } from '/work/main/src/data/keys/masking-key.ts'
import { permuteInteger } from '/work/main/src/data/transformers/format-preserving.ts'
const k = loadMaskingKey({ value: 'a-very-secret-key-1234' })
const ps = ['a', 'b', 'c'].map((d) => k.domain(d).permutation)
for (const p of ps) p.permute(1, 10)
const N = 2_000_000; let acc = 0
for (const domains of [1, 3]) {
  let t = performance.now()
  for (let i = 0; i < N; i++) acc ^= ps[i % domains]!.permute((i * 7919) % 900000, 900000)
  console.log(domains, 'domains', ((performance.now() - t) * 1000 / N).toFixed(3), 'us')
}
let t = performance.now()
for (let i = 0; i < N; i++) acc ^= permuteInteger(ps[0]!, String(100000 + (i * 7919) % 900000), 2147483647n)!.length
console.log('permuteInteger', ((performance.now() - t) * 1000 / N).toFixed(3), 'us')
