# Fuzz targets: peerdb_add_fuzzer(NAME SOURCES ... DEPS ... CORPUS dir [DEFINES ...] [LIBS ...]).
#
# SOURCES define `extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t)` and no main. The
# target is the executable fuzz_<NAME>; CORPUS holds its committed seed inputs. Relative SOURCES and
# CORPUS are taken from the directory of the calling list file.
#   PEERDB_FUZZ=ON (clang only; preset `fuzz`): linked with -fsanitize=fuzzer, and every library is
#     compiled with -fsanitize=fuzzer-no-link for coverage. scripts/fuzz.sh runs each target on a
#     scratch copy of its corpus; it finds them in <build>/fuzzers.txt (lines "name|binary|corpus").
#   otherwise: linked with tests/fuzz/replay_main.cpp, and the CTest test fuzz.<NAME> (label fuzz)
#     replays every file of CORPUS under the build's sanitizers, so corpora are regression tests.
# The custom target `fuzzers` builds every fuzz target. tests/fuzz/fuzzers.cmake declares them; with
# PEERDB_BUILD_TESTS=OFF (as in the fuzz preset) it is included at the end of the top-level
# CMakeLists.txt, once every library target and compile option exists.

if(PEERDB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "PEERDB_FUZZ needs clang with libFuzzer (cmake --preset fuzz uses clang++-14)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

add_custom_target(fuzzers)
set_property(GLOBAL PROPERTY PEERDB_FUZZERS "")

function(peerdb_add_fuzzer name)
  cmake_parse_arguments(ARG "" "CORPUS" "SOURCES;DEPS;DEFINES;LIBS" ${ARGN})
  if(NOT ARG_SOURCES OR NOT ARG_CORPUS)
    message(FATAL_ERROR "peerdb_add_fuzzer(${name}): SOURCES and CORPUS are required")
  endif()
  # Inside a function CMAKE_CURRENT_LIST_DIR is the caller's directory, even when it was include()d.
  get_filename_component(corpus "${ARG_CORPUS}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_LIST_DIR}")
  set(sources "")
  foreach(source IN LISTS ARG_SOURCES)
    get_filename_component(source "${source}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_LIST_DIR}")
    list(APPEND sources "${source}")
  endforeach()
  set(target fuzz_${name})
  add_executable(${target} ${sources})
  target_link_libraries(${target} PRIVATE ${ARG_DEPS} ${ARG_LIBS})
  target_compile_definitions(${target} PRIVATE ${ARG_DEFINES})
  if(PEERDB_FUZZ)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
    add_test(NAME fuzz.${name} COMMAND ${target} -runs=0 ${corpus})
  else()
    if(NOT TARGET peerdb_fuzz_replay_main)
      add_library(peerdb_fuzz_replay_main OBJECT ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    endif()
    target_link_libraries(${target} PRIVATE peerdb_fuzz_replay_main)
    add_test(NAME fuzz.${name} COMMAND ${target} ${corpus})
  endif()
  set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz)
  add_dependencies(fuzzers ${target})
  set_property(GLOBAL APPEND PROPERTY PEERDB_FUZZERS "${name}|$<TARGET_FILE:${target}>|${corpus}")
endfunction()

# Runs once the top-level CMakeLists.txt is done, when every target exists. (Deferred calls may not
# add subdirectories, hence fuzzers.cmake rather than tests/fuzz/CMakeLists.txt.)
function(_peerdb_fuzz_finish)
  if(PEERDB_FUZZ AND NOT PEERDB_BUILD_TESTS AND EXISTS ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzzers.cmake)
    include(${PROJECT_SOURCE_DIR}/tests/fuzz/fuzzers.cmake)
  endif()
  get_property(entries GLOBAL PROPERTY PEERDB_FUZZERS)
  list(JOIN entries "\n" lines)
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/fuzzers.txt CONTENT "${lines}\n")
endfunction()
cmake_language(DEFER CALL _peerdb_fuzz_finish)
