#pragma once
// Writing an output so that it cannot hurt: the target must be a regular file or absent (never a device
// node such as /dev/null, never a directory), must not be any file the run reads, and its directory must
// exist and be writable, all checked before a run starts. The file is written inside a private temporary
// directory (mkdtemp, mode 0700) beside the target, where no one else can plant a link, and renamed over the
// target only once complete; on any failure or interruption the temporary directory is removed.
#include <stdexcept>
#include <string>
#include <vector>

namespace wattsim {

// Writing an output failed after it began (a full disk, a file too large for its filesystem).
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws InputError (the path and what is wrong with it) unless `path` can take an output.
void check_output_path(const std::string& path, const std::vector<std::string>& inputs);

class AtomicOutput {
 public:
  // Creates the private temporary directory; throws InputError if it cannot.
  explicit AtomicOutput(std::string target);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  // Where to write the file until it is committed.
  const std::string& path() const { return temp_file_; }
  // Makes the written file durable and renames it over the target; honours a pending stop request first
  // (then nothing is written).
  void commit();

 private:
  std::string target_, temp_dir_, temp_file_;
  bool committed_ = false;
};

}  // namespace wattsim
