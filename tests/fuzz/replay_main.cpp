// Replays inputs through LLVMFuzzerTestOneInput without libFuzzer. Each argument is a file or a
// directory (its regular files, in name order); arguments starting with '-' are libFuzzer flags and
// are ignored. Non-fuzz builds link this instead of libFuzzer, so that every committed corpus runs
// as a plain CTest test under the build's sanitizers. Exits 0 once every input ran; a finding aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

// Reads a whole file into a buffer of exactly its size, so that the sanitizers see any overread.
bool ReadFile(const std::filesystem::path& path, std::unique_ptr<std::uint8_t[]>& data, std::size_t& size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return false;
  size = bytes.size();
  data = std::make_unique<std::uint8_t[]>(size == 0 ? 1 : size);
  std::copy(bytes.begin(), bytes.end(), data.get());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    const fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(arg, ec)) {
        if (entry.is_regular_file(ec)) files.push_back(entry.path());
      }
      if (ec) {
        std::fprintf(stderr, "replay: cannot list %s: %s\n", argv[i], ec.message().c_str());
        return 2;
      }
      std::sort(files.begin(), files.end());
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else if (fs::is_regular_file(arg, ec)) {
      inputs.push_back(arg);
    } else {
      std::fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs (usage: %s FILE_OR_DIR...)\n", argc > 0 ? argv[0] : "replay");
    return 2;
  }
  for (const fs::path& path : inputs) {
    std::unique_ptr<std::uint8_t[]> data;
    std::size_t size = 0;
    if (!ReadFile(path, data, size)) {
      std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
      return 2;
    }
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), size);
    LLVMFuzzerTestOneInput(data.get(), size);
  }
  std::printf("replayed %zu inputs\n", inputs.size());
  return 0;
}
