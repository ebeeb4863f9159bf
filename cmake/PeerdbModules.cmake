# Module helpers: one static library per module, levels enforced at configure time.
#
# The level table is ARCHITECTURE.md's: a module may include and link only modules of a strictly
# lower level. peerdb_check_module_levels() scans every source file's `#include "peerdb/<m>/..."`
# and fails configuration on an upward or sideways include; tests/unit/layering re-runs the same
# scan as a test (scripts/check_layers.py) so a violation also fails `make test`.

set(PEERDB_LEVEL_util 0)
set(PEERDB_LEVEL_crypto 1)
set(PEERDB_LEVEL_codec 1)
set(PEERDB_LEVEL_sqlite 1)
set(PEERDB_LEVEL_http 1)
set(PEERDB_LEVEL_chain 2)
set(PEERDB_LEVEL_consensus 3)
set(PEERDB_LEVEL_state 3)
set(PEERDB_LEVEL_ots 3)
set(PEERDB_LEVEL_store 4)
set(PEERDB_LEVEL_net 4)
set(PEERDB_LEVEL_anchor 4)
set(PEERDB_LEVEL_node 5)
set(PEERDB_LEVEL_audit 5)
set(PEERDB_LEVEL_devchain 5)  # linked only by cli and tests, never by node (scripts/check_layers.py)
set(PEERDB_LEVEL_api 6)
set(PEERDB_LEVEL_cli 6)
set(PEERDB_LEVEL_app 7)  # src/app: main() only, wires api into cli
set_property(GLOBAL PROPERTY PEERDB_MODULES "")

# peerdb_add_module(NAME SOURCES ... DEPS peerdb::x ... LIBS external...)
function(peerdb_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  if(NOT DEFINED PEERDB_LEVEL_${name})
    message(FATAL_ERROR "module ${name} has no level in cmake/PeerdbModules.cmake")
  endif()
  foreach(dep IN LISTS ARG_DEPS)
    string(REPLACE "peerdb::" "" dep_name "${dep}")
    if(NOT PEERDB_LEVEL_${dep_name} LESS PEERDB_LEVEL_${name})
      message(FATAL_ERROR "layering: ${name} (L${PEERDB_LEVEL_${name}}) may not depend on ${dep_name} (L${PEERDB_LEVEL_${dep_name}})")
    endif()
  endforeach()
  add_library(peerdb_${name} STATIC ${ARG_SOURCES})
  add_library(peerdb::${name} ALIAS peerdb_${name})
  target_include_directories(peerdb_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(peerdb_${name} PUBLIC ${ARG_DEPS} ${ARG_LIBS})
  set_property(GLOBAL APPEND PROPERTY PEERDB_MODULES ${name})
endfunction()

function(peerdb_check_module_levels)
  find_package(Python3 COMPONENTS Interpreter REQUIRED)
  execute_process(
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/check_layers.py ${PROJECT_SOURCE_DIR}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "layering check failed:\n${out}${err}")
  endif()
endfunction()

# peerdb_add_test(NAME SOURCES ... DEPS ... [LABELS ...]): a GoogleTest binary registered with
# CTest; each of its tests carries the label `unit` and the LABELS given (`ctest -L sim`).
function(peerdb_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  # PEERDB_UNITY_TESTS (the dev preset): a test binary's files compile in batches of 8, so GoogleTest's
  # and nlohmann/json's templates are generated once per batch, not once per file (a third less
  # compile time). Test files therefore keep file-local helper names distinct within their binary.
  set_target_properties(${name} PROPERTIES UNITY_BUILD ${PEERDB_UNITY_TESTS} UNITY_BUILD_BATCH_SIZE 8)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE PEERDB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 TEST_LIST ${name}_TESTS)
  # Labels are set by a CTest include file that runs after the discovered tests are declared:
  # gtest_discover_tests(PROPERTIES LABELS "a;b") splits the list into property/value pairs and
  # drops every label after the first (CMake 3.25).
  set(labels unit ${ARG_LABELS})
  set(labels_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake")
  file(WRITE "${labels_file}"
       "if(${name}_TESTS)\n  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS [==[${labels}]==])\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_file}")
endfunction()
