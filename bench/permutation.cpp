//===- permutation.cpp - Channel-permutation search benchmark -------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Kept magnitude under 2:4 of random heavy-tailed weight matrices with no
// permutation, with the greedy baseline, with the annealer, and with
// unstructured 50% pruning (per row); efficacy and wall time of each search
// on one core. See README.md.
//
// Usage: sparq-bench-permutation [--budget SECONDS] [--sweeps S]
//          [--greedy-budget SECONDS] [--seed N] [--dist t3|t4|laplace]
//          [--channel-scale SIGMA] [--shapes RxK,RxK,...] [--repeat N]
//
//  --budget         annealer wall-clock budget per matrix, setup included
//                   (default 0.95 s); the schedule follows elapsed time
//  --sweeps         instead run exactly S sweeps (reproducible), still
//                   capped by --budget
//  --greedy-budget  greedy time bound (default 1 s; 0: until converged)
//  --channel-scale  multiply input channel k by exp(SIGMA * z_k), z_k
//                   standard normal: channels of unequal importance, as in
//                   trained layers (default 0: i.i.d. entries)
//
//===----------------------------------------------------------------------===//

#include "sparq/Search/ChannelPermutation.h"

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

std::vector<float> randomMatrix(int64_t rows, int64_t cols,
                                const std::string &dist, double channelScale,
                                uint64_t seed) {
  Rng rng(seed);
  std::vector<float> w(size_t(rows * cols));
  for (float &x : w) {
    if (dist == "laplace") {
      double u = rng.uniform() - 0.5;
      x = float(-std::copysign(1.0, u) * std::log(1 - 2 * std::fabs(u)));
    } else {
      int dof = dist == "t4" ? 4 : 3;
      double chi2 = 0;
      for (int i = 0; i < dof; ++i) {
        double z = normal(rng);
        chi2 += z * z;
      }
      x = float(normal(rng) / std::sqrt(chi2 / dof));
    }
  }
  if (channelScale > 0) {
    std::vector<double> scale(static_cast<size_t>(cols));
    for (double &v : scale)
      v = std::exp(channelScale * normal(rng));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        w[size_t(r * cols + c)] *= float(scale[size_t(c)]);
  }
  return w;
}

struct Shape {
  int64_t rows, cols;
};

} // namespace

int main(int argc, char **argv) {
  double sweeps = 0; // 0: follow the budget
  double budget = 0.95;
  double channelScale = 0;
  double greedyBudget = 1.0;
  uint64_t seed = 1;
  int repeat = 1;
  std::string dist = "t3";
  std::vector<Shape> shapes = {{768, 768}, {1024, 4096}, {4096, 1024}};
  for (int i = 1; i < argc; ++i) {
    auto next = [&]() -> const char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (!std::strcmp(argv[i], "--sweeps"))
      sweeps = std::atof(next());
    else if (!std::strcmp(argv[i], "--budget"))
      budget = std::atof(next());
    else if (!std::strcmp(argv[i], "--greedy-budget"))
      greedyBudget = std::atof(next());
    else if (!std::strcmp(argv[i], "--seed"))
      seed = std::strtoull(next(), nullptr, 10);
    else if (!std::strcmp(argv[i], "--repeat"))
      repeat = std::atoi(next());
    else if (!std::strcmp(argv[i], "--dist"))
      dist = next();
    else if (!std::strcmp(argv[i], "--channel-scale"))
      channelScale = std::atof(next());
    else if (!std::strcmp(argv[i], "--shapes")) {
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
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }

  std::printf("2:4 channel permutation; %s weights%s; seed %llu; annealer "
              "%s; greedy %s\n",
              dist.c_str(), channelScale > 0 ? " with channel scales" : "",
              (unsigned long long)seed,
              sweeps > 0 ? "fixed sweeps" : "schedule over its time budget",
              greedyBudget > 0 ? "time-bounded" : "until converged");
  std::printf("kept magnitude in %% of total; eff = efficacy (Pool & Yu); "
              "t = seconds per search call on one core\n");
  std::printf("%-10s %7s %7s %7s %7s | %6s %6s | %6s %6s | %6s %7s\n",
              "RxK", "none", "greedy", "anneal", "unstr", "eff_g", "eff_a",
              "t_g", "t_a", "a/g", "sweeps");
  double sumRatio = 0;
  int count = 0;
  for (const Shape &sh : shapes) {
    for (int rep = 0; rep < repeat; ++rep) {
      uint64_t mseed = seed * 1000003 + uint64_t(rep);
      std::vector<float> w =
          randomMatrix(sh.rows, sh.cols, dist, channelScale, mseed);

      GreedyOptions g;
      g.seed = mseed;
      g.timeBudgetSeconds = greedyBudget;
      PermutationResult gr =
          greedyChannelPermutation(w.data(), sh.rows, sh.cols, g);
      PermutationSearchOptions a;
      a.seed = mseed;
      a.timeBudgetSeconds = budget;
      if (sweeps > 0) {
        a.sweeps = sweeps;
      } else {
        a.sweeps = 1e9;
        a.progressByTime = true;
      }
      PermutationResult ar =
          annealChannelPermutation(w.data(), sh.rows, sh.cols, a);
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
      double pct = 100 / qa.total;
      char name[32];
      std::snprintf(name, sizeof name, "%ldx%ld", (long)sh.rows,
                    (long)sh.cols);
      double ratio = qa.efficacy / qg.efficacy;
      sumRatio += ratio;
      ++count;
      std::printf("%-10s %7.3f %7.3f %7.3f %7.3f | %6.3f %6.3f | %6.2f "
                  "%6.2f | %6.2f %7.0f\n",
                  name, qa.keptIdentity * pct, qg.kept * pct, qa.kept * pct,
                  qa.keptUnstructured * pct, qg.efficacy, qa.efficacy,
                  gr.seconds, ar.seconds, ratio, ar.anneal.sweeps);
      std::fflush(stdout);
    }
  }
  if (count)
    std::printf("mean efficacy ratio annealer/greedy: %.2f\n",
                sumRatio / count);
  return 0;
}
