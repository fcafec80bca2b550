#include "io/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "io/diagnostics.hpp"
#include "util/interrupt.hpp"

namespace wattsim {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw InputError({Diagnostic{path, 0, 0, "cannot write the output here: " + why}});
}

std::string directory_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

void sync(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void check_output_path(const std::string& path, const std::vector<std::string>& inputs) {
  if (path.empty()) refuse(path, "the path is empty");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) refuse(path, "it exists and is not a regular file (a device, a directory...)");
    for (const std::string& input : inputs) {
      std::error_code ec;
      if (fs::equivalent(path, input, ec)) refuse(path, "it is an input of this run (" + input + ")");
    }
  }
  const std::string dir = directory_of(path);
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    refuse(path, "the directory " + dir + " does not exist");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    refuse(path, "the directory " + dir + " is not writable (" + std::strerror(errno) + ")");
}

AtomicOutput::AtomicOutput(std::string target) : target_(std::move(target)) {
  std::string pattern = directory_of(target_) + "/.wattsim-XXXXXX";
  if (!::mkdtemp(pattern.data()))
    refuse(target_, std::string("cannot create a temporary directory: ") + std::strerror(errno));
  temp_dir_ = pattern;
  temp_file_ = temp_dir_ + "/" + fs::path(target_).filename().string();
}

AtomicOutput::~AtomicOutput() {
  std::error_code ec;
  if (!committed_) fs::remove(temp_file_, ec);
  fs::remove(temp_dir_, ec);
}

void AtomicOutput::commit() {
  check_stop();
  sync(temp_file_, O_RDONLY);  // the bytes are durable before the rename publishes them
  fs::rename(temp_file_, target_);
  committed_ = true;
  sync(directory_of(target_), O_RDONLY | O_DIRECTORY);
}

}  // namespace wattsim
