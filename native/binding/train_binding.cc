// N-API adapters of the training core (core/train_core.h). TypeScript (lib/train/native.ts) has
// validated everything and allocated every buffer; these re-check shapes only to protect the
// process. Each entry point copies the problem into a plain struct on the main thread and runs the
// work as an AsyncJob (a Promise) whose Execute touches no JS value; every typed array the worker
// reads or writes is kept alive through the job's references. The labels are a Dataset's own
// Int32Array, which the user holds (loadMnist, splitDataset) and could detach while a job runs, so
// they are copied into job-owned storage (the memory rule in napi_util.h); everything else
// (preprocessed inputs, parameters, moments, batch indices, losses) is allocated by lib/train.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "binding/napi_util.h"
#include "binding/registry.h"
#include "core/train_core.h"

namespace {

// The examples of a call: preprocessed inputs (library-allocated, read in place) and the labels,
// checked against the problem's shape and copied into job-owned storage (see the header comment).
struct Examples {
  Napi::Float64Array inputs;
  std::shared_ptr<std::vector<int32_t>> labels;
  size_t count;
};

Examples ExamplesArg(const Napi::CallbackInfo& info, const di::TrainProblem& p, size_t inputsIndex,
                     const char* inputsName, const char* labelsName) {
  Napi::Env env = info.Env();
  Napi::Float64Array inputs = di::Float64Arg(info, inputsIndex, inputsName);
  Napi::Int32Array labels = di::Int32Arg(info, inputsIndex + 1, labelsName);
  const size_t n0 = static_cast<size_t>(p.sizes[0]);
  if (labels.ElementLength() == 0 || inputs.ElementLength() != labels.ElementLength() * n0)
    di::ThrowInvalid(env, std::string(inputsName) + " must have " + labelsName + ".length * sizes[0] entries");
  const int classes = p.sizes.back();
  for (size_t k = 0; k < labels.ElementLength(); k++)
    if (labels[k] < 0 || labels[k] >= classes) di::ThrowInvalid(env, std::string(labelsName) + " must be in [0, classes)");
  return {inputs, di::CopyInput(env, labels.Data(), labels.ElementLength(), labelsName), labels.ElementLength()};
}

double Field(const Napi::Object& config, const char* key) { return di::NumberField(config, "config", key); }

// config = { sizes: number[], activationId, activationParam, optimizerId, learningRate, batchSize }
di::TrainProblem ProblemArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  if (info.Length() <= i || !info[i].IsObject()) di::ThrowInvalid(env, "config must be an object");
  Napi::Object o = info[i].As<Napi::Object>();
  di::TrainProblem p;
  Napi::Value sizes = o.Get("sizes");
  if (!sizes.IsArray()) di::ThrowInvalid(env, "config.sizes must be an array");
  Napi::Array arr = sizes.As<Napi::Array>();
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr.Get(k);
    if (!v.IsNumber()) di::ThrowInvalid(env, "config.sizes must hold numbers");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 1 && d <= 1e8) || d != static_cast<double>(static_cast<int>(d))) di::ThrowInvalid(env, "config.sizes must hold integers >= 1");
    p.sizes.push_back(static_cast<int>(d));
  }
  p.activation = static_cast<di::ActivationId>(static_cast<int>(Field(o, "activationId")));
  p.activationParam = Field(o, "activationParam");
  p.optimizer = static_cast<di::OptimizerId>(static_cast<int>(Field(o, "optimizerId")));
  p.learningRate = Field(o, "learningRate");
  p.batchSize = static_cast<int>(Field(o, "batchSize"));
  di::Status st = di::CheckTrainProblem(p);
  if (!st.ok()) di::ThrowStatus(env, st);
  return p;
}

// trainSteps(config, trainInputs, trainLabels, params, moment1, moment2, stepStart, batchIndices, count, losses,
//            control?) -> Promise<number of steps applied>
// control = Int32Array [cancel, stepsDone] shared with the worker (optional): JS sets cancel from an
// AbortSignal, the worker checks it before every step (rejecting with ERR_DI_ABORTED) and publishes
// the number of steps applied in stepsDone.
Napi::Value TrainSteps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  di::TrainProblem p = ProblemArg(info, 0);
  Examples ex = ExamplesArg(info, p, 1, "trainInputs", "trainLabels");
  const size_t np = p.ParameterCount();
  Napi::Float64Array params = di::Float64Arg(info, 3, "params", np);
  Napi::Float64Array m1 = di::Float64Arg(info, 4, "moment1", np);
  Napi::Float64Array m2 = di::Float64Arg(info, 5, "moment2", np);
  const long long stepStart = di::IntArg(info, 6, "stepStart", 0, 1LL << 50);
  Napi::Int32Array batch = di::Int32Arg(info, 7, "batchIndices");
  const long long count = di::IntArg(info, 8, "count", 0, 1LL << 30);
  if (batch.ElementLength() < static_cast<size_t>(count) * static_cast<size_t>(p.batchSize))
    di::ThrowInvalid(env, "batchIndices must hold count * batchSize indices");
  Napi::Float64Array losses = di::Float64Arg(info, 9, "losses");
  if (losses.ElementLength() < static_cast<size_t>(count)) di::ThrowInvalid(env, "losses must hold count entries");
  std::vector<Napi::Value> keep = {ex.inputs, params, m1, m2, batch, losses};
  di::JobControl control;
  if (di::OptionalArg(info, 10)) {
    Napi::Int32Array c = di::Int32Arg(info, 10, "control");
    if (c.ElementLength() < 2) di::ThrowInvalid(env, "control must be an Int32Array [cancel, stepsDone]");
    keep.push_back(c);
    control = di::JobControlOf(c);
  }
  auto ownLabels = ex.labels;
  p.trainInputs = ex.inputs.Data();
  p.trainLabels = ownLabels->data();
  p.trainCount = static_cast<int64_t>(ex.count);
  auto completed = std::make_shared<int>(0);
  double* pp = params.Data();
  double* pm1 = m1.Data();
  double* pm2 = m2.Data();
  const int32_t* pb = batch.Data();
  double* pl = losses.Data();
  return di::AsyncJob::Start(
      env,
      [p, pp, pm1, pm2, stepStart, pb, count, pl, completed, ownLabels, control]() {
        return di::TrainSteps(p, pp, pm1, pm2, stepStart, pb, static_cast<int>(count), pl, completed.get(), control);
      },
      [completed](Napi::Env e) -> Napi::Value { return Napi::Number::New(e, *completed); }, keep);
}

// evaluate(config, params, inputs, labels) -> Promise<{ loss, correct }>
Napi::Value Evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  di::TrainProblem p = ProblemArg(info, 0);
  Napi::Float64Array params = di::Float64Arg(info, 1, "params", p.ParameterCount());
  Examples ex = ExamplesArg(info, p, 2, "inputs", "labels");
  Napi::Float64Array inputs = ex.inputs;
  const double* pp = params.Data();
  const double* pi = inputs.Data();
  auto ownLabels = ex.labels;
  const int64_t n = static_cast<int64_t>(ex.count);
  auto loss = std::make_shared<double>(0.0);
  auto correct = std::make_shared<int64_t>(0);
  return di::AsyncJob::Start(
      env,
      [p, pp, pi, ownLabels, n, loss, correct]() {
        return di::Evaluate(p, pp, pi, ownLabels->data(), n, loss.get(), correct.get());
      },
      [loss, correct](Napi::Env e) -> Napi::Value {
        Napi::Object o = Napi::Object::New(e);
        o.Set("loss", Napi::Number::New(e, *loss));
        o.Set("correct", Napi::Number::New(e, static_cast<double>(*correct)));
        return o;
      },
      {params, inputs});
}

// lossAndGradient(config, params, inputs, labels, grad) -> Promise<number (mean loss)>
Napi::Value LossAndGradient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  di::TrainProblem p = ProblemArg(info, 0);
  const size_t np = p.ParameterCount();
  Napi::Float64Array params = di::Float64Arg(info, 1, "params", np);
  Examples ex = ExamplesArg(info, p, 2, "inputs", "labels");
  Napi::Float64Array inputs = ex.inputs;
  Napi::Float64Array grad = di::Float64Arg(info, 4, "grad", np);
  const double* pp = params.Data();
  const double* pi = inputs.Data();
  auto ownLabels = ex.labels;
  double* pg = grad.Data();
  const int n = static_cast<int>(ex.count);
  auto loss = std::make_shared<double>(0.0);
  return di::AsyncJob::Start(
      env, [p, pp, pi, ownLabels, n, pg, loss]() { return di::LossAndGradient(p, pp, pi, ownLabels->data(), n, pg, loss.get()); },
      [loss](Napi::Env e) -> Napi::Value { return Napi::Number::New(e, *loss); }, {params, inputs, grad});
}

di::Register reg([](Napi::Env env, Napi::Object exports) {
  exports.Set("trainSteps", Napi::Function::New(env, TrainSteps, "trainSteps"));
  exports.Set("trainEvaluate", Napi::Function::New(env, Evaluate, "trainEvaluate"));
  exports.Set("trainLossAndGradient", Napi::Function::New(env, LossAndGradient, "trainLossAndGradient"));
});

}  // namespace
