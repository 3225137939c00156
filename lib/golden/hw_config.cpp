#include "lib/golden/hw_config.h"

#include <stdexcept>

#include "swis_configs_gen.h"

namespace swis {

int64_t HwConfig::param(const std::string& key) const {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  throw std::invalid_argument("configuration " + name + " has no parameter " + key);
}

bool HwConfig::has_param(const std::string& key) const {
  for (const auto& kv : params) {
    if (kv.first == key) return true;
  }
  return false;
}

const std::vector<HwConfig>& hw_configs() {
  static const std::vector<HwConfig> configs = generated::kHwConfigs;
  return configs;
}

const HwConfig& hw_config(const std::string& name) {
  for (const auto& c : hw_configs()) {
    if (c.name == name) return c;
  }
  throw std::invalid_argument("no hardware configuration named " + name);
}

}  // namespace swis
