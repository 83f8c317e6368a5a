// A fixed pool of worker threads for data-parallel loops. Work is split into chunks that threads
// claim one at a time; the calling (Node main) thread claims chunks too and never waits for a
// worker that has not started, so a worker descheduled by an oversubscribed machine delays a
// kernel by at most the chunk it is running, not by a whole scheduler time slice.
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
  // Splits [0, n) into contiguous chunks of at least `grain` items (about 4 per thread) and runs
  // fn(begin, end) on each; returns when all are done.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);
  // Runs fn(c) for c in [0, chunks); returns when all are done.
  void run_chunks(int64_t chunks, const std::function<void(int64_t)>& fn);
  ~Pool();

 private:
  struct Job {
    std::atomic<const std::function<void(int64_t)>*> fn{nullptr};
    std::atomic<int64_t> chunks{0};
    std::atomic<int64_t> done{0};
  };
  Pool() = default;
  void stop();
  void worker();
  // Claims and runs chunks of the job published in `claim_` until none is left.
  void drain();
  int n_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  // (generation << 32) | next chunk index. Jobs alternate between two slots so a late worker
  // reading a finished job's slot only ever fails its compare-and-swap.
  std::atomic<uint64_t> claim_{0};
  Job jobs_[2];
  std::atomic<int> sleeping_{0};
  std::atomic<bool> quit_{false};
  uint32_t gen_ = 0;
};

}  // namespace tb
