import { loadMaskingKey } from '/work/main/src/data/keys/masking-key.ts'
const k = loadMaskingKey({ value: 'a-very-secret-key-1234' })
const p = k.domain('key:customers.id').permutation
for (const n of [1, 2, 3, 9, 10, 90, 100, 1000, 4097, 65536, 900000, 2**20+3]) {
  const seen = new Set<number>()
  for (let x = 0; x < n; x++) { const y = p.permute(x, n); if (y < 0 || y >= n) throw new Error('range'); seen.add(y); if (Number(p.invertBig(BigInt(x), BigInt(n))) >= n) throw 1 }
  if (seen.size !== n) throw new Error('not bijective ' + n)
}
console.log('bijective ok')
for (const n of [2n**32n, 2n**33n+7n, 10n**15n, 2n**52n, 2n**52n+1n, 10n**30n, 2n**128n]) {
  for (let i = 0n; i < 3000n; i++) { const x = (i * 7919n * 104729n + i) % n; const y = p.permuteBig(x, n); if (y >= n || p.invertBig(y, n) !== x) throw new Error('inv ' + n) }
}
console.log('inverse ok')
let t = performance.now(); const N = 2_000_000; let acc = 0
for (let i = 0; i < N; i++) acc ^= p.permute(i % 90000, 90000)
console.log('small', ((performance.now() - t) * 1000 / N).toFixed(3), 'us')
t = performance.now()
for (let i = 0; i < 100000; i++) acc ^= Number(p.permuteBig(BigInt(i) * 1234567n, 10n ** 15n) & 1n)
console.log('medium', ((performance.now() - t) * 1000 / 100000).toFixed(3), 'us')
