// OpenBLAS thread control and build information, read from the linked library at run time.
#pragma once
#include <string>

namespace di {

struct BlasInfo {
  std::string config;      // openblas_get_config(): version and build options
  std::string coreName;    // openblas_get_corename(): the kernel family in use
  int numThreads = 1;      // openblas_get_num_threads()
  int numProcs = 1;        // openblas_get_num_procs()
  int parallelMode = 0;    // openblas_get_parallel(): 0 sequential, 1 pthreads, 2 OpenMP
};

BlasInfo GetBlasInfo();
void SetBlasThreads(int n);

}  // namespace di
