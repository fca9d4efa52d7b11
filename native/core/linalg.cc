#include "linalg.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "rng.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace di {
namespace {

Status LapackFailure(const char* routine, lapack_int info) {
  std::string msg = std::string(routine) + " failed with info = " + std::to_string(info);
  if (info < 0) msg += " (argument " + std::to_string(-info) + " rejected: an illegal value, or a non-finite matrix entry)";
  else if (std::strcmp(routine, "dgesdd") == 0) msg += " (the bidiagonal divide-and-conquer did not converge)";
  return Status::Error(StatusCode::kLapackError, msg, routine, info);
}

// Workspace size from a LAPACK query (the optimal size is returned as a double).
size_t WorkSize(double query) { return static_cast<size_t>(query) + 1; }

// dgesdd on the column-major view b (ldb x ncolsb) with jobz; b is destroyed.
Status Gesdd(char jobz, int m, int n, double* b, double* s, double* u, int ldu, double* vt, int ldvt) {
  const int k = std::min(m, n);
  std::vector<lapack_int> iwork(static_cast<size_t>(8) * static_cast<size_t>(k));
  double query = 0;
  lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, m, n, b, m, s, u, ldu, vt, ldvt, &query, -1, iwork.data());
  if (info != 0) return LapackFailure("dgesdd", info);
  std::vector<double> work(WorkSize(query));
  info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, m, n, b, m, s, u, ldu, vt, ldvt, work.data(),
                             static_cast<lapack_int>(work.size()), iwork.data());
  if (info != 0) return LapackFailure("dgesdd", info);
  return Status::Ok();
}

}  // namespace

void AdviseHugePages(void* data, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  if (bytes < 2 * kHuge) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // a hint: errors ignored
#else
  (void)data;
  (void)bytes;
#endif
}

Status GaussianFill(uint64_t seed, uint64_t stream, double std, double* out, size_t n) {
  AdviseHugePages(out, n * sizeof(double));
  Rng rng(seed, stream);
  rng.FillNormal(out, n);
  if (std != 1.0)
    for (size_t i = 0; i < n; ++i) out[i] *= std;
  return Status::Ok();
}

Status HaarOrthogonal(int n, uint64_t seed, uint64_t stream, double* out) {
  const size_t nn = static_cast<size_t>(n) * static_cast<size_t>(n);
  AdviseHugePages(out, nn * sizeof(double));
  Rng rng(seed, stream);
  rng.FillNormal(out, nn);
  // out, read column-major, is G^T; factor it in place.
  std::vector<double> tau(static_cast<size_t>(n));
  double query = 0;
  lapack_int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, n, n, out, n, tau.data(), &query, -1);
  if (info != 0) return LapackFailure("dgeqrf", info);
  double query2 = 0;
  info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, n, n, n, out, n, tau.data(), &query2, -1);
  if (info != 0) return LapackFailure("dorgqr", info);
  std::vector<double> work(std::max(WorkSize(query), WorkSize(query2)));
  const lapack_int lwork = static_cast<lapack_int>(work.size());
  info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, n, n, out, n, tau.data(), work.data(), lwork);
  if (info != 0) return LapackFailure("dgeqrf", info);
  // Signs of diag R, read before dorgqr overwrites the triangle.
  std::vector<double> sign(static_cast<size_t>(n));
  for (int j = 0; j < n; ++j) sign[j] = out[static_cast<size_t>(j) * n + j] < 0 ? -1.0 : 1.0;
  info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, n, n, n, out, n, tau.data(), work.data(), lwork);
  if (info != 0) return LapackFailure("dorgqr", info);
  // Q diag(sign) column-major: column j is contiguous.
  for (int j = 0; j < n; ++j) {
    if (sign[j] < 0) {
      double* col = out + static_cast<size_t>(j) * n;
      for (int i = 0; i < n; ++i) col[i] = -col[i];
    }
  }
  return Status::Ok();
}

Status SingularValuesDestroying(int rows, int cols, double* a, double* s) {
  // Row-major rows x cols == column-major cols x rows (same singular values).
  double dummy = 0;
  return Gesdd('N', cols, rows, a, s, &dummy, 1, &dummy, 1);
}

Status SingularValues(int rows, int cols, const double* a, double* s) {
  std::vector<double> b(a, a + static_cast<size_t>(rows) * static_cast<size_t>(cols));
  return SingularValuesDestroying(rows, cols, b.data(), s);
}

Status SvdDestroying(int rows, int cols, double* a, double* u, double* s, double* vt) {
  // B = A^T (column-major cols x rows) = Ub S VbT, so A = VbT^T S Ub^T: the column-major VbT
  // (k x rows) read row-major is A's U (rows x k), the column-major Ub (cols x k) read row-major is
  // A's V^T (k x cols). So LAPACK writes u and vt in place with the roles swapped.
  const int k = std::min(rows, cols);
  return Gesdd('S', cols, rows, a, s, vt, cols, u, k);
}

Status Svd(int rows, int cols, const double* a, double* u, double* s, double* vt) {
  std::vector<double> b(a, a + static_cast<size_t>(rows) * static_cast<size_t>(cols));
  return SvdDestroying(rows, cols, b.data(), u, s, vt);
}

Status Matmul(int m, int k, int n, const double* a, const double* b, double* c) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, a, k, b, n, 0.0, c, n);
  return Status::Ok();
}

}  // namespace di
