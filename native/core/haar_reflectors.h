// Haar-distributed orthogonal matrices in factored form, generated directly from Gaussian vectors
// (G. W. Stewart, "The efficient generation of random orthogonal matrices with an application to
// condition estimators", SIAM J. Numer. Anal. 17(3), 1980), and applied blocked (compact WY).
//
// Why this is Haar: Householder QR of an n x n standard Gaussian matrix X gives X = H_0 ... H_{n-2} R,
// where the k-th reflector depends only on the k-th column of H_{k-1}...H_0 X below row k, which is a
// standard Gaussian vector of length n-k independent of everything before (the H's are orthogonal and
// built from earlier columns). The Q factor with a positive R diagonal is Haar (THEORY §1.3), i.e.
// Q = H_0 ... H_{n-2} S with S = diag(sign R_kk). So drawing n-1 independent Gaussian vectors of
// lengths n, n-1, ..., 2, turning each into its reflector, and one more normal for the sign of R_{n-1,n-1}
// samples exactly the same law, with n(n+1)/2 normals and no factorization.
//
// Cost: generation O(n^2) (n(n+1)/2 normals and one pass over them); applying Q to an n x m matrix
// costs sum_k 4 (n - k) m ~ 2 n^2 m flops (for m ~ n the same as a Gaussian layer's dgemm), done in
// level-3 blocks of `blockSize` reflectors: dlarft (the block's T factor) + dlarfb (two dgemm-like
// products). Measured at n = 1024 on one core (bench case haar-layer): a layer (draw + apply to
// n x (n+1)) takes ~50-57 ms with blocks of 64, about the same through LAPACK's dormqr (blocks of
// 32), against ~200-220 ms for numpy's QR + sign fix + product.
#pragma once
#include <cstddef>

#include "rng.h"
#include "status.h"

namespace di {

// The reflector generator, written as plain sequential scalar code so that the TypeScript twin
// (lib/empirical/js.ts) reproduces it bit for bit (the core is compiled with -ffp-contract=off).
//
// Storage (column-major, leading dimension n): column k holds v_k in rows k+1..n-1 (v_k[k] = 1 is
// implicit, as in LAPACK's dgeqrf output) and beta_k = R_kk at row k. tau has n entries, tau[n-1] = 0.
// sign[k] = sign(R_kk) = +1 or -1. Consumes exactly n(n+1)/2 normals from `rng`: for k = 0..n-2 the
// n-k entries of the k-th Gaussian vector (in order), then one normal whose sign is sign[n-1].
void SampleHaarFactors(Rng& rng, size_t n, double* v, double* tau, double* sign);

// Scratch space for ApplyHaarLeft: T (nb x nb) and W (m x nb).
size_t HaarApplyWorkspaceSize(size_t n, size_t cols, size_t blockSize);

// A <- scale * Q * A with Q = H_0 ... H_{n-2} diag(sign) from SampleHaarFactors. A is row-major
// n x cols with row stride lda >= cols (so its column-major view is A^T, and Q A = (A^T Q^T)^T is
// applied from the right with dlarfb('R', 'T')). Blocks of `blockSize` reflectors, last block first.
// `work` must hold HaarApplyWorkspaceSize(n, cols, blockSize) doubles.
Status ApplyHaarLeft(size_t n, const double* v, const double* tau, const double* sign, double scale, double* a,
                     size_t cols, size_t lda, size_t blockSize, double* work);

// Same as ApplyHaarLeft through LAPACK's dormqr (for comparison in tests and benchmarks).
Status ApplyHaarLeftOrmqr(size_t n, const double* v, const double* tau, const double* sign, double scale,
                          double* a, size_t cols, size_t lda);

}  // namespace di
