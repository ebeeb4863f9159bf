// Entry point of peerdb_micro_bench. Records the library versions in the JSON context, since the
// baselines' speed is theirs.
#include <benchmark/benchmark.h>
#include <openssl/crypto.h>
#include <sodium.h>

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("openssl", OpenSSL_version(OPENSSL_VERSION));
  benchmark::AddCustomContext("libsodium", sodium_version_string());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
