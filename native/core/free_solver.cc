// The free-probability solver (see free_solver.h); mirrors lib/free/solver-js.ts line by line.
#include "free_solver.h"

#include "free_solver_constants.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace di {
namespace {

// The solver's numerical constants (kMaxNewton, kScaledWMin, ...), generated together with
// lib/free/solver-constants.ts by scripts/gen-free-solver-constants.mjs.
using namespace free_solver_constants;

constexpr double kPi = 3.14159265358979323846;
constexpr double kTwoPi = 2 * kPi;

struct Node {
  double dr, di, cr, ci;
};

struct Eval {
  double mr = 0, mi = 0, pr = 0, pi = 0, dmr = 0, dmi = 0, fr = 0, fi = 0, dfr = 0, dfi = 0;
};

// Twin of lib/free/solver-js.ts reduceAngle(): keep in step.
double ReduceAngle(double x) {
  if (x > -kPi && x <= kPi) return x;
  double r = x - kTwoPi * std::nearbyint(x / kTwoPi);
  if (r <= -kPi) return r + kTwoPi;
  if (r > kPi) return r - kTwoPi;
  return r;
}

// 1/(a + ib) without overflow or underflow of a^2 + b^2 (Smith 1962); mirrors solver-js.ts recip.
// Twin of lib/free/solver-js.ts recip(): keep in step.
inline void Recip(double a, double b, double* rr, double* ri) {
  if (std::fabs(a) >= std::fabs(b)) {
    const double r = b / a;
    const double d = a + b * r;
    *rr = 1 / d;
    *ri = -r / d;
  } else {
    const double r = a / b;
    const double d = a * r + b;
    *rr = r / d;
    *ri = -1 / d;
  }
}

class Solver {
 public:
  explicit Solver(const FreeProblem& p) : p_(p), L_(p.depth) {
    const size_t n = p.dRe.size();
    nodes_.resize(n);
    for (size_t j = 0; j < n; ++j) nodes_[j] = Node{p.dRe[j], p.dIm[j], p.cRe[j], p.cIm[j]};
    // structure of arrays in blocks of kLanes (zero weights pad the last block)
    blocks_ = (n + kLanes - 1) / kLanes;
    soa_.assign(blocks_ * 4, V{});
    for (size_t j = 0; j < n; ++j) {
      const size_t b = j / kLanes, l = j % kLanes;
      soa_[4 * b][l] = p.dRe[j];
      soa_[4 * b + 1][l] = p.dIm[j];
      soa_[4 * b + 2][l] = p.cRe[j];
      soa_[4 * b + 3][l] = p.cIm[j];
    }
    for (size_t j = n; j < blocks_ * kLanes; ++j) {
      const size_t b = j / kLanes, l = j % kLanes;
      soa_[4 * b][l] = 1;  // any finite node away from w with zero weight contributes nothing
      soa_[4 * b + 1][l] = -1;
    }
  }

  // The sums of M_{D^2}(w) = sum c d/(w - d), G-like sum c/(w - d) and m'(w), kLanes nodes at a
  // time (GCC/Clang vector extensions: SSE2/NEON pairs, no -ffast-math needed). The summation order
  // differs from the TypeScript twin by lanes, which changes results only at the rounding level.
  // Twin of lib/free/solver-js.ts evaluate(): keep in step.
  void Evaluate(double wr, double wi, Eval& e) const {
    const double aw0 = std::fabs(wr) + std::fabs(wi);
    if (!(aw0 >= kScaledWMin && aw0 <= kScaledWMax)) return EvaluateScaled(wr, wi, e);
    V vmr{}, vmi{}, vgr{}, vgi{}, vdr{}, vdi{};
    const V vwr = V{} + wr;
    const V vwi = V{} + wi;
    for (size_t b = 0; b < blocks_; ++b) {
      const V ndr = soa_[4 * b], ndi = soa_[4 * b + 1], ncr = soa_[4 * b + 2], nci = soa_[4 * b + 3];
      const V ur = vwr - ndr;
      const V ui = vwi - ndi;
      const V inv = 1.0 / (ur * ur + ui * ui);
      const V rr = ur * inv;
      const V ri = -ui * inv;
      const V tr = ncr * rr - nci * ri;
      const V ti = ncr * ri + nci * rr;
      vgr += tr;
      vgi += ti;
      const V sr = tr * ndr - ti * ndi;
      const V si = tr * ndi + ti * ndr;
      vmr += sr;
      vmi += si;
      vdr -= sr * rr - si * ri;
      vdi -= sr * ri + si * rr;
    }
    double mr = 0, mi = 0, gr = 0, gi = 0, dr = 0, di = 0;
    for (size_t l = 0; l < kLanes; ++l) {
      mr += vmr[l];
      mi += vmi[l];
      gr += vgr[l];
      gi += vgi[l];
      dr += vdr[l];
      di += vdi[l];
    }
    Finish(wr, wi, mr, mi, gr, gi, dr, di, e);
  }

  // Evaluate where |w - d|^2 would under- or overflow (|w| outside [1e-140, 1e140]: sigmoid at q* = 1e3,
  // L = 1 has w ~ 1e-158 next to nodes d ~ 1e-275): Smith's reciprocal node by node, in node order
  // (solver-js.ts evaluate, its `scaled` branch)
  // Twin of lib/free/solver-js.ts evaluate() (its scaled branch): keep in step.
  void EvaluateScaled(double wr, double wi, Eval& e) const {
    double mr = 0, mi = 0, gr = 0, gi = 0, dr = 0, di = 0;
    for (const Node& nd : nodes_) {
      double rr, ri;
      Recip(wr - nd.dr, wi - nd.di, &rr, &ri);
      const double tr = nd.cr * rr - nd.ci * ri;
      const double ti = nd.cr * ri + nd.ci * rr;
      gr += tr;
      gi += ti;
      const double sr = tr * nd.dr - ti * nd.di;
      const double si = tr * nd.di + ti * nd.dr;
      mr += sr;
      mi += si;
      dr -= sr * rr - si * ri;
      di -= sr * ri + si * rr;
    }
    Finish(wr, wi, mr, mi, gr, gi, dr, di, e);
  }

  // m, 1 + m, m' and log z, (log z)' from the sums (shared by both evaluations)
  // Twin of lib/free/solver-js.ts evaluate() (after the sums): keep in step.
  void Finish(double wr, double wi, double mr, double mi, double gr, double gi, double dr, double di, Eval& e) const {
    e.mr = mr;
    e.mi = mi;
    e.dmr = dr;
    e.dmi = di;
    if (std::fabs(mr) + std::fabs(mi) > kOnePlusMFromGAbove) {
      e.pr = p_.p0 + (wr * gr - wi * gi);
      e.pi = wr * gi + wi * gr;
    } else {
      e.pr = 1 + mr;
      e.pi = mi;
    }
    const double L = L_;
    const double lw = std::log(std::hypot(wr, wi));
    const double aw = std::atan2(wi, wr);
    const double lm = std::log(std::hypot(e.mr, e.mi));
    const double am = std::atan2(e.mi, e.mr);
    const double lp = std::log(std::hypot(e.pr, e.pi));
    const double ap = std::atan2(e.pi, e.pr);
    const double b = p_.gaussian ? 1.0 : -(L - 1);
    e.fr = p_.logScale + L * lw + (L - 1) * lm + b * lp;
    e.fi = ReduceAngle(L * aw) + ReduceAngle((L - 1) * am) + ReduceAngle(b * ap);
    // reciprocals by Smith's algorithm (|w| spans 1e-300 .. 1e300)
    double iwr, iwi, imr, imi, ipr, ipi;
    Recip(wr, wi, &iwr, &iwi);
    Recip(e.mr, e.mi, &imr, &imi);
    Recip(e.pr, e.pi, &ipr, &ipi);
    const double cr = (L - 1) * imr + b * ipr;
    const double ci = (L - 1) * imi + b * ipi;
    e.dfr = L * iwr + (e.dmr * cr - e.dmi * ci);
    e.dfi = L * iwi + (e.dmr * ci + e.dmi * cr);
  }

  // Twin of lib/free/solver-js.ts floorTol(): keep in step.
  double FloorTol(double wr, double wi, double logLam) const {
    const double lw = std::fabs(std::log(std::hypot(wr, wi)));
    return kFloorEps * (L_ * (kFloorLogWOffset + lw) + std::fabs(p_.logScale) + std::fabs(logLam) + kFloorOffset);
  }
  // Twin of lib/free/solver-js.ts acceptTol(): keep in step.
  double AcceptTol(double wr, double wi, double logLam) const {
    return std::max(kAcceptTolMin, kAcceptFloors * FloorTol(wr, wi, logLam));
  }

  struct NewtonResult {
    double wr, wi;
    int iterations;
    double residual;
    bool ok;
  };

  // Twin of lib/free/solver-js.ts newton(): keep in step.
  NewtonResult Newton(double wr, double wi, double logLam, double theta, Eval& e, int maxIt = kMaxNewton) const {
    Evaluate(wr, wi, e);
    double rr = e.fr - logLam;
    double ri = ReduceAngle(e.fi - theta);
    double res = std::hypot(rr, ri);
    int it = 0;
    const double tol = FloorTol(wr, wi, logLam);
    // invariant: res = |log z(w) - target| is non-increasing; |dw| <= |w|/2 per step
    while (it < maxIt && res > tol && std::isfinite(res)) {
      ++it;
      double qr, qi;
      Recip(e.dfr, e.dfi, &qr, &qi);
      if (!std::isfinite(qr) || !std::isfinite(qi)) break;
      double sr = -(rr * qr - ri * qi);
      double si = -(rr * qi + ri * qr);
      const double wabs = std::hypot(wr, wi);
      const double sabs = std::hypot(sr, si);
      if (sabs > kNewtonMaxStepShare * wabs) {
        sr *= (kNewtonMaxStepShare * wabs) / sabs;
        si *= (kNewtonMaxStepShare * wabs) / sabs;
      }
      double t = 1;
      bool accepted = false;
      double nr = 0, ni = 0, nres = std::numeric_limits<double>::infinity();
      for (int bt = 0; bt < kNewtonMaxBacktracks; ++bt) {
        nr = wr + t * sr;
        ni = wi + t * si;
        Evaluate(nr, ni, e);
        const double qr = e.fr - logLam;
        const double qi = ReduceAngle(e.fi - theta);
        nres = std::hypot(qr, qi);
        if (nres < res || nres <= tol) {
          accepted = true;
          rr = qr;
          ri = qi;
          break;
        }
        t *= 0.5;
      }
      if (!accepted) {
        Evaluate(wr, wi, e);
        break;
      }
      const double moved = t * std::hypot(sr, si);
      const double ratio = nres / res;
      wr = nr;
      wi = ni;
      res = nres;
      if (moved <= kNewtonStallRtol * std::hypot(wr, wi)) break;
      // quadratic convergence observed (full step, residual down 1000x) and a step of <= 1e-8 |w|:
      // the error left is ~ step^2/|w| <= 1e-16 |w|, so one more evaluation would not change w
      if (t == 1 && ratio <= kNewtonQuadraticRatio && moved <= kNewtonQuadraticStepRtol * std::hypot(wr, wi)) break;
    }
    return NewtonResult{wr, wi, it, res, std::isfinite(res) && res <= AcceptTol(wr, wi, logLam)};
  }

  // Twin of lib/free/solver-js.ts negativeAxisRoot(): keep in step.
  double NegativeAxisRoot(double logLam, Eval& e, int* iterations) const {
    // Out of range (|w - d_j|^2 under- or overflowing) the value is not finite: log|z| is then far
    // below the target for tiny |w| and far above it for huge |w| (see solver-js.ts).
    auto f = [&](double s, double* d) {
      const double w = -std::exp(s);
      Evaluate(w, 0, e);
      const double v = e.fr - logLam;
      if (!std::isfinite(v)) {
        if (d) *d = std::numeric_limits<double>::quiet_NaN();
        return s < 0 ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
      }
      if (d) *d = w * e.dfr;
      return v;
    };
    double s = logLam - p_.logScale - (L_ - 1) * p_.logMu1;
    if (!std::isfinite(s)) s = 0;
    s = std::max(-kNegAxisStartBound, std::min(kNegAxisStartBound, s));
    double lo = s, hi = s;
    double flo = f(s, nullptr), fhi = flo;
    double step = 1;
    int it = 0;
    while (flo > 0 && lo > kNegAxisLogMin) {
      hi = lo;
      fhi = flo;
      lo = std::max(kNegAxisLogMin, lo - step);
      step = std::min(kNegAxisBracketStepMax, step * 2);
      flo = f(lo, nullptr);
      ++it;
    }
    step = 1;
    while (fhi < 0 && hi < kNegAxisLogMax) {
      lo = hi;
      flo = fhi;
      hi = std::min(kNegAxisLogMax, hi + step);
      step = std::min(kNegAxisBracketStepMax, step * 2);
      fhi = f(hi, nullptr);
      ++it;
    }
    *iterations = it;
    if (flo > 0) return lo;
    if (fhi < 0) return hi;
    s = (flo == fhi || !std::isfinite(flo) || !std::isfinite(fhi)) ? 0.5 * (lo + hi) : lo - flo * (hi - lo) / (fhi - flo);
    for (int k = 0; k < kNegAxisMaxIter; ++k) {
      ++*iterations;
      double d = 0;
      const double v = f(s, &d);
      if (v == 0) break;
      if (v < 0) lo = s; else hi = s;
      double next = s - v / d;
      if (!(next > lo && next < hi) || !std::isfinite(next)) next = 0.5 * (lo + hi);
      if (std::fabs(next - s) <= kNegAxisRtol * std::max(1.0, std::fabs(s)) || hi - lo <= kNegAxisRtol * std::max(1.0, std::fabs(s))) {
        s = next;
        break;
      }
      s = next;
    }
    return s;
  }

  // Twin of lib/free/solver-js.ts physical(): keep in step.
  static bool Physical(const Eval& e) { return e.mi <= kPhysicalImMRtol * std::hypot(e.mr, e.mi); }
  // the rule's ends carry at most kRuleEndShare of 1 + m at w (solver-js.ts resolvedByRule; theory §3.8)
  // Twin of lib/free/solver-js.ts resolvedByRule(): keep in step.
  bool ResolvedByRule(double wr, double wi, const Eval& e) const {
    if (p_.endD.empty()) return true;
    double carried = 0;
    for (size_t k = 0; k < p_.endD.size(); ++k) carried += p_.endMass[k] / std::hypot(wr - p_.endD[k], wi);
    return std::hypot(wr, wi) * carried <= kRuleEndShare * std::hypot(e.pr, e.pi);
  }

  struct Point {
    double wr, wi, mr, mi;
    int iterations;
    double residual;
    bool ok;
  };

  // Twin of lib/free/solver-js.ts thetaSteps(): keep in step.
  Point SolveByTheta(double logLam, Eval& e) const {
    int iterations = 0;
    const double s = NegativeAxisRoot(logLam, e, &iterations);
    double wr = -std::exp(s), wi = 0;
    double theta = kPi, dtheta = kThetaFirstStep;
    NewtonResult last{wr, wi, 0, std::numeric_limits<double>::infinity(), false};
    int guard = 0;
    while (theta > 0 && guard++ < kThetaMaxSteps) {
      const double tn = std::max(0.0, theta - dtheta);
      Evaluate(wr, wi, e);
      double qr, qi;
      Recip(e.dfr, e.dfi, &qr, &qi);
      const double dth = tn - theta;
      double pr = wr - dth * qi;
      double pi = wi + dth * qr;
      if (!std::isfinite(pr) || !std::isfinite(pi)) {
        pr = wr;
        pi = wi;
      }
      const double predStep = std::hypot(pr - wr, pi - wi);
      NewtonResult r = Newton(pr, pi, logLam, tn, e, kThetaNewtonMaxIter);
      iterations += r.iterations;
      const double wander = std::hypot(r.wr - pr, r.wi - pi);
      // On the last step (theta = 0) next to a spectral edge w(theta) has a square-root singularity
      // and the corrector legitimately moves further than the tangent predicts: allow 1e-6 |w|.
      const double allowed = kPredictorWanderShare * predStep + (tn > 0 ? kPredictorWanderRtol : kEdgeWanderRtol) * std::hypot(pr, pi);
      const bool good = r.ok && r.wi >= -kUpperHalfPlaneRtol * std::hypot(r.wr, r.wi) && wander <= allowed && (tn > 0 || Physical(e));
      if (good) {
        wr = r.wr;
        wi = std::max(0.0, r.wi);
        theta = tn;
        last = r;
        dtheta = std::min(kThetaMaxStep, dtheta * 2);
      } else {
        dtheta *= kThetaStepShrink;
        if (dtheta < kThetaMinStep) {
          last = r;
          last.ok = false;
          break;
        }
      }
    }
    if (theta > 0) {
      // the step control gave up (far tails, where Im w is ~1e-13 |w| or less): a last Newton solve
      // at theta = 0 from where the continuation stopped, kept only on the physical branch
      NewtonResult r = Newton(wr, wi, logLam, 0, e);
      iterations += r.iterations;
      if (r.ok && r.wi >= -kUpperHalfPlaneRtol * std::hypot(r.wr, r.wi) && Physical(e)) {
        wr = r.wr;
        wi = std::max(0.0, r.wi);
        theta = 0;
        last = r;
      }
    }
    if (theta == 0 && last.ok) {
      NewtonResult p;
      if (Polish(wr, wi, logLam, last.residual, e, &p)) {
        wr = p.wr;
        wi = p.wi;
        iterations += p.iterations;
        last = p;
      }
    }
    Evaluate(wr, wi, e);
    const bool ok = theta == 0 && last.ok && Physical(e) && ResolvedByRule(wr, wi, e);
    return Point{wr, wi, e.mr, e.mi, iterations, theta == 0 ? last.residual : std::numeric_limits<double>::infinity(), ok};
  }

  // A last Newton solve from an accepted solution whose residual is above kPolishAboveFloor rounding
  // floors (solver-js.ts polish): kept on the physical branch, resolved, with a smaller residual,
  // within 1e-6 |w|. Leaves e at an unspecified w.
  // Twin of lib/free/solver-js.ts polish(): keep in step.
  bool Polish(double wr, double wi, double logLam, double residual, Eval& e, NewtonResult* out) const {
    if (!(residual > kPolishAboveFloor * FloorTol(wr, wi, logLam))) return false;
    NewtonResult r = Newton(wr, wi, logLam, 0, e);
    const bool kept = r.ok && r.residual < residual && r.wi >= 0 && Physical(e) && ResolvedByRule(r.wr, r.wi, e) &&
                      std::hypot(r.wr - wr, r.wi - wi) <= kPolishMaxMoveRtol * std::hypot(wr, wi);
    if (!kept) return false;
    r.wi = std::max(0.0, r.wi);
    *out = r;
    return true;
  }

  // Warm start from the previous solution (wr, wi) at logPrev with d log z/dw = (dfr, dfi); a
  // quadratic term through the one before (w0 at log0) when hasOlder. False when rejected.
  // Twin of lib/free/solver-js.ts solveWarm(): keep in step.
  bool SolveWarm(double logLam, double wr, double wi, double dfr, double dfi, double logPrev, bool hasOlder, double w0r,
                 double w0i, double log0, Eval& e, Point* out) const {
    double tr, ti;
    Recip(dfr, dfi, &tr, &ti);
    const double dl = logLam - logPrev;
    double pr = wr + dl * tr;
    double pi = wi + dl * ti;
    if (hasOlder) {
      const double d0 = log0 - logPrev;
      if (d0 != 0) {
        const double cr = (w0r - wr - tr * d0) / (d0 * d0);
        const double ci = (w0i - wi - ti * d0) / (d0 * d0);
        pr += cr * dl * dl;
        pi += ci * dl * dl;
      }
    }
    if (!std::isfinite(pr) || !std::isfinite(pi)) return false;
    const double predStep = std::hypot(pr - wr, pi - wi);
    NewtonResult r = Newton(pr, pi, logLam, 0, e, kWarmNewtonMaxIter);
    if (!r.ok || r.wi < -kUpperHalfPlaneRtol * std::hypot(r.wr, r.wi) || !Physical(e) || !ResolvedByRule(r.wr, r.wi, e)) return false;
    if (std::hypot(r.wr - pr, r.wi - pi) > kPredictorWanderShare * predStep + kPredictorWanderRtol * std::hypot(pr, pi)) return false;
    if (r.residual > kPolishAboveFloor * FloorTol(r.wr, r.wi, logLam)) {
      NewtonResult p;
      if (Polish(r.wr, r.wi, logLam, r.residual, e, &p)) {
        p.iterations += r.iterations;
        r = p;
      }
      Evaluate(r.wr, r.wi, e);  // the evaluation at the returned w (SolveMarch reads d log z/dw from e)
    }
    *out = Point{r.wr, std::max(0.0, r.wi), e.mr, e.mi, r.iterations, r.residual, true};
    return true;
  }

  struct Anchor {
    double wr, wi, dfr, dfi, log;
  };

  // Continuation along the real lambda axis from `prev` to logTo with step control (see
  // lib/free/solver-js.ts solveMarch). Invariant: cur is a converged physical solution.
  // Twin of lib/free/solver-js.ts marchSteps(): keep in step.
  bool SolveMarch(double logTo, Anchor prev, bool hasOlder, Anchor older, Eval& e, Point* out) const {
    Anchor cur = prev;
    Anchor old = older;
    bool haveOld = hasOlder;
    double h = logTo - cur.log;
    int iterations = 0;
    for (int guard = 0; guard < kMarchMaxSubsteps; ++guard) {
      const double remaining = logTo - cur.log;
      const bool last = std::fabs(remaining) <= std::fabs(h);
      const double target = last ? logTo : cur.log + h;
      Point sol{};
      const bool ok = SolveWarm(target, cur.wr, cur.wi, cur.dfr, cur.dfi, cur.log, haveOld, old.wr, old.wi, old.log, e, &sol);
      const double moved = ok ? std::hypot(sol.wr - cur.wr, sol.wi - cur.wi) : std::numeric_limits<double>::infinity();
      if (!ok || moved > kMarchMaxMoveShare * std::hypot(cur.wr, cur.wi) + kMarchMaxMoveImShare * cur.wi) {
        h = (last ? remaining : h) / kMarchStepShrink;
        if (std::fabs(h) < kMarchMinStepRtol * std::max(1.0, std::fabs(cur.log))) return false;
        continue;
      }
      iterations += sol.iterations;
      if (last) {
        *out = sol;
        out->iterations = iterations;
        return true;
      }
      old = cur;
      haveOld = true;
      cur = Anchor{sol.wr, sol.wi, e.dfr, e.dfi, target};
      h *= 2;
    }
    return false;
  }

  // Twin of lib/free/solver-js.ts imH() and nearRealPole(): keep in step.
  double ImH(double wr, double wIm, Eval& e) const {
    // a rounding-size Im w next to a real node is read as 0 (twin of nearRealPole in
    // lib/free/solver-js.ts: the pole of an atom of D^2 would amplify it)
    double wi = wIm;
    if (wIm <= kRealWRtol * (L_ + 1) * std::fabs(wr)) {
      for (const Node& nd : nodes_) {
        if (nd.di == 0 && std::fabs(wr - nd.dr) <= kPoleRtol * std::fabs(wr)) {
          wi = 0;
          break;
        }
      }
    }
    Evaluate(wr, wi, e);
    const double L = L_;
    const double lwi = std::atan2(wi, wr);
    const double lwr = std::log(std::hypot(wr, wi));
    double ki = 0;
    for (const Node& nd : nodes_) {
      const double ur = wr - nd.dr;
      // w - d_j lies in the closed upper half-plane: keep a -0 or rounding negative off the cut
      const double ui = std::max(wi - nd.di, 0.0);
      const double lr = std::log(std::hypot(ur, ui)) - lwr;
      const double li = std::atan2(ui, ur) - lwi;
      ki += nd.cr * li + nd.ci * lr;
    }
    // on the physical branch Im(1 + m) <= 0: rounding noise must not flip arg(1 + m) to +pi
    const double ap = std::atan2(std::min(e.pi, -0.0), e.pr);
    return p_.gaussian ? L * ki + L * e.mi - ap : L * ki + (L - 1) * ap;
  }

 private:
  static constexpr size_t kLanes = 4;
  typedef double V __attribute__((vector_size(kLanes * sizeof(double))));
  const FreeProblem& p_;
  double L_;
  std::vector<Node> nodes_;
  size_t blocks_ = 0;
  std::vector<V> soa_;
};

}  // namespace

// Twin of lib/free/solver-js.ts gridSteps(): keep in step.
Status FreeSolveGrid(const FreeProblem& p, const double* lam, const int32_t* seg, size_t n, bool wantCdf,
                     double* density, double* cdf, double* wRe, double* wIm, uint8_t* status, FreeGridStats* stats,
                     const JobControl& control) {
  if (p.depth < 1 || p.dRe.size() != p.dIm.size() || p.dRe.size() != p.cRe.size() || p.dRe.size() != p.cIm.size())
    return Status::Error(StatusCode::kInvalidArgument, "free solver: inconsistent problem");
  Solver solver(p);
  Eval e;
  FreeGridStats st;
  int prevSeg = -2;
  // the last two solutions of the current segment (see lib/free/solver-js.ts solveGrid)
  double pwr = 0, pwi = 0, pdr = 0, pdi = 0, plog = 0, owr = 0, owi = 0, olog = 0;
  bool havePrev = false, haveOlder = false;
  for (size_t i = 0; i < n; ++i) {
    // points [0, i) are done: publish, then honour a cancellation before starting point i
    control.PublishProgress(static_cast<int32_t>(i));
    if (control.CancelRequested()) {
      if (stats) *stats = st;
      return Status::Error(StatusCode::kCancelled,
                           "spectralDensity was aborted after " + std::to_string(i) + " of " + std::to_string(n) + " grid points",
                           "free-solver", static_cast<long long>(i));
    }
    const double x = lam[i];
    const int sg = seg[i];
    density[i] = 0;
    if (cdf) cdf[i] = 0;
    wRe[i] = 0;
    wIm[i] = 0;
    if (sg < 0 || !(x > 0)) {
      status[i] = kFreeOutside;
      havePrev = false;
      haveOlder = false;
      prevSeg = sg;
      continue;
    }
    const double ll = std::log(x);
    Solver::Point sol{};
    bool have = false;
    if (havePrev && prevSeg == sg)
      have = solver.SolveMarch(ll, Solver::Anchor{pwr, pwi, pdr, pdi, plog}, haveOlder, Solver::Anchor{owr, owi, 0, 0, olog}, e, &sol);
    if (!have) {
      sol = solver.SolveByTheta(ll, e);
      haveOlder = false;
    }
    st.iterations += sol.iterations;
    if (!sol.ok) {
      status[i] = kFreeNoConvergence;
      st.failures += 1;
      // maxResidual is over converged points (solver-js.ts gridSteps)
      density[i] = std::numeric_limits<double>::quiet_NaN();
      if (cdf) cdf[i] = std::numeric_limits<double>::quiet_NaN();
      havePrev = false;
      haveOlder = false;
      prevSeg = sg;
      continue;
    }
    // invariant: e holds the evaluation at the accepted w
    status[i] = kFreeOk;
    st.maxResidual = std::max(st.maxResidual, sol.residual);
    wRe[i] = sol.wr;
    wIm[i] = sol.wi;
    density[i] = std::max(0.0, -sol.mi / (kPi * x));
    if (havePrev && prevSeg == sg) {
      owr = pwr;
      owi = pwi;
      olog = plog;
      haveOlder = true;
    }
    pwr = sol.wr;
    pwi = sol.wi;
    pdr = e.dfr;
    pdi = e.dfi;
    plog = ll;
    if (wantCdf && cdf) cdf[i] = 1 - solver.ImH(sol.wr, sol.wi, e) / kPi;
    havePrev = true;
    prevSeg = sg;
  }
  control.PublishProgress(static_cast<int32_t>(n));
  if (stats) *stats = st;
  return Status::Ok();
}

}  // namespace di
