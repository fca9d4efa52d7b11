import { configure, haarOrthogonal } from '/work/main/dist/index.js';
configure({ backend: 'js' });
for (const n of [100, 512, 1024]) {
  await haarOrthogonal(n, { seed: 1 });
  const t0 = performance.now(); const q = await haarOrthogonal(n, { seed: 1 }); const t1 = performance.now();
  let e = 0; for (let i = 0; i < Math.min(n, 64); i++) for (let j = i; j < n; j++) { let s = 0; for (let k = 0; k < n; k++) s += q.data[k*n+i]*q.data[k*n+j]; e = Math.max(e, Math.abs(s - (i===j?1:0))); }
  console.log(n, 'ms', (t1 - t0).toFixed(0), 'orth err / (n eps)', (e / (n * 2**-52)).toFixed(3));
}
