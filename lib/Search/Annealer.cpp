//===- Annealer.cpp - Temperature schedules for the annealer --------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#include "sparq/Search/Annealer.h"

#include <algorithm>
#include <cmath>

namespace sparq::search {

double TemperatureSchedule::at(double progress, double t0, double t1) const {
  progress = std::min(1.0, std::max(0.0, progress));
  switch (kind) {
  case Kind::Geometric:
    if (t0 == t1)
      return t0;
    return t0 * std::pow(t1 / t0, progress);
  case Kind::Linear:
    return t0 + (t1 - t0) * progress;
  case Kind::Custom:
    return custom ? custom(progress, t0, t1) : t0;
  }
  return t0;
}

double temperatureFromSamples(std::vector<double> &absDeltas, double q,
                              double p) {
  auto last = std::remove_if(absDeltas.begin(), absDeltas.end(), [](double d) {
    return !(d > 0) || !std::isfinite(d);
  });
  absDeltas.erase(last, absDeltas.end());
  double scale = 1;
  if (!absDeltas.empty()) {
    q = std::min(1.0, std::max(0.0, q));
    auto k = absDeltas.begin() +
             std::ptrdiff_t(std::min(absDeltas.size() - 1,
                                     size_t(q * double(absDeltas.size()))));
    std::nth_element(absDeltas.begin(), k, absDeltas.end());
    scale = *k;
  }
  p = std::min(std::max(p, 1e-300), 1 - 1e-12);
  return scale / std::log(1 / p);
}

namespace detail {

void resolveTemperatures(const TemperatureSchedule &schedule,
                         std::vector<double> &absDeltas, double &t0,
                         double &t1) {
  if (!(t0 > 0))
    t0 = temperatureFromSamples(absDeltas, schedule.autoStartQuantile,
                                schedule.autoStartAcceptance);
  if (!(t1 > 0))
    t1 = temperatureFromSamples(absDeltas, schedule.autoEndQuantile,
                                schedule.autoEndAcceptance);
}

} // namespace detail
} // namespace sparq::search
