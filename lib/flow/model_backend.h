// The fast engine of a network run: an ArrayBackend without a simulator. Its results come from
// the program's own beats, the very tokens and activation groups the RTL would take (so packing
// and programming are exercised): each token decodes to signed lane weights (Equation 6) that
// meet the activations in a plain sum, Equation 7 regrouped. Its cycle count is the closed form
// (lib/golden/array_model.h), which the RTL meets exactly in every lock-step test. Always clean:
// no bubbles, no backpressure.
#pragma once

#include <string>

#include "lib/flow/array_backend.h"

namespace swis {

class ModelBackend : public ArrayBackend {
 public:
  explicit ModelBackend(const ArrayParams& p, int threads = 1);
  const std::string& name() const override { return name_; }
  const ArrayParams& params() const override { return p_; }
  bool clean() const override { return true; }
  ArrayRun run(const ArrayProgram& prog, int64_t rows, int64_t filters) override;

 private:
  ArrayParams p_;
  std::string name_;
  int threads_;
};

}  // namespace swis
