// A progress line on stderr for runs that take more than a few seconds: what is done of how
// much, the rate and the time left. On a terminal it updates in place; elsewhere it is shown only
// when asked for (--progress), as a line every 2 s and one at the end. finish() takes the line
// away on a terminal, so that the run's report follows as if it had not been there.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace swis::cli {

class Progress {
 public:
  // `what` names the run ("swis run arr_ds_8x8"), `unit` what is counted ("cycles").
  Progress(std::string what, std::string unit, uint64_t total, bool force);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Cheap to call often: prints at most every 0.2 s on a terminal, every 2 s elsewhere.
  // `now_anyway` prints at once (a coarse count, such as runs of several seconds each).
  void update(uint64_t done, bool now_anyway = false);
  // A new total and what (the next layer of several), keeping the line.
  void restart(std::string what, uint64_t total);
  // Takes the line away on a terminal, before other output; the next update brings it back.
  void clear();
  // Clears the line on a terminal; elsewhere prints where the run ended (the last update). Also
  // done by the destructor.
  void finish();
  bool shown() const { return shown_; }

 private:
  void print(uint64_t done, bool last);

  std::string what_, unit_;
  uint64_t total_;
  uint64_t done_ = 0;
  bool shown_, tty_, open_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace swis::cli
