#include "tool/progress.h"

#include <unistd.h>

#include <cstdio>

namespace swis::cli {
namespace {

std::string duration_text(double s) {
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%d min %02d s", static_cast<int>(s) / 60,
                  static_cast<int>(s) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%d h %02d min", static_cast<int>(s) / 3600,
                  static_cast<int>(s) % 3600 / 60);
  }
  return buf;
}

std::string rate_text(double per_s) {
  char buf[32];
  if (per_s >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f M", per_s / 1e6);
  } else if (per_s >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1f k", per_s / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f ", per_s);
  }
  return buf;
}

}  // namespace

Progress::Progress(std::string what, std::string unit, uint64_t total, bool force)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      shown_(force || ::isatty(STDERR_FILENO)),
      tty_(::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() { finish(); }

void Progress::restart(std::string what, uint64_t total) {
  finish();
  what_ = std::move(what);
  total_ = total;
  start_ = last_ = std::chrono::steady_clock::now();
}

void Progress::update(uint64_t done, bool now_anyway) {
  if (!shown_) return;
  done_ = done;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (!now_anyway && since < (tty_ ? 0.2 : 2.0)) return;
  last_ = now;
  print(done, false);
}

void Progress::clear() {
  if (!open_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  open_ = false;
}

void Progress::finish() {
  if (open_) {
    // On a terminal the line goes when the run is done: what follows is the run's own report.
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  } else if (shown_ && !tty_ && done_ > 0) {
    print(done_, true);  // in a log: where it ended, and how fast
  }
  open_ = false;
  done_ = 0;
}

void Progress::print(uint64_t done, bool last) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  std::string line =
      what_ + ": " + std::to_string(done) + " / " + std::to_string(total_) + " " + unit_;
  if (total_ > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, " (%.0f%%)", 100.0 * static_cast<double>(done) / total_);
    line += pct;
  }
  line += ", " + rate_text(rate) + unit_ + "/s";
  if (rate > 0 && done < total_ && !last) {
    line += ", " + duration_text(static_cast<double>(total_ - done) / rate) + " left";
  }
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    open_ = true;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace swis::cli
