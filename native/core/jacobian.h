// Input-output Jacobians of random deep networks at initialization and their squared singular values
// (Pennington, Schoenholz & Ganguli 2017, eq. 2: J = D^L W^L ... D^1 W^1; THEORY §1, §8.4).
//
// One sample = one network of width N and depth L: weights N(0, weightStd^2/N) or weightStd * Haar
// (haar_reflectors.h), biases N(0, biasStd^2), an input with (1/N)|x^0|^2 = (q* - biasStd^2)/weightStd^2
// so that q^1 = q* (THEORY §1.4). The forward pass and the Jacobian share one row-major buffer
// A = [J | x] (N x (N+1)): each layer does A <- W A, adds the bias to the last column (h = W x + b),
// then scales row i of J by phi'(h_i) and sets x_i = phi(h_i). Memory is O(N^2) whatever L.
// The spectrum is the squared singular values of J, from dgesdd (values only; J J^T is never formed).
#pragma once
#include <cstddef>
#include <cstdint>

#include "activations.h"
#include "job_control.h"
#include "status.h"

namespace di {

struct JacobianSpec {
  size_t width = 0;
  size_t depth = 0;
  bool orthogonal = false;
  double weightStd = 1.0;
  double biasStd = 0.0;
  double qStar = 1.0;
  ActivationId activation = ActivationId::kLinear;
  double activationParam = 0.0;
  uint64_t seed = 0;
  uint64_t stream = 0;        // sample s of a batch uses stream s
  size_t haarBlockSize = 64;  // reflectors per compact-WY block
  // Draw layer l+1's random numbers on a helper thread while layer l multiplies (worth it when a core
  // is idle, e.g. one sample with single-threaded BLAS). The numbers and their order are unchanged.
  bool prefetchRandom = false;
};

struct JacobianOutputs {
  double* eigenvalues = nullptr;      // width: squared singular values, descending; structural zeros set to 0
  double* qPerLayer = nullptr;        // depth: (1/N)|h^l|^2
  double* jacobian = nullptr;         // optional width*width, row-major J (before the SVD)
  int32_t* structuralZeros = nullptr;  // optional: N - rank bound = max over layers of #{i : phi'(h^l_i) = 0}
};

// Bytes of scratch memory one sample needs (for the TypeScript memory check and the docs).
size_t JacobianScratchBytes(size_t width, bool orthogonal, size_t haarBlockSize, bool prefetchRandom);

// control.cancel is polled between layers (non-zero: stop with kCancelled, info = layers done);
// control.progress receives the number of layers done.
Status SampleJacobian(const JacobianSpec& spec, const JacobianOutputs& out, const JobControl& control);

}  // namespace di
