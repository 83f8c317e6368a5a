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
  for (int i = 1; i < n_; i++) workers_.emplace_back([this] { worker(); });
}

void Pool::drain() {
  for (;;) {
    uint64_t v = claim_.load(std::memory_order_acquire);
    Job& job = jobs_[(v >> 32) & 1];
    const int64_t idx = (int64_t)(v & 0xffffffffu);
    if (idx >= job.chunks.load(std::memory_order_acquire)) return;
    const auto* fn = job.fn.load(std::memory_order_acquire);
    if (!claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel)) continue;
    // The claim succeeded, so this job is still running and its slot holds its own fields.
    (*fn)(idx);
    job.done.fetch_add(1, std::memory_order_acq_rel);
  }
}

void Pool::worker() {
  uint64_t seen = claim_.load() >> 32;
  for (;;) {
    // Spin ~50 us for the next job (kernels come back to back in a step), then sleep.
    int spins = 0;
    while ((claim_.load(std::memory_order_acquire) >> 32) == seen && !quit_.load(std::memory_order_relaxed)) {
      if (++spins < 20000) {
        _mm_pause();
        continue;
      }
      std::unique_lock<std::mutex> lock(mu_);
      sleeping_.fetch_add(1);
      cv_.wait(lock, [&] { return (claim_.load() >> 32) != seen || quit_.load(); });
      sleeping_.fetch_sub(1);
      break;
    }
    if (quit_.load()) return;
    seen = claim_.load(std::memory_order_acquire) >> 32;
    drain();
  }
}

void Pool::run_chunks(int64_t chunks, const std::function<void(int64_t)>& fn) {
  if (chunks <= 0) return;
  if (n_ == 1 || chunks == 1) {
    for (int64_t c = 0; c < chunks; c++) fn(c);
    return;
  }
  const uint32_t g = ++gen_;
  Job& job = jobs_[g & 1];
  job.fn.store(&fn, std::memory_order_relaxed);
  job.done.store(0, std::memory_order_relaxed);
  job.chunks.store(chunks, std::memory_order_relaxed);
  // seq_cst store then load, against the worker's seq_cst increment then load: no lost wake-up.
  claim_.store((uint64_t)g << 32);
  if (sleeping_.load() > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }
  drain();
  while (job.done.load(std::memory_order_acquire) < chunks) _mm_pause();
}

void Pool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t chunks = std::min<int64_t>((int64_t)n_ * 4, (n + grain - 1) / grain);
  if (chunks <= 1 || n_ == 1) {
    fn(0, n);
    return;
  }
  run_chunks(chunks, [&](int64_t c) {
    const int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
    if (b < e) fn(b, e);
  });
}

}  // namespace tb
