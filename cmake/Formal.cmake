# Formal proofs (formal/README.md). formal/run_formal.sh derives the proofs from
# config/configs.txt; the fast ones (each well under 30 s, about 1 min of CPU in all) become one
# ctest test each, Formal.<proof>, labelled `formal` (ctest -L formal runs only them). The
# target `formal` runs every proof, `formal_mutants` checks that every proof can fail.
# Needs yosys, yosys-smtbmc, yosys-abc (Debian: yosys) and z3 when the tests run, not here.

set(SWIS_FORMAL_RUN ${PROJECT_SOURCE_DIR}/formal/run_formal.sh)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${SWIS_FORMAL_RUN} ${PROJECT_SOURCE_DIR}/config/configs.txt)

execute_process(
  COMMAND bash ${SWIS_FORMAL_RUN} --list --fast
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  OUTPUT_VARIABLE _formal_fast
  ERROR_VARIABLE _formal_err
  RESULT_VARIABLE _formal_rc)
if(NOT _formal_rc EQUAL 0)
  message(FATAL_ERROR "formal/run_formal.sh --list --fast failed: ${_formal_err}")
endif()
string(STRIP "${_formal_fast}" _formal_fast)
string(REPLACE "\n" ";" _formal_fast "${_formal_fast}")

foreach(_proof IN LISTS _formal_fast)
  add_test(NAME Formal.${_proof}
    COMMAND bash ${SWIS_FORMAL_RUN} --only ${_proof} --out ${PROJECT_BINARY_DIR}/formal --timeout 100
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  # Each takes 1-17 s here; the margin is for a loaded machine.
  set_tests_properties(Formal.${_proof} PROPERTIES TIMEOUT 120 LABELS formal)
endforeach()

cmake_host_system_information(RESULT _formal_jobs QUERY NUMBER_OF_LOGICAL_CORES)
add_custom_target(formal
  COMMAND bash ${SWIS_FORMAL_RUN} --out ${PROJECT_BINARY_DIR}/formal -j ${_formal_jobs}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  USES_TERMINAL)
add_custom_target(formal_mutants
  COMMAND bash ${PROJECT_SOURCE_DIR}/formal/run_mutants.sh --out ${PROJECT_BINARY_DIR}/formal_mutants
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  USES_TERMINAL)
