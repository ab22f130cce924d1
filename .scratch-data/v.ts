import { detect } from '/work/main/src/data/scan/validators.ts'
for (const t of ['ssn 123-45-6789', 'QQ 12 34 56 C', 'DNI 12345678Z', 'NIR 1 84 12 76 451 089 46']) console.log(t, [...detect(t).kinds])
const body = 1841276451089n; console.log(97n - body % 97n)
