#include "blas_threads.h"

#include <cblas.h>

namespace di {

BlasInfo GetBlasInfo() {
  BlasInfo info;
  const char* cfg = openblas_get_config();
  info.config = cfg ? cfg : "";
  const char* core = openblas_get_corename();
  info.coreName = core ? core : "";
  info.numThreads = openblas_get_num_threads();
  info.numProcs = openblas_get_num_procs();
  info.parallelMode = openblas_get_parallel();
  return info;
}

void SetBlasThreads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }

}  // namespace di
