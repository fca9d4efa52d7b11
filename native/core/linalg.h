// Dense linear algebra of the native backend over OpenBLAS + LAPACK (pure C++17, no N-API).
// Matrices arrive ROW-MAJOR as the public API defines them; a row-major m x n buffer is the
// column-major n x m transpose, so LAPACK works on it in place of a copy (each routine says what
// that means for its result). Every entry point returns a Status and never throws: LAPACK
// info != 0 becomes kLapackError naming the routine, std::bad_alloc becomes kOutOfMemory.
#pragma once
#include <cstddef>
#include <cstdint>

#include "status.h"

namespace di {

// Hints the kernel to back a large, not yet touched output buffer with transparent huge pages
// (Linux madvise(MADV_HUGEPAGE) on its 2 MiB-aligned interior; numpy does the same for its large
// arrays): first-touch page faults then cost ~1/512 as many. No-op elsewhere and for small buffers.
void AdviseHugePages(void* data, size_t bytes);

// out[0 .. n) = std * N(0, 1) from Rng(seed, stream) (std == 1 leaves the normals untouched).
Status GaussianFill(uint64_t seed, uint64_t stream, double std, double* out, size_t n);

// A Haar-distributed orthogonal n x n matrix, row-major, into out[n * n] (Mezzadri 2007): G is
// GaussianFill(seed, stream, 1) read row-major; its LQ factorization G = L Q0 (= the QR
// factorization G^T = Q R of the column-major view, dgeqrf + dorgqr) gives
// out = diag(sign(diag L)) Q0, i.e. the factor whose triangular partner has a positive diagonal.
Status HaarOrthogonal(int n, uint64_t seed, uint64_t stream, double* out);

// Singular values (descending) of the row-major rows x cols matrix a (unchanged) into
// s[min(rows, cols)], by dgesdd with jobz = 'N'.
Status SingularValues(int rows, int cols, const double* a, double* s);

// Thin SVD a = u diag(s) vt of the row-major rows x cols matrix a (unchanged), k = min(rows, cols):
// u is rows x k, vt is k x cols, both row-major; by dgesdd with jobz = 'S'.
Status Svd(int rows, int cols, const double* a, double* u, double* s, double* vt);

// As SingularValues and Svd, but `a` is scratch that LAPACK overwrites (no internal copy): for
// callers that already own a copy, e.g. an async binding that copied a caller's matrix.
Status SingularValuesDestroying(int rows, int cols, double* a, double* s);
Status SvdDestroying(int rows, int cols, double* a, double* u, double* s, double* vt);

// c = a b for row-major a (m x k), b (k x n), c (m x n), by dgemm.
Status Matmul(int m, int k, int n, const double* a, const double* b, double* c);

}  // namespace di
