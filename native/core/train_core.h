// Minibatch training of a deep fully connected network with softmax cross-entropy (Pennington,
// Schoenholz & Ganguli 2017, Section 3), the native twin of lib/train/js.ts: the same layout, the
// same operations in the same order, with cblas_dgemm for the three products of every layer.
// Pure C++17, no N-API. Every entry point returns a Status and never throws.
//
// Layout (see lib/train/network.ts): layer l maps sizes[l] -> sizes[l + 1]; the parameter vector
// holds W_l (sizes[l+1] x sizes[l], row-major) then b_l (sizes[l+1]) for every layer; all layers but
// the last apply the activation; the last is the linear readout.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "activations.h"
#include "job_control.h"
#include "status.h"

namespace di {

enum class OptimizerId : int { kSgd = 0, kMomentum = 1, kRmsprop = 2, kAdam = 3 };

// Fixed optimizer constants (mirrored in lib/train/engine.ts OPTIMIZER_CONSTANTS).
constexpr double kMomentum = 0.9;
constexpr double kRmsDecay = 0.9;
constexpr double kBeta1 = 0.9;
constexpr double kBeta2 = 0.999;
constexpr double kAdamEpsilon = 1e-8;

struct TrainProblem {
  std::vector<int> sizes;          // layers + 1 widths
  ActivationId activation = ActivationId::kLinear;
  double activationParam = 0.0;
  OptimizerId optimizer = OptimizerId::kSgd;
  double learningRate = 0.0;
  int batchSize = 1;
  const double* trainInputs = nullptr;  // trainCount x sizes[0], row-major
  const int32_t* trainLabels = nullptr;
  int64_t trainCount = 0;

  int Layers() const { return static_cast<int>(sizes.size()) - 1; }
  size_t ParameterCount() const;
  size_t WeightOffset(int l) const;
  size_t BiasOffset(int l) const;
};

// Runs `count` optimizer steps from optimizer step `stepStart` (steps already taken; Adam's bias
// correction uses stepStart + s + 1). Batch s uses rows batchIndices[s * B .. (s + 1) * B) of the
// training set. Writes each step's mean loss to losses[s]. After the first non-finite loss the
// update of that step is skipped and the run stops; *completed is the number of steps applied.
// control.cancel is polled before every step: when set, the run stops between two steps and returns
// kCancelled (info = steps applied); parameters and moments then hold exactly the *completed
// finished steps. control.progress receives the number of steps applied so far (0 at the start).
Status TrainSteps(const TrainProblem& p, double* params, double* moment1, double* moment2, int64_t stepStart,
                  const int32_t* batchIndices, int count, double* losses, int* completed,
                  const JobControl& control = JobControl());

// Mean cross-entropy (*loss) and number of correct argmax predictions over n examples.
Status Evaluate(const TrainProblem& p, const double* params, const double* inputs, const int32_t* labels, int64_t n,
                double* loss, int64_t* correct);

// Mean cross-entropy of one batch of n rows and its gradient (grad has ParameterCount() entries).
Status LossAndGradient(const TrainProblem& p, const double* params, const double* inputs, const int32_t* labels,
                       int n, double* grad, double* loss);

// Validates sizes, ids and pointers (the binding calls it before queueing work).
Status CheckTrainProblem(const TrainProblem& p);

}  // namespace di
