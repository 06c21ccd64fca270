//===- permutation.cpp - Channel-permutation search benchmark -------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Kept magnitude under 2:4 of random weight matrices with no permutation,
// with the greedy baseline, with the annealer (independent replicas on
// threads), and with unstructured 50% pruning (per row); efficacy and time
// of each search, next to Apex ASP's efficacy on the same shapes. Also the
// exact optimum on small matrices, and mean efficacy against the budget.
// See README.md.
//
// Usage: sparq-bench-permutation [--budget S] [--clock cpu|wall]
//          [--replicas N] [--threads N] [--sweeps S] [--greedy-budget S]
//          [--seed N] [--dist trained|t3|t4|laplace] [--channel-scale SIGMA]
//          [--row-scale SIGMA] [--shapes RxK,...] [--repeat N]
//          [--exact] [--budgets S,S,...]
//
//  --budget         annealer budget per matrix (default 10 s); the schedule
//                   follows elapsed time
//  --clock          cpu (default): each replica gets the budget in CPU time
//                   of its own thread, which on an idle machine with one
//                   core per replica is the wall time; wall: the call's
//                   elapsed time (noisy on a shared machine)
//  --replicas       annealer chains, best kept (default 2)
//  --threads        threads running them (default 2)
//  --sweeps         instead run exactly S sweeps per replica (reproducible)
//  --greedy-budget  greedy bound on the same clock (default: --budget)
//  --dist           trained (default): Student-t(3) entries times per-column
//                   log-normal scales exp(SIGMA_c z) (SIGMA_c = 0.5) with 1%
//                   of the channels x4, times per-row log-normal scales
//                   (SIGMA_r = 0.3); t3/t4/laplace: i.i.d. entries, times
//                   exp(SIGMA_c z) per column when --channel-scale is given
//  --exact          small matrices: exact optimum by dynamic programming
//                   over channel subsets, against greedy and the annealer
//  --budgets        mean efficacy over --repeat matrices for each budget
//
//===----------------------------------------------------------------------===//

#include "sparq/Search/ChannelPermutation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace sparq::search;

namespace {

/// Standard normal from our Rng (Box-Muller), so matrices are identical on
/// every platform.
double normal(Rng &rng) {
  double u1 = rng.uniform(), u2 = rng.uniform();
  return std::sqrt(-2 * std::log(1 - u1)) * std::cos(6.283185307179586 * u2);
}

struct MatrixSpec {
  std::string dist = "trained";
  double channelScale = -1; // < 0: the distribution's default
  double rowScale = -1;
};

std::vector<float> randomMatrix(int64_t rows, int64_t cols,
                                const MatrixSpec &spec, uint64_t seed) {
  Rng rng(seed);
  const bool trained = spec.dist == "trained";
  std::vector<float> w(size_t(rows * cols));
  for (float &x : w) {
    if (spec.dist == "laplace") {
      double u = rng.uniform() - 0.5;
      x = float(-std::copysign(1.0, u) * std::log(1 - 2 * std::fabs(u)));
    } else {
      int dof = spec.dist == "t4" ? 4 : 3;
      double chi2 = 0;
      for (int i = 0; i < dof; ++i) {
        double z = normal(rng);
        chi2 += z * z;
      }
      x = float(normal(rng) / std::sqrt(chi2 / dof));
    }
  }
  const double sc = spec.channelScale >= 0 ? spec.channelScale
                    : trained              ? 0.5
                                           : 0;
  const double sr = spec.rowScale >= 0 ? spec.rowScale : trained ? 0.3 : 0;
  std::vector<double> cs(size_t(cols), 1.0), rs(size_t(rows), 1.0);
  if (sc > 0)
    for (double &v : cs)
      v = std::exp(sc * normal(rng));
  if (trained) {
    // A few channels much larger than the rest (outlier features).
    for (int64_t i = 0, e = std::max<int64_t>(1, cols / 100); i < e; ++i)
      cs[size_t(rng.below(uint64_t(cols)))] *= 4;
  }
  if (sr > 0)
    for (double &v : rs)
      v = std::exp(sr * normal(rng));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      w[size_t(r * cols + c)] *= float(cs[size_t(c)] * rs[size_t(r)]);
  return w;
}

/// Apex ASP's efficacy on trained-like matrices of these shapes, as
/// reported in issue 17 (ASP cannot be run here); 0 when unknown.
double aspEfficacy(int64_t rows, int64_t cols) {
  if (rows == 768 && cols == 768)
    return 0.339;
  if (rows == 4096 && cols == 1024)
    return 0.268;
  if (rows == 1024 && cols == 4096)
    return 0.282;
  return 0;
}

/// Best kept magnitude over all partitions of K <= 24 channels into groups
/// of 4 (2:4), by dynamic programming over the sets of channels already
/// grouped: the group holding the lowest free channel is chosen next.
double exactBestKept(const std::vector<float> &w, int64_t rows, int64_t cols) {
  const int k = int(cols);
  std::vector<double> best(size_t(1) << k, -1);
  best[0] = 0;
  // Kept magnitude of every 4-subset, keyed by its bit mask (lazily).
  auto keptOf = [&](int a, int b, int c, int d) {
    double s = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const float *row = w.data() + r * cols;
      float v[4] = {std::fabs(row[a]), std::fabs(row[b]), std::fabs(row[c]),
                    std::fabs(row[d])};
      std::sort(v, v + 4);
      s += double(v[2]) + double(v[3]);
    }
    return s;
  };
  std::vector<double> quad;
  std::vector<uint32_t> quadMask;
  for (int a = 0; a < k; ++a)
    for (int b = a + 1; b < k; ++b)
      for (int c = b + 1; c < k; ++c)
        for (int d = c + 1; d < k; ++d) {
          quad.push_back(keptOf(a, b, c, d));
          quadMask.push_back((1u << a) | (1u << b) | (1u << c) | (1u << d));
        }
  // Quads by lowest channel, so a state tries only those holding its
  // lowest free channel.
  std::vector<std::vector<size_t>> byLowest(static_cast<size_t>(k));
  for (size_t q = 0; q < quad.size(); ++q)
    byLowest[size_t(__builtin_ctz(quadMask[q]))].push_back(q);
  const uint32_t full = (uint32_t(1) << k) - 1;
  for (uint32_t s = 0; s < full; ++s) {
    if (best[s] < 0)
      continue;
    const int low = __builtin_ctz(~s);
    for (size_t q : byLowest[size_t(low)])
      if (!(quadMask[q] & s)) {
        double &t = best[s | quadMask[q]];
        t = std::max(t, best[s] + quad[q]);
      }
  }
  return best[full];
}

struct Config {
  double budget = 10, greedyBudget = -1, sweeps = 0;
  BudgetClock clock = BudgetClock::ThreadCpu;
  int replicas = 2, threads = 2, repeat = 1;
  uint64_t seed = 1;
  MatrixSpec spec;
};

PermutationResult runAnneal(const std::vector<float> &w, int64_t rows,
                            int64_t cols, const Config &cfg, double budget,
                            uint64_t seed) {
  PermutationSearchOptions a;
  a.seed = seed;
  a.budgetClock = cfg.clock;
  a.replicas = cfg.replicas;
  a.parallel = sparq::numerics::makeThreadParallelFor(unsigned(cfg.threads));
  if (cfg.sweeps > 0) {
    a.sweeps = cfg.sweeps;
  } else {
    a.sweeps = HUGE_VAL;
    a.timeBudgetSeconds = budget;
  }
  return annealChannelPermutation(w.data(), rows, cols, a);
}

PermutationResult runGreedy(const std::vector<float> &w, int64_t rows,
                            int64_t cols, const Config &cfg, uint64_t seed) {
  GreedyOptions g;
  g.seed = seed;
  g.budgetClock = cfg.clock;
  g.timeBudgetSeconds = cfg.greedyBudget >= 0 ? cfg.greedyBudget : cfg.budget;
  return greedyChannelPermutation(w.data(), rows, cols, g);
}

int exactTable(const Config &cfg) {
  std::printf("exact optimum (DP over channel subsets) vs the searches, "
              "2:4, %s weights; efficacy, mean over %d matrices per shape\n",
              cfg.spec.dist.c_str(), cfg.repeat);
  std::printf("%-8s %8s %8s %8s | %9s %9s\n", "RxK", "exact", "greedy",
              "anneal", "a=exact", "g=exact");
  const int64_t shapes[][2] = {{8, 12}, {32, 16}, {64, 16}, {16, 20}};
  for (const auto &sh : shapes) {
    double se = 0, sg = 0, sa = 0;
    int hitA = 0, hitG = 0;
    for (int rep = 0; rep < cfg.repeat; ++rep) {
      const uint64_t mseed = cfg.seed * 1000003 + uint64_t(rep);
      std::vector<float> w = randomMatrix(sh[0], sh[1], cfg.spec, mseed);
      PermutationQuality id = evaluatePermutation(w.data(), sh[0], sh[1], {});
      const double exact = exactBestKept(w, sh[0], sh[1]);
      Config c = cfg;
      c.sweeps = cfg.sweeps > 0 ? cfg.sweeps : 2000;
      PermutationResult a = runAnneal(w, sh[0], sh[1], c, 0, mseed);
      PermutationResult g = runGreedy(w, sh[0], sh[1], c, mseed);
      auto eff = [&](double kept) {
        return efficacy(kept, id.keptIdentity, id.keptUnstructured);
      };
      const double ka = keptMagnitude(w.data(), sh[0], sh[1], a.permutation);
      const double kg = keptMagnitude(w.data(), sh[0], sh[1], g.permutation);
      if (ka > exact * (1 + 1e-9)) {
        std::fprintf(stderr, "annealer beat the exact optimum: a bug\n");
        return 1;
      }
      se += eff(exact);
      sa += eff(ka);
      sg += eff(kg);
      hitA += ka >= exact * (1 - 1e-9);
      hitG += kg >= exact * (1 - 1e-9);
    }
    char name[32];
    std::snprintf(name, sizeof name, "%ldx%ld", (long)sh[0], (long)sh[1]);
    const double n = cfg.repeat;
    std::printf("%-8s %8.4f %8.4f %8.4f | %5d/%-3d %5d/%-3d\n", name, se / n,
                sg / n, sa / n, hitA, cfg.repeat, hitG, cfg.repeat);
  }
  return 0;
}

struct Shape {
  int64_t rows, cols;
};

int budgetTable(const Config &cfg, const std::vector<Shape> &shapes,
                const std::vector<double> &budgets) {
  std::printf("mean annealer efficacy over %d matrices per shape against "
              "the budget (%s seconds per replica, %d replicas)\n",
              cfg.repeat, cfg.clock == BudgetClock::ThreadCpu ? "CPU" : "wall",
              cfg.replicas);
  std::printf("%-10s", "RxK");
  for (double b : budgets)
    std::printf(" %8.3gs", b);
  std::printf("\n");
  for (const Shape &sh : shapes) {
    std::printf("%-10s", (std::to_string(sh.rows) + "x" +
                          std::to_string(sh.cols)).c_str());
    for (double b : budgets) {
      double sum = 0;
      for (int rep = 0; rep < cfg.repeat; ++rep) {
        const uint64_t mseed = cfg.seed * 1000003 + uint64_t(rep);
        std::vector<float> w = randomMatrix(sh.rows, sh.cols, cfg.spec, mseed);
        PermutationResult a = runAnneal(w, sh.rows, sh.cols, cfg, b, mseed);
        sum += evaluatePermutation(w.data(), sh.rows, sh.cols, a.permutation)
                   .efficacy;
      }
      std::printf(" %9.4f", sum / cfg.repeat);
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  return 0;
}

std::vector<double> parseList(const std::string &s) {
  std::vector<double> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t comma = s.find(',', pos);
    out.push_back(std::atof(s.substr(pos, comma - pos).c_str()));
    pos = comma == std::string::npos ? s.size() : comma + 1;
  }
  return out;
}

} // namespace

int main(int argc, char **argv) {
  Config cfg;
  bool exact = false;
  std::vector<double> budgets;
  std::vector<Shape> shapes = {{768, 768}, {4096, 1024}, {1024, 4096}};
  for (int i = 1; i < argc; ++i) {
    auto next = [&]() -> const char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    const char *arg = argv[i];
    if (!std::strcmp(arg, "--sweeps"))
      cfg.sweeps = std::atof(next());
    else if (!std::strcmp(arg, "--budget"))
      cfg.budget = std::atof(next());
    else if (!std::strcmp(arg, "--greedy-budget"))
      cfg.greedyBudget = std::atof(next());
    else if (!std::strcmp(arg, "--clock")) {
      std::string c = next();
      if (c != "cpu" && c != "wall") {
        std::fprintf(stderr, "--clock must be cpu or wall\n");
        return 2;
      }
      cfg.clock = c == "cpu" ? BudgetClock::ThreadCpu : BudgetClock::Wall;
    } else if (!std::strcmp(arg, "--replicas"))
      cfg.replicas = std::max(1, std::atoi(next()));
    else if (!std::strcmp(arg, "--threads"))
      cfg.threads = std::max(1, std::atoi(next()));
    else if (!std::strcmp(arg, "--seed"))
      cfg.seed = std::strtoull(next(), nullptr, 10);
    else if (!std::strcmp(arg, "--repeat"))
      cfg.repeat = std::max(1, std::atoi(next()));
    else if (!std::strcmp(arg, "--dist"))
      cfg.spec.dist = next();
    else if (!std::strcmp(arg, "--channel-scale"))
      cfg.spec.channelScale = std::atof(next());
    else if (!std::strcmp(arg, "--row-scale"))
      cfg.spec.rowScale = std::atof(next());
    else if (!std::strcmp(arg, "--exact"))
      exact = true;
    else if (!std::strcmp(arg, "--budgets"))
      budgets = parseList(next());
    else if (!std::strcmp(arg, "--shapes")) {
      shapes.clear();
      std::string s = next();
      size_t pos = 0;
      while (pos < s.size()) {
        size_t comma = s.find(',', pos);
        std::string item = s.substr(pos, comma - pos);
        Shape sh;
        if (std::sscanf(item.c_str(), "%ldx%ld", &sh.rows, &sh.cols) != 2) {
          std::fprintf(stderr, "bad shape %s\n", item.c_str());
          return 2;
        }
        shapes.push_back(sh);
        pos = comma == std::string::npos ? s.size() : comma + 1;
      }
    } else {
      std::fprintf(stderr, "unknown option %s\n", arg);
      return 2;
    }
  }
  if (exact)
    return exactTable(cfg);
  if (!budgets.empty())
    return budgetTable(cfg, shapes, budgets);

  const char *clockName = cfg.clock == BudgetClock::ThreadCpu ? "CPU" : "wall";
  std::printf("2:4 channel permutation; %s weights; seed %llu; annealer: %d "
              "replicas on %d threads, %s; greedy %s\n",
              cfg.spec.dist.c_str(), (unsigned long long)cfg.seed,
              cfg.replicas, cfg.threads,
              cfg.sweeps > 0 ? "fixed sweeps per replica"
                             : "schedule over its time budget",
              "to convergence or its budget");
  std::printf("kept magnitude in %% of total; eff = efficacy (Pool & Yu); "
              "t = %s seconds per replica (annealer) / call (greedy); ASP: "
              "issue 17's figures, not run here\n",
              clockName);
  std::printf("%-10s %7s %7s %7s %7s | %6s %6s %6s | %6s %6s | %6s %6s "
              "%7s\n",
              "RxK", "none", "greedy", "anneal", "unstr", "eff_g", "eff_a",
              "ASP", "t_g", "t_a", "a/g", "a/ASP", "sweeps");
  for (const Shape &sh : shapes) {
    for (int rep = 0; rep < cfg.repeat; ++rep) {
      uint64_t mseed = cfg.seed * 1000003 + uint64_t(rep);
      std::vector<float> w = randomMatrix(sh.rows, sh.cols, cfg.spec, mseed);
      PermutationResult gr = runGreedy(w, sh.rows, sh.cols, cfg, mseed);
      PermutationResult ar =
          runAnneal(w, sh.rows, sh.cols, cfg, cfg.budget, mseed);
      if (gr.status != PermutationStatus::Ok ||
          ar.status != PermutationStatus::Ok) {
        std::fprintf(stderr, "search failed\n");
        return 1;
      }
      // Scored again by the independent reference code.
      PermutationQuality qg =
          evaluatePermutation(w.data(), sh.rows, sh.cols, gr.permutation);
      PermutationQuality qa =
          evaluatePermutation(w.data(), sh.rows, sh.cols, ar.permutation);
      const double pct = 100 / qa.total;
      const double asp = cfg.spec.dist == "trained" &&
                                 cfg.spec.channelScale < 0 &&
                                 cfg.spec.rowScale < 0
                             ? aspEfficacy(sh.rows, sh.cols)
                             : 0;
      char name[32];
      std::snprintf(name, sizeof name, "%ldx%ld", (long)sh.rows,
                    (long)sh.cols);
      std::printf("%-10s %7.3f %7.3f %7.3f %7.3f | %6.3f %6.3f %6.3f | "
                  "%6.2f %6.2f | %6.2f %6.2f %7.0f\n",
                  name, qa.keptIdentity * pct, qg.kept * pct, qa.kept * pct,
                  qa.keptUnstructured * pct, qg.efficacy, qa.efficacy, asp,
                  cfg.clock == BudgetClock::ThreadCpu ? gr.greedy.seconds
                                                      : gr.seconds,
                  cfg.clock == BudgetClock::ThreadCpu ? ar.anneal.seconds
                                                      : ar.seconds,
                  qa.efficacy / qg.efficacy,
                  asp > 0 ? qa.efficacy / asp : NAN, ar.anneal.sweeps);
      std::fflush(stdout);
    }
  }
  return 0;
}
