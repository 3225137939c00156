// Step (b) of the local search: the exact filter-to-tile reassignment for fixed tile levels, by
// cancelling negative cycles among the levels.
#include <array>
#include <utility>
#include <vector>

#include "lib/compiler/schedule.h"
#include "lib/compiler/schedule/schedule_internal.h"

namespace swis {
namespace schedule_detail {

// Step (b): for fixed tile levels, the best filter for every slot. Filters of equal weight may
// trade places without moving the weighted sum, so within each such class this is a
// transportation problem (filters to levels, as many slots per level as the class holds there).
// Its residual graph collapses onto the <= 8 levels: the edge a -> b costs the cheapest
// cost[f][b] - cost[f][a] over the class's filters now at a, and the assignment is optimal exactly
// when no cycle of these edges is negative. Cancel such cycles (Bellman-Ford) until none is left;
// a simple cycle leaves each level once, so it moves distinct filters. This finds the best
// pairwise swap and every longer rotation a pairwise search would miss.
void reassign(const Ctx& c, Tiling& t) {
  std::vector<int> level = filter_levels(c, t);
  std::vector<int> place(c.filters);  // index of a filter in its level's list
  const int n = c.levels;
  for (const auto& members : c.classes) {
    std::vector<std::vector<int>> at(n);  // the class's filters at each level
    for (int f : members) {
      place[f] = static_cast<int>(at[level[f]].size());
      at[level[f]].push_back(f);
    }
    std::array<std::array<double, kMaxScheduleShifts>, kMaxScheduleShifts> edge;
    std::array<std::array<int, kMaxScheduleShifts>, kMaxScheduleShifts> who;
    auto compute_row = [&](int a) {
      edge[a].fill(kInf);
      who[a].fill(-1);
      for (int f : at[a]) {
        for (int b = 0; b < n; ++b) {
          const double d = c.cost[f][b] - c.cost[f][a];
          if (b != a && d < edge[a][b]) {
            edge[a][b] = d;
            who[a][b] = f;
          }
        }
      }
    };
    for (int a = 0; a < n; ++a) compute_row(a);
    const int max_rounds = 8 * static_cast<int>(members.size()) + 64;
    for (int round = 0; round < max_rounds; ++round) {
      std::array<double, kMaxScheduleShifts> dist{};
      std::array<int, kMaxScheduleShifts> pred{};
      pred.fill(-1);
      int relaxed = -1;
      for (int pass = 0; pass <= n; ++pass) {
        relaxed = -1;
        for (int a = 0; a < n; ++a) {
          for (int b = 0; b < n; ++b) {
            if (edge[a][b] < kInf && dist[a] + edge[a][b] < dist[b] - c.tol) {
              dist[b] = dist[a] + edge[a][b];
              pred[b] = a;
              relaxed = b;
            }
          }
        }
        if (relaxed < 0) break;
      }
      if (relaxed < 0) break;
      int x = relaxed;
      for (int i = 0; i < n && x >= 0; ++i) x = pred[x];  // now on the cycle
      if (x < 0) break;
      std::vector<std::pair<int, int>> cycle;  // edges (from, to)
      double cycle_cost = 0;
      for (int b = x;;) {
        const int a = pred[b];
        cycle.emplace_back(a, b);
        cycle_cost += edge[a][b];
        b = a;
        if (b == x) break;
      }
      if (!(cycle_cost < -c.tol)) break;
      std::vector<int> moving;
      for (const auto& [a, b] : cycle) moving.push_back(who[a][b]);
      for (size_t i = 0; i < cycle.size(); ++i) {
        const int f = moving[i], a = cycle[i].first, b = cycle[i].second;
        const int last = at[a].back();
        at[a][place[f]] = last;
        place[last] = place[f];
        at[a].pop_back();
        place[f] = static_cast<int>(at[b].size());
        at[b].push_back(f);
        level[f] = b;
      }
      // Only the levels on the cycle changed members, so only their rows change.
      for (const auto& edge_ab : cycle) compute_row(edge_ab.first);
    }
  }
  // Refill every slot with a filter of its class from the pool at the slot's level: the cycles
  // kept the count of each class at each level, so the pools empty exactly.
  std::vector<std::vector<int>> pool(c.classes.size() * n);  // (class, level) -> filters
  for (int f = c.filters - 1; f >= 0; --f) pool[c.class_of[f] * n + level[f]].push_back(f);
  for (size_t i = 0; i < t.members.size(); ++i) {
    for (int& f : t.members[i]) {
      auto& from = pool[c.class_of[f] * n + t.level[i]];
      f = from.back();
      from.pop_back();
    }
  }
}

}  // namespace schedule_detail
}  // namespace swis
