import { svdKernel } from '/work/main/dist/linalg/kernels/svd.js';
import { SVD } from 'svd-js';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
for (const n of [256, 512]) {
  const a = new Float64Array(n*n).map(()=>Math.random()*2-1);
  const rows = Array.from({length:n},(_, i)=>Array.from(a.subarray(i*n,(i+1)*n)));
  for (let rep=0; rep<2; rep++) {
  let t0=performance.now(); svdKernel(n,n,a,true); let t1=performance.now();
  let t2=performance.now(); SVD(rows, true, true); let t3=performance.now();
  let t4=performance.now(); new SingularValueDecomposition(new Matrix(rows)); let t5=performance.now();
  console.log(n, 'mine vec', (t1-t0).toFixed(0), 'svd-js vec', (t3-t2).toFixed(0), 'ml vec', (t5-t4).toFixed(0));
  }
}
