// Cancellation and progress of one long native job (a Jacobian sample, a free-solver grid, a run of
// optimizer steps), shared with JavaScript through an Int32Array that lib/ allocates and the binding
// keeps alive while the job runs:
//   slot kJobControlCancel   (0): JS writes non-zero to ask the job to stop;
//   slot kJobControlProgress (1): the job writes how many units (layers, grid points, steps) are done.
// lib/backend/native-addon.ts (JOB_CONTROL_CANCEL, JOB_CONTROL_PROGRESS) names the same slots. Both
// are accessed with relaxed atomics: the flag only has to be seen eventually, and the count is
// informational (the job's result is handed over through the Promise, which synchronizes).
#pragma once
#include <cstdint>

namespace di {

constexpr int kJobControlCancel = 0;
constexpr int kJobControlProgress = 1;

struct JobControl {
  const int32_t* cancel = nullptr;  // null: the job cannot be cancelled
  int32_t* progress = nullptr;      // null: nobody reads the count

  // The control of a shared Int32Array's slots (at least kJobControlProgress + 1 of them).
  static JobControl FromSlots(int32_t* slots) { return JobControl{slots + kJobControlCancel, slots + kJobControlProgress}; }

  bool CancelRequested() const { return cancel != nullptr && __atomic_load_n(cancel, __ATOMIC_RELAXED) != 0; }
  void PublishProgress(int32_t done) const {
    if (progress != nullptr) __atomic_store_n(progress, done, __ATOMIC_RELAXED);
  }
};

}  // namespace di
