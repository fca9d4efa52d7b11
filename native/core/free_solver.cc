// The free-probability solver (see free_solver.h); mirrors lib/free/solver-js.ts line by line.
#include "free_solver.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace di {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kTwoPi = 2 * kPi;
constexpr int kMaxNewton = 60;
constexpr double kThetaMinStep = 1e-13;

struct Node {
  double dr, di, cr, ci;
};

struct Eval {
  double mr = 0, mi = 0, pr = 0, pi = 0, dmr = 0, dmi = 0, fr = 0, fi = 0, dfr = 0, dfi = 0;
};

double ReduceAngle(double x) {
  if (x > -kPi && x <= kPi) return x;
  double r = x - kTwoPi * std::nearbyint(x / kTwoPi);
  if (r <= -kPi) return r + kTwoPi;
  if (r > kPi) return r - kTwoPi;
  return r;
}

class Solver {
 public:
  explicit Solver(const FreeProblem& p) : p_(p), L_(p.depth) {
    const size_t n = p.dRe.size();
    nodes_.resize(n);
    for (size_t j = 0; j < n; ++j) nodes_[j] = Node{p.dRe[j], p.dIm[j], p.cRe[j], p.cIm[j]};
  }

  void Evaluate(double wr, double wi, Eval& e) const {
    double mr = 0, mi = 0, gr = 0, gi = 0, dr = 0, di = 0;
    for (const Node& nd : nodes_) {
      const double ur = wr - nd.dr;
      const double ui = wi - nd.di;
      const double inv = 1 / (ur * ur + ui * ui);
      const double rr = ur * inv;
      const double ri = -ui * inv;
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
    e.mr = mr;
    e.mi = mi;
    e.dmr = dr;
    e.dmi = di;
    if (std::fabs(mr) + std::fabs(mi) > 0.5) {
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
    const double iw = 1 / (wr * wr + wi * wi);
    const double im2 = 1 / (e.mr * e.mr + e.mi * e.mi);
    const double ip = 1 / (e.pr * e.pr + e.pi * e.pi);
    const double cr = (L - 1) * e.mr * im2 + b * e.pr * ip;
    const double ci = -(L - 1) * e.mi * im2 - b * e.pi * ip;
    e.dfr = L * wr * iw + (e.dmr * cr - e.dmi * ci);
    e.dfi = -L * wi * iw + (e.dmr * ci + e.dmi * cr);
  }

  double FloorTol(double wr, double wi, double logLam) const {
    const double lw = std::fabs(std::log(std::hypot(wr, wi)));
    return 4e-16 * (L_ * (4 + lw) + std::fabs(p_.logScale) + std::fabs(logLam) + 8);
  }
  double AcceptTol(double wr, double wi, double logLam) const {
    return std::max(1e-11, 256 * FloorTol(wr, wi, logLam));
  }

  struct NewtonResult {
    double wr, wi;
    int iterations;
    double residual;
    bool ok;
  };

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
      const double den = e.dfr * e.dfr + e.dfi * e.dfi;
      if (!(den > 0) || !std::isfinite(den)) break;
      double sr = -(rr * e.dfr + ri * e.dfi) / den;
      double si = -(ri * e.dfr - rr * e.dfi) / den;
      const double wabs = std::hypot(wr, wi);
      const double sabs = std::hypot(sr, si);
      if (sabs > 0.5 * wabs) {
        sr *= (0.5 * wabs) / sabs;
        si *= (0.5 * wabs) / sabs;
      }
      double t = 1;
      bool accepted = false;
      double nr = 0, ni = 0, nres = std::numeric_limits<double>::infinity();
      for (int bt = 0; bt < 40; ++bt) {
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
      wr = nr;
      wi = ni;
      res = nres;
      if (moved <= 2e-16 * std::hypot(wr, wi)) break;
    }
    return NewtonResult{wr, wi, it, res, std::isfinite(res) && res <= AcceptTol(wr, wi, logLam)};
  }

  double NegativeAxisRoot(double logLam, Eval& e, int* iterations) const {
    auto f = [&](double s, double* d) {
      const double w = -std::exp(s);
      Evaluate(w, 0, e);
      if (d) *d = w * e.dfr;
      return e.fr - logLam;
    };
    double s = logLam - p_.logScale - (L_ - 1) * p_.logMu1;
    if (!std::isfinite(s)) s = 0;
    s = std::max(-700.0, std::min(700.0, s));
    double lo = s, hi = s;
    double flo = f(s, nullptr), fhi = flo;
    double step = 1;
    int it = 0;
    while (flo > 0 && lo > -740) {
      hi = lo;
      fhi = flo;
      lo = std::max(-740.0, lo - step);
      step *= 2;
      flo = f(lo, nullptr);
      ++it;
    }
    step = 1;
    while (fhi < 0 && hi < 700) {
      lo = hi;
      flo = fhi;
      hi = std::min(700.0, hi + step);
      step *= 2;
      fhi = f(hi, nullptr);
      ++it;
    }
    *iterations = it;
    if (flo > 0) return lo;
    if (fhi < 0) return hi;
    s = flo == fhi ? lo : lo - flo * (hi - lo) / (fhi - flo);
    for (int k = 0; k < 200; ++k) {
      ++*iterations;
      double d = 0;
      const double v = f(s, &d);
      if (v == 0) break;
      if (v < 0) lo = s; else hi = s;
      double next = s - v / d;
      if (!(next > lo && next < hi) || !std::isfinite(next)) next = 0.5 * (lo + hi);
      if (std::fabs(next - s) <= 1e-15 * std::max(1.0, std::fabs(s)) || hi - lo <= 1e-15 * std::max(1.0, std::fabs(s))) {
        s = next;
        break;
      }
      s = next;
    }
    return s;
  }

  static bool Physical(const Eval& e) { return e.mi <= 1e-13 * std::hypot(e.mr, e.mi); }

  struct Point {
    double wr, wi, mr, mi;
    int iterations;
    double residual;
    bool ok;
  };

  Point SolveByTheta(double logLam, Eval& e) const {
    int iterations = 0;
    const double s = NegativeAxisRoot(logLam, e, &iterations);
    double wr = -std::exp(s), wi = 0;
    double theta = kPi, dtheta = kPi / 8;
    NewtonResult last{wr, wi, 0, std::numeric_limits<double>::infinity(), false};
    int guard = 0;
    while (theta > 0 && guard++ < 10000) {
      const double tn = std::max(0.0, theta - dtheta);
      Evaluate(wr, wi, e);
      const double den = e.dfr * e.dfr + e.dfi * e.dfi;
      const double dth = tn - theta;
      double pr = wr + dth * e.dfi / den;
      double pi = wi + dth * e.dfr / den;
      if (!std::isfinite(pr) || !std::isfinite(pi)) {
        pr = wr;
        pi = wi;
      }
      const double predStep = std::hypot(pr - wr, pi - wi);
      NewtonResult r = Newton(pr, pi, logLam, tn, e, 16);
      iterations += r.iterations;
      const double wander = std::hypot(r.wr - pr, r.wi - pi);
      const bool good = r.ok && r.wi >= -1e-14 * std::hypot(r.wr, r.wi) &&
                        wander <= 0.5 * predStep + 1e-12 * std::hypot(pr, pi) && (tn > 0 || Physical(e));
      if (good) {
        wr = r.wr;
        wi = std::max(0.0, r.wi);
        theta = tn;
        last = r;
        dtheta = std::min(kPi / 4, dtheta * 2);
      } else {
        dtheta *= 0.25;
        if (dtheta < kThetaMinStep) {
          last = r;
          last.ok = false;
          break;
        }
      }
    }
    Evaluate(wr, wi, e);
    const bool ok = theta == 0 && last.ok && Physical(e);
    return Point{wr, wi, e.mr, e.mi, iterations, theta == 0 ? last.residual : std::numeric_limits<double>::infinity(), ok};
  }

  // Warm start from the previous solution (wr, wi) at logPrev with d log z/dw = (dfr, dfi); a
  // quadratic term through the one before (w0 at log0) when hasOlder. False when rejected.
  bool SolveWarm(double logLam, double wr, double wi, double dfr, double dfi, double logPrev, bool hasOlder, double w0r,
                 double w0i, double log0, Eval& e, Point* out) const {
    const double den = dfr * dfr + dfi * dfi;
    const double tr = dfr / den;
    const double ti = -dfi / den;
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
    NewtonResult r = Newton(pr, pi, logLam, 0, e, 24);
    if (!r.ok || r.wi < -1e-14 * std::hypot(r.wr, r.wi) || !Physical(e)) return false;
    if (std::hypot(r.wr - pr, r.wi - pi) > 0.5 * predStep + 1e-12 * std::hypot(pr, pi)) return false;
    *out = Point{r.wr, std::max(0.0, r.wi), e.mr, e.mi, r.iterations, r.residual, true};
    return true;
  }

  double ImH(double wr, double wi, Eval& e) const {
    Evaluate(wr, wi, e);
    const double L = L_;
    const double lwi = std::atan2(wi, wr);
    const double lwr = std::log(std::hypot(wr, wi));
    double ki = 0;
    for (const Node& nd : nodes_) {
      const double ur = wr - nd.dr;
      const double ui = wi - nd.di;
      const double lr = std::log(std::hypot(ur, ui)) - lwr;
      const double li = std::atan2(ui, ur) - lwi;
      ki += nd.cr * li + nd.ci * lr;
    }
    const double ap = std::atan2(e.pi, e.pr);
    return p_.gaussian ? L * ki + L * e.mi - ap : L * ki + (L - 1) * ap;
  }

 private:
  const FreeProblem& p_;
  double L_;
  std::vector<Node> nodes_;
};

}  // namespace

Status FreeSolveGrid(const FreeProblem& p, const double* lam, const int32_t* seg, size_t n, bool wantCdf,
                     double* density, double* cdf, double* wRe, double* wIm, uint8_t* status, FreeGridStats* stats) {
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
    if (havePrev && prevSeg == sg) have = solver.SolveWarm(ll, pwr, pwi, pdr, pdi, plog, haveOlder, owr, owi, olog, e, &sol);
    if (!have) {
      sol = solver.SolveByTheta(ll, e);
      haveOlder = false;
    }
    st.iterations += sol.iterations;
    if (!sol.ok) {
      status[i] = kFreeNoConvergence;
      st.failures += 1;
      st.maxResidual = std::max(st.maxResidual, std::isfinite(sol.residual) ? sol.residual : std::numeric_limits<double>::infinity());
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
  if (stats) *stats = st;
  return Status::Ok();
}

}  // namespace di
