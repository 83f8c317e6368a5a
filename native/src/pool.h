// A fixed pool of worker threads for data-parallel loops. The calling (Node main) thread takes
// part as worker 0, so `threads()` == total parallelism. Workers spin briefly before sleeping
// because kernels arrive back to back during a training step and a condvar wake costs ~50 us.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tb {

class Pool {
 public:
  static Pool& get();
  void resize(int n);
  int threads() const { return n_; }
  // Splits [0, n) into at most threads() contiguous chunks of at least `grain` items each and
  // runs fn(begin, end) on them; returns when all chunks are done.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);
  // Runs fn(t, nt) on every thread t of nt (for kernels that partition work themselves).
  void run_all(int nt, const std::function<void(int, int)>& fn);
  ~Pool();

 private:
  Pool() = default;
  void stop();
  void worker(int id);
  int n_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> quit_{false};
  int active_ = 0;  // threads taking part in the current job
  const std::function<void(int, int)>* job_ = nullptr;
};

}  // namespace tb
