#include "pool.h"

#include <algorithm>
#include <immintrin.h>

namespace tb {

Pool& Pool::get() {
  static Pool pool;
  return pool;
}

Pool::~Pool() { stop(); }

void Pool::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_.store(true);
    gen_.fetch_add(1);
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
  quit_.store(false);
}

void Pool::resize(int n) {
  n = std::max(1, n);
  if (n == n_ && (int)workers_.size() == n - 1) return;
  stop();
  n_ = n;
  for (int i = 1; i < n_; i++) workers_.emplace_back([this, i] { worker(i); });
}

void Pool::worker(int id) {
  uint64_t seen = gen_.load();
  for (;;) {
    // Spin ~20-50 us for the next job, then sleep on the condvar.
    int spins = 0;
    while (gen_.load(std::memory_order_acquire) == seen && spins < 20000) {
      _mm_pause();
      spins++;
    }
    if (gen_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return gen_.load() != seen; });
    }
    seen = gen_.load(std::memory_order_acquire);
    if (quit_.load()) return;
    // Every worker acknowledges every job, so no worker can lag into the next one.
    if (id < active_) (*job_)(id, active_);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void Pool::run_all(int nt, const std::function<void(int, int)>& fn) {
  nt = std::max(1, std::min(nt, n_));
  if (nt == 1) {
    fn(0, 1);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &fn;
    active_ = nt;
    pending_.store(n_ - 1);
    gen_.fetch_add(1, std::memory_order_release);
  }
  cv_.notify_all();
  fn(0, nt);
  while (pending_.load(std::memory_order_acquire) > 0) _mm_pause();
}

void Pool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  int nt = (int)std::min<int64_t>(n_, (n + grain - 1) / grain);
  if (nt <= 1) {
    fn(0, n);
    return;
  }
  run_all(nt, [&](int t, int k) {
    int64_t b = n * t / k, e = n * (t + 1) / k;
    if (b < e) fn(b, e);
  });
}

}  // namespace tb
