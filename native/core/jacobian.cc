#include "jacobian.h"

#include <cblas.h>
#include <lapacke.h>

#include <cmath>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "haar_reflectors.h"
#include "rng.h"

namespace di {

size_t JacobianScratchBytes(size_t width, bool orthogonal, size_t haarBlockSize, bool prefetchRandom) {
  const size_t n = width, m = width + 1;
  size_t doubles = n * m + n * n + 6 * n;  // A, W (or the reflectors), h/phi/dphi/b/tau/sign
  if (prefetchRandom) doubles += n * n + 3 * n;  // the second layer's random numbers
  if (orthogonal) doubles += HaarApplyWorkspaceSize(n, m, haarBlockSize);
  else doubles += n * m;  // the dgemm output
  doubles += 11 * n;      // dgesdd('N') work; iwork 8n ints
  return doubles * sizeof(double) + 8 * n * sizeof(lapack_int);
}

namespace {

// The random numbers of one layer: the weights (Gaussian entries already scaled, or Haar factors)
// and the bias normals (unscaled).
struct LayerRandom {
  std::vector<double> w, tau, sign, bias;
};

// Joins a helper thread on every exit path.
struct Joiner {
  std::thread t;
  void Join() {
    if (t.joinable()) t.join();
  }
  ~Joiner() { Join(); }
};

}  // namespace

Status SampleJacobian(const JacobianSpec& spec, const JacobianOutputs& out, const JobControl& control) {
  const size_t n = spec.width, m = spec.width + 1, depth = spec.depth;
  if (n == 0 || depth == 0 || out.eigenvalues == nullptr || out.qPerLayer == nullptr)
    return Status::Error(StatusCode::kInvalidArgument, "SampleJacobian: width, depth and outputs are required");
  Rng rng(spec.seed, spec.stream);
  const double gaussScale = spec.weightStd / std::sqrt(static_cast<double>(n));

  // The stream is consumed in one fixed order, whichever thread draws it: x^0 (n normals), then per
  // layer the weights (n*n normals row-major, or the n(n+1)/2 of SampleHaarFactors) and n bias normals.
  const int nbuf = spec.prefetchRandom && depth > 1 ? 2 : 1;
  LayerRandom bufs[2];
  for (int k = 0; k < nbuf; ++k) {
    bufs[k].w.resize(n * n);
    bufs[k].bias.resize(n);
    if (spec.orthogonal) {
      bufs[k].tau.resize(n);
      bufs[k].sign.resize(n);
    }
  }
  auto generate = [&](LayerRandom& r) {
    if (spec.orthogonal) {
      SampleHaarFactors(rng, n, r.w.data(), r.tau.data(), r.sign.data());
    } else {
      rng.FillNormal(r.w.data(), n * n);
      for (size_t i = 0; i < n * n; ++i) r.w[i] *= gaussScale;
    }
    rng.FillNormal(r.bias.data(), n);
  };

  std::vector<double> a(n * m, 0.0), h(n), phi(n), dphi(n), b, haarWork;
  if (spec.orthogonal) haarWork.resize(HaarApplyWorkspaceSize(n, m, spec.haarBlockSize));
  else b.resize(n * m);

  // A = [I | x^0], x^0 a uniformly random direction with (1/N)|x^0|^2 = q^0 = (q* - sigma_b^2)/sigma_w^2.
  for (size_t i = 0; i < n; ++i) a[i * m + i] = 1.0;
  rng.FillNormal(h.data(), n);
  double norm2 = 0.0;
  for (size_t i = 0; i < n; ++i) norm2 += h[i] * h[i];
  const double q0 = (spec.qStar - spec.biasStd * spec.biasStd) / (spec.weightStd * spec.weightStd);
  const double inputScale = norm2 > 0.0 && q0 > 0.0 ? std::sqrt(static_cast<double>(n) * q0 / norm2) : 0.0;
  for (size_t i = 0; i < n; ++i) a[i * m + n] = h[i] * inputScale;

  Joiner producer;
  size_t maxZeros = 0;
  for (size_t l = 0; l < depth; ++l) {
    if (control.CancelRequested()) return Status::Error(StatusCode::kCancelled, "cancelled between layers", "", static_cast<long long>(l));
    // Invariant: a = [D^l W^l ... D^1 W^1 | x^l] for the l layers done; the stream has been consumed
    // up to layer l (and layer l + 1 is being drawn by `producer` when prefetching).
    LayerRandom& r = bufs[nbuf == 2 ? (l & 1) : 0];
    if (nbuf == 1 || l == 0) generate(r);
    else producer.Join();
    if (nbuf == 2 && l + 1 < depth) {
      LayerRandom& next = bufs[(l + 1) & 1];
      try {
        producer.t = std::thread([&generate, &next] { generate(next); });
      } catch (const std::system_error&) {
        generate(next);  // no thread available: draw it here, same order
      }
    }
    if (spec.orthogonal) {
      Status s = ApplyHaarLeft(n, r.w.data(), r.tau.data(), r.sign.data(), spec.weightStd, a.data(), m, m,
                               spec.haarBlockSize, haarWork.data());
      if (!s.ok()) return s;
    } else if (l == 0) {
      // W [I | x^0] = [W | W x^0] (W I is exact, so this matches the dgemm bit for bit in J).
      for (size_t i = 0; i < n; ++i) {
        const double* wi = r.w.data() + i * n;
        double* row = b.data() + i * m;
        for (size_t j = 0; j < n; ++j) row[j] = wi[j];
      }
      cblas_dgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(n), static_cast<int>(n), 1.0, r.w.data(),
                  static_cast<int>(n), a.data() + n, static_cast<int>(m), 0.0, b.data() + n, static_cast<int>(m));
      a.swap(b);
    } else {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n), static_cast<int>(m),
                  static_cast<int>(n), 1.0, r.w.data(), static_cast<int>(n), a.data(), static_cast<int>(m), 0.0,
                  b.data(), static_cast<int>(m));
      a.swap(b);
    }
    double q = 0.0;
    for (size_t i = 0; i < n; ++i) {
      h[i] = a[i * m + n] + r.bias[i] * spec.biasStd;
      q += h[i] * h[i];
    }
    if (!std::isfinite(q))
      return Status::Error(StatusCode::kOverflow,
                           "the forward pass overflowed at layer " + std::to_string(l + 1) +
                               " (pre-activations are not finite); reduce weightStd, biasStd or depth",
                           "SampleJacobian", static_cast<long long>(l + 1));
    out.qPerLayer[l] = q / static_cast<double>(n);
    ApplyActivation(spec.activation, spec.activationParam, h.data(), phi.data(), dphi.data(), n);
    size_t zeros = 0;
    for (size_t i = 0; i < n; ++i) {
      const double d = dphi[i];
      if (d == 0.0) ++zeros;
      double* row = a.data() + i * m;
      for (size_t j = 0; j < n; ++j) row[j] *= d;
      row[n] = phi[i];
    }
    if (zeros > maxZeros) maxZeros = zeros;
    control.PublishProgress(static_cast<int32_t>(l + 1));
  }
  producer.Join();

  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      if (!std::isfinite(a[i * m + j]))
        return Status::Error(StatusCode::kOverflow,
                             "the Jacobian overflowed (non-finite entries); reduce weightStd or depth", "SampleJacobian");
  if (out.jacobian != nullptr)
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j) out.jacobian[i * n + j] = a[i * m + j];

  // Singular values of J: the row-major J (row stride m) is the column-major J^T with lda = m.
  std::vector<double> s(n);
  std::vector<lapack_int> iwork(8 * n);
  double query = 0.0;
  const lapack_int ni = static_cast<lapack_int>(n), mi = static_cast<lapack_int>(m);
  lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', ni, ni, a.data(), mi, s.data(), nullptr, 1, nullptr,
                                        1, &query, -1, iwork.data());
  if (info != 0) return Status::Error(StatusCode::kLapackError, "dgesdd workspace query failed", "dgesdd", info);
  std::vector<double> work(static_cast<size_t>(query) + 1);
  info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', ni, ni, a.data(), mi, s.data(), nullptr, 1, nullptr, 1,
                             work.data(), static_cast<lapack_int>(work.size()), iwork.data());
  if (info != 0)
    return Status::Error(StatusCode::kLapackError,
                         info > 0 ? "dgesdd: the bidiagonal SVD did not converge" : "dgesdd: invalid argument",
                         "dgesdd", info);
  if (!std::isfinite(s[0] * s[0]))
    return Status::Error(StatusCode::kOverflow,
                         "the eigenvalues of J J^T overflow (largest singular value " + std::to_string(s[0]) +
                             "); reduce weightStd or depth",
                         "SampleJacobian");
  for (size_t i = 0; i < n; ++i) out.eigenvalues[i] = s[i] * s[i];
  // rank J <= min_l #{i : phi'(h^l_i) != 0}: the smallest maxZeros values are round-off of exact zeros.
  for (size_t i = n - maxZeros; i < n; ++i) out.eigenvalues[i] = 0.0;
  if (out.structuralZeros != nullptr) *out.structuralZeros = static_cast<int32_t>(maxZeros);
  return Status::Ok();
}

}  // namespace di
