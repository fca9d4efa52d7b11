#include "haar_reflectors.h"

#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace di {

void SampleHaarFactors(Rng& rng, size_t n, double* v, double* tau, double* sign) {
  for (size_t k = 0; k + 1 < n; ++k) {
    double* x = v + k * n + k;  // column k, rows k..n-1 (contiguous): a fresh N(0, I_{n-k}) vector
    const size_t len = n - k;
    rng.FillNormal(x, len);
    // LAPACK dlarfg: H (alpha, x') = (beta, 0) with beta = -sign(alpha) |(alpha, x')|.
    const double alpha = x[0];
    double tail = 0.0;
    for (size_t i = 1; i < len; ++i) tail += x[i] * x[i];
    if (tail == 0.0) {  // probability zero; H = I and R_kk = alpha
      tau[k] = 0.0;
      sign[k] = alpha < 0.0 ? -1.0 : 1.0;
      continue;
    }
    const double norm = std::sqrt(alpha * alpha + tail);
    const double beta = alpha >= 0.0 ? -norm : norm;
    const double denom = alpha - beta;
    for (size_t i = 1; i < len; ++i) x[i] = x[i] / denom;
    tau[k] = (beta - alpha) / beta;
    x[0] = beta;
    sign[k] = beta > 0.0 ? 1.0 : -1.0;
  }
  if (n > 0) {
    const double last = rng.NextNormal();  // R_{n-1,n-1} is a standard normal: only its sign matters
    v[(n - 1) * n + (n - 1)] = last;
    tau[n - 1] = 0.0;
    sign[n - 1] = last < 0.0 ? -1.0 : 1.0;
  }
}

size_t HaarApplyWorkspaceSize(size_t /*n*/, size_t cols, size_t blockSize) {
  return blockSize * blockSize + cols * blockSize;
}

static void ScaleRows(size_t n, const double* sign, double scale, double* a, size_t cols, size_t lda) {
  for (size_t i = 0; i < n; ++i) {
    const double s = sign[i] * scale;
    double* row = a + i * lda;
    for (size_t j = 0; j < cols; ++j) row[j] *= s;
  }
}

Status ApplyHaarLeft(size_t n, const double* v, const double* tau, const double* sign, double scale, double* a,
                     size_t cols, size_t lda, size_t blockSize, double* work) {
  ScaleRows(n, sign, scale, a, cols, lda);
  if (n < 2 || cols == 0) return Status::Ok();
  const size_t nb = std::max<size_t>(1, blockSize);
  const size_t nrefl = n - 1;
  double* t = work;
  double* w = work + nb * nb;
  // C = A^T (column-major cols x n, ldc = lda). C <- C H_{n-2} ... H_0, one block at a time, last first.
  // Invariant: after the iteration for block start k0, C holds (H_{k0} ... H_{n-2} S A)^T * scale.
  const size_t nblocks = (nrefl + nb - 1) / nb;
  for (size_t b = nblocks; b-- > 0;) {
    const size_t k0 = b * nb;
    const size_t kb = std::min(nb, nrefl - k0);
    const size_t rows = n - k0;
    const double* vb = v + k0 * n + k0;
    lapack_int info = LAPACKE_dlarft_work(LAPACK_COL_MAJOR, 'F', 'C', static_cast<lapack_int>(rows),
                                          static_cast<lapack_int>(kb), vb, static_cast<lapack_int>(n), tau + k0, t,
                                          static_cast<lapack_int>(nb));
    if (info != 0) return Status::Error(StatusCode::kLapackError, "dlarft failed", "dlarft", info);
    info = LAPACKE_dlarfb_work(LAPACK_COL_MAJOR, 'R', 'T', 'F', 'C', static_cast<lapack_int>(cols),
                               static_cast<lapack_int>(rows), static_cast<lapack_int>(kb), vb,
                               static_cast<lapack_int>(n), t, static_cast<lapack_int>(nb), a + k0 * lda,
                               static_cast<lapack_int>(lda), w, static_cast<lapack_int>(cols));
    if (info != 0) return Status::Error(StatusCode::kLapackError, "dlarfb failed", "dlarfb", info);
  }
  return Status::Ok();
}

Status ApplyHaarLeftOrmqr(size_t n, const double* v, const double* tau, const double* sign, double scale,
                          double* a, size_t cols, size_t lda) {
  ScaleRows(n, sign, scale, a, cols, lda);
  if (n < 2 || cols == 0) return Status::Ok();
  // dormqr reads the diagonal of v as part of the reflector storage but treats it as 1.
  double query = 0.0;
  lapack_int info = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'R', 'T', static_cast<lapack_int>(cols),
                                        static_cast<lapack_int>(n), static_cast<lapack_int>(n - 1), v,
                                        static_cast<lapack_int>(n), tau, a, static_cast<lapack_int>(lda), &query, -1);
  if (info != 0) return Status::Error(StatusCode::kLapackError, "dormqr workspace query failed", "dormqr", info);
  std::vector<double> work(static_cast<size_t>(query) + 1);
  info = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'R', 'T', static_cast<lapack_int>(cols), static_cast<lapack_int>(n),
                             static_cast<lapack_int>(n - 1), v, static_cast<lapack_int>(n), tau, a,
                             static_cast<lapack_int>(lda), work.data(), static_cast<lapack_int>(work.size()));
  if (info != 0) return Status::Error(StatusCode::kLapackError, "dormqr failed", "dormqr", info);
  return Status::Ok();
}

}  // namespace di
