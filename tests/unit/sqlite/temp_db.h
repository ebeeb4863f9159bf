// A database path in a fresh temporary directory, removed with everything in it at scope exit.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace peerdb::sqlite::testing {

class TempDb {
 public:
  TempDb() {
    std::string pattern = (std::filesystem::temp_directory_path() / "peerdb-sqlite-XXXXXX").string();
    m_dir = ::mkdtemp(pattern.data());
  }
  ~TempDb() {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;

  std::string dir() const { return m_dir; }
  std::string path() const { return m_dir + "/test.sqlite"; }

 private:
  std::string m_dir;
};

}  // namespace peerdb::sqlite::testing
