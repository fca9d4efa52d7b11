// Native training core: see train_core.h. The order of floating-point operations outside the
// dgemm calls (bias add, activation, softmax, column sums, optimizer updates) is the order of
// lib/train/js.ts, so the two backends differ only by dgemm's summation order.
#include "train_core.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

namespace di {

size_t TrainProblem::ParameterCount() const {
  size_t n = 0;
  for (int l = 0; l < Layers(); l++) n += static_cast<size_t>(sizes[l + 1]) * (static_cast<size_t>(sizes[l]) + 1);
  return n;
}

size_t TrainProblem::WeightOffset(int l) const {
  size_t n = 0;
  for (int i = 0; i < l; i++) n += static_cast<size_t>(sizes[i + 1]) * (static_cast<size_t>(sizes[i]) + 1);
  return n;
}

size_t TrainProblem::BiasOffset(int l) const {
  return WeightOffset(l) + static_cast<size_t>(sizes[l + 1]) * static_cast<size_t>(sizes[l]);
}

Status CheckTrainProblem(const TrainProblem& p) {
  if (p.sizes.size() < 2) return Status::Error(StatusCode::kInvalidArgument, "train: at least one layer is required");
  for (int s : p.sizes)
    if (s < 1) return Status::Error(StatusCode::kInvalidArgument, "train: layer sizes must be >= 1");
  if (!IsValidActivationId(static_cast<int>(p.activation)))
    return Status::Error(StatusCode::kInvalidArgument, "train: unknown activation id");
  const int opt = static_cast<int>(p.optimizer);
  if (opt < 0 || opt > 3) return Status::Error(StatusCode::kInvalidArgument, "train: unknown optimizer id");
  if (p.batchSize < 1) return Status::Error(StatusCode::kInvalidArgument, "train: batchSize must be >= 1");
  return Status::Ok();
}

namespace {

// Buffers for one batch size; every pointer is into `storage`.
class Workspace {
 public:
  Workspace(const TrainProblem& p, int batch) : batch_(batch) {
    const int L = p.Layers();
    int maxWidth = 0;
    for (int s : p.sizes) maxWidth = std::max(maxWidth, s);
    acts_.resize(L);
    dphis_.resize(L > 0 ? L - 1 : 0);
    for (int l = 0; l < L; l++) acts_[l].assign(static_cast<size_t>(batch) * p.sizes[l], 0.0);
    for (int l = 0; l + 1 < L; l++) dphis_[l].assign(static_cast<size_t>(batch) * p.sizes[l + 1], 0.0);
    logits_.assign(static_cast<size_t>(batch) * p.sizes[L], 0.0);
    deltaA_.assign(static_cast<size_t>(batch) * maxWidth, 0.0);
    deltaB_.assign(static_cast<size_t>(batch) * maxWidth, 0.0);
  }
  int batch_;
  std::vector<std::vector<double>> acts_;
  std::vector<std::vector<double>> dphis_;
  std::vector<double> logits_;
  std::vector<double> deltaA_;
  std::vector<double> deltaB_;
};

// Forward pass of ws.batch_ rows already in acts_[0].
void Forward(const TrainProblem& p, const double* params, Workspace& ws, bool keepDerivatives) {
  const int L = p.Layers();
  const int B = ws.batch_;
  for (int l = 0; l < L; l++) {
    const int nIn = p.sizes[l];
    const int nOut = p.sizes[l + 1];
    double* out = l + 1 < L ? ws.acts_[l + 1].data() : ws.logits_.data();
    const double* w = params + p.WeightOffset(l);
    const double* b = params + p.BiasOffset(l);
    // H = A W^T, then + b (the JS kernel adds the bias after the dot product, as here).
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, nOut, nIn, 1.0, ws.acts_[l].data(), nIn, w, nIn, 0.0, out, nOut);
    for (int r = 0; r < B; r++) {
      double* row = out + static_cast<size_t>(r) * nOut;
      for (int j = 0; j < nOut; j++) row[j] = row[j] + b[j];
    }
    if (l + 1 < L) {
      const size_t len = static_cast<size_t>(B) * nOut;
      if (p.activation == ActivationId::kTanh && keepDerivatives) {
        // Training fast path (mirrored in lib/train/js.ts): one tanh per entry, phi' = 1 - tanh^2
        // instead of sech^2 = 1/cosh^2. The two differ by rounding only where tanh^2 ~ 1, i.e. where
        // phi' is itself negligible; this halves the transcendental work of the step.
        double* d = ws.dphis_[l].data();
        for (size_t i = 0; i < len; i++) {
          const double t = std::tanh(out[i]);
          out[i] = t;
          d[i] = 1 - t * t;
        }
      } else {
        ApplyActivation(p.activation, p.activationParam, out, out, keepDerivatives ? ws.dphis_[l].data() : nullptr, len);
      }
    }
  }
}

struct LossCount {
  double loss = 0.0;
  int64_t correct = 0;
};

// Summed softmax cross-entropy over the batch; delta (optional) = (softmax - onehot) * scale.
LossCount SoftmaxCrossEntropy(const double* logits, const int32_t* labels, int batch, int classes, double* delta, double scale) {
  LossCount out;
  for (int r = 0; r < batch; r++) {
    const double* z = logits + static_cast<size_t>(r) * classes;
    double m = z[0];
    int arg = 0;
    for (int c = 1; c < classes; c++) {
      if (z[c] > m) {
        m = z[c];
        arg = c;
      }
    }
    double s = 0.0;
    for (int c = 0; c < classes; c++) s += std::exp(z[c] - m);
    const int y = labels[r];
    out.loss += m + std::log(s) - z[y];
    if (arg == y) out.correct++;
    if (delta) {
      double* d = delta + static_cast<size_t>(r) * classes;
      for (int c = 0; c < classes; c++) d[c] = (std::exp(z[c] - m) / s) * scale;
      d[y] = d[y] - scale;
    }
  }
  return out;
}

// Loss (mean) and gradient of the batch in ws.acts_[0].
double LossAndGradientInto(const TrainProblem& p, const double* params, const int32_t* labels, Workspace& ws, double* grad) {
  const int L = p.Layers();
  const int B = ws.batch_;
  Forward(p, params, ws, true);
  double* delta = ws.deltaA_.data();
  double* other = ws.deltaB_.data();
  const LossCount lc = SoftmaxCrossEntropy(ws.logits_.data(), labels, B, p.sizes[L], delta, 1.0 / B);
  // Invariant at the top of iteration l: delta holds dLoss/dH_l (B x sizes[l+1]).
  for (int l = L - 1; l >= 0; l--) {
    const int nIn = p.sizes[l];
    const int nOut = p.sizes[l + 1];
    double* gw = grad + p.WeightOffset(l);
    double* gb = grad + p.BiasOffset(l);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nOut, nIn, B, 1.0, delta, nOut, ws.acts_[l].data(), nIn, 0.0, gw, nIn);
    for (int j = 0; j < nOut; j++) gb[j] = 0.0;
    for (int r = 0; r < B; r++) {
      const double* d = delta + static_cast<size_t>(r) * nOut;
      for (int j = 0; j < nOut; j++) gb[j] = gb[j] + d[j];
    }
    if (l == 0) break;
    const double* w = params + p.WeightOffset(l);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, nIn, nOut, 1.0, delta, nOut, w, nIn, 0.0, other, nIn);
    const double* dphi = ws.dphis_[l - 1].data();
    const size_t len = static_cast<size_t>(B) * nIn;
    for (size_t i = 0; i < len; i++) other[i] = other[i] * dphi[i];
    std::swap(delta, other);
  }
  return lc.loss / B;
}

void ApplyUpdate(const TrainProblem& p, double* params, double* m1, double* m2, int64_t step, const double* grad, size_t n) {
  const double lr = p.learningRate;
  switch (p.optimizer) {
    case OptimizerId::kSgd:
      for (size_t i = 0; i < n; i++) params[i] = params[i] - lr * grad[i];
      break;
    case OptimizerId::kMomentum:
      for (size_t i = 0; i < n; i++) {
        const double v = kMomentum * m1[i] + grad[i];
        m1[i] = v;
        params[i] = params[i] - lr * v;
      }
      break;
    case OptimizerId::kRmsprop:
      for (size_t i = 0; i < n; i++) {
        const double g = grad[i];
        const double s = kRmsDecay * m2[i] + (1 - kRmsDecay) * g * g;
        m2[i] = s;
        params[i] = params[i] - (lr * g) / (std::sqrt(s) + kAdamEpsilon);
      }
      break;
    case OptimizerId::kAdam: {
      // beta^t by repeated multiplication, as in TypeScript (no pow()): bit-identical corrections.
      double p1 = 1.0, p2 = 1.0;
      for (int64_t t = 0; t < step; t++) {
        p1 *= kBeta1;
        p2 *= kBeta2;
      }
      const double c1 = 1 - p1;
      const double c2 = 1 - p2;
      for (size_t i = 0; i < n; i++) {
        const double g = grad[i];
        const double m = kBeta1 * m1[i] + (1 - kBeta1) * g;
        const double v = kBeta2 * m2[i] + (1 - kBeta2) * g * g;
        m1[i] = m;
        m2[i] = v;
        params[i] = params[i] - (lr * (m / c1)) / (std::sqrt(v / c2) + kAdamEpsilon);
      }
      break;
    }
  }
}

}  // namespace

Status TrainSteps(const TrainProblem& p, double* params, double* moment1, double* moment2, int64_t stepStart,
                  const int32_t* batchIndices, int count, double* losses, int* completed,
                  const JobControl& control) {
  Status st = CheckTrainProblem(p);
  if (!st.ok()) return st;
  *completed = 0;
  control.PublishProgress(0);
  const int B = p.batchSize;
  const int n0 = p.sizes[0];
  const size_t np = p.ParameterCount();
  Workspace ws(p, B);
  std::vector<double> grad(np, 0.0);
  std::vector<int32_t> labels(B, 0);
  for (int s = 0; s < count; s++) {
    if (control.CancelRequested())
      return Status::Error(StatusCode::kCancelled, "training was cancelled between steps", "", static_cast<long long>(s));
    for (int r = 0; r < B; r++) {
      const int32_t i = batchIndices[static_cast<size_t>(s) * B + r];
      if (i < 0 || i >= p.trainCount) return Status::Error(StatusCode::kInvalidArgument, "train: batch index out of range");
      std::memcpy(ws.acts_[0].data() + static_cast<size_t>(r) * n0, p.trainInputs + static_cast<size_t>(i) * n0, sizeof(double) * n0);
      labels[r] = p.trainLabels[i];
    }
    const double loss = LossAndGradientInto(p, params, labels.data(), ws, grad.data());
    losses[s] = loss;
    if (!std::isfinite(loss)) return Status::Ok();
    ApplyUpdate(p, params, moment1, moment2, stepStart + s + 1, grad.data(), np);
    *completed = s + 1;
    control.PublishProgress(static_cast<int32_t>(s + 1));
  }
  return Status::Ok();
}

// Rows per evaluation batch (lib/train/js.ts EVAL_BATCH; the result does not depend on it).
constexpr int kEvalBatch = 250;

Status Evaluate(const TrainProblem& p, const double* params, const double* inputs, const int32_t* labels, int64_t n,
                double* loss, int64_t* correct) {
  Status st = CheckTrainProblem(p);
  if (!st.ok()) return st;
  const int L = p.Layers();
  const int n0 = p.sizes[0];
  double sum = 0.0;
  int64_t right = 0;
  // One workspace for the full batches, one for the remainder (allocation is not free at depth 50+).
  std::unique_ptr<Workspace> full, rest;
  for (int64_t start = 0; start < n; start += kEvalBatch) {
    const int b = static_cast<int>(std::min<int64_t>(kEvalBatch, n - start));
    std::unique_ptr<Workspace>& slot = b == kEvalBatch ? full : rest;
    if (!slot) slot = std::make_unique<Workspace>(p, b);
    Workspace& ws = *slot;
    std::memcpy(ws.acts_[0].data(), inputs + static_cast<size_t>(start) * n0, sizeof(double) * static_cast<size_t>(b) * n0);
    Forward(p, params, ws, false);
    const LossCount lc = SoftmaxCrossEntropy(ws.logits_.data(), labels + start, b, p.sizes[L], nullptr, 0.0);
    sum += lc.loss;
    right += lc.correct;
  }
  *loss = sum / static_cast<double>(n);
  *correct = right;
  return Status::Ok();
}

Status LossAndGradient(const TrainProblem& p, const double* params, const double* inputs, const int32_t* labels,
                       int n, double* grad, double* loss) {
  Status st = CheckTrainProblem(p);
  if (!st.ok()) return st;
  Workspace ws(p, n);
  std::memcpy(ws.acts_[0].data(), inputs, sizeof(double) * static_cast<size_t>(n) * p.sizes[0]);
  *loss = LossAndGradientInto(p, params, labels, ws, grad);
  return Status::Ok();
}

}  // namespace di
