// Fused Adam-family optimizer step for one parameter tensor: p, g, m, v in, p', m', v' out, in
// one multi-threaded pass, plus one more when a norm is needed: BertAdam's per-tensor clipping
// reads ||g|| before the step, LAMB's trust ratio ||p|| and ||u|| in the middle of it. The
// formulas and their float32 operation order are those of the tfjs reference in
// src/train/optimizers/{bertadam,adamw,lamb}.ts, one rounding per tfjs op, so the two paths agree
// to the last bit (norms are summed in double in another order, which only matters when the sum
// falls within ~1e-16 of a float32 rounding boundary).
//
// Expression contraction into FMA is off for this file: an FMA rounds once where the reference
// rounds twice, which would make the fused step differ from the tfjs path in the last bit.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace tb {

namespace {

// Elements per chunk. Fixed (not derived from the thread count) so that norms, summed per chunk
// and then over chunks in order, do not depend on the number of threads.
constexpr int64_t kChunk = 1 << 15;

// torch.clamp_max(x, 1) as tf.minimum(1, x): NaN propagates (std::min would return 1).
float min1(float x) { return x != x ? x : std::min(1.0f, x); }

// Σ x² over one chunk of x = g·s, as the reference's tf.sum(tf.square(tf.mul(g, s))): each product
// and square rounded to float, the sum accumulated in double (as tfjs sums). Eight accumulators
// keep the adds independent (one alone is latency-bound).
double sum_sq(const float* g, int64_t n, float s) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) {
      const float x = g[i + k] * s;
      acc[k] += x * x;
    }
  double tail = 0;
  for (; i < n; i++) {
    const float x = g[i] * s;
    tail += x * x;
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}

// The reference's l2 = tf.sqrt(tf.sum(tf.square(x))) from per-chunk sums: the total is rounded to
// float before the square root, and the root to float, as two float32 tensor ops would.
float l2_of(const std::vector<double>& chunk_sums) {
  double sq = 0;
  for (double x : chunk_sums) sq += x;
  return (float)std::sqrt((double)(float)sq);
}

// Runs fn(begin, end, chunk) over fixed chunks of [0, n) on the pool.
template <class Fn>
void for_chunks(int64_t n, Fn&& fn) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  Pool::get().run_chunks(chunks, [&](int64_t c) { fn(c * kChunk, std::min(n, (c + 1) * kChunk), c); });
}

// The (scaled) gradient's clip factor min(1, maxNorm / (||g|| + 1e-6)) (torch clip_grad_norm_).
float clip_factor(const float* g, int64_t n, float scale, float max_norm) {
  std::vector<double> part((n + kChunk - 1) / kChunk);
  for_chunks(n, [&](int64_t b, int64_t e, int64_t c) { part[c] = sum_sq(g + b, e - b, scale); });
  return min1(max_norm / (l2_of(part) + 1e-6f));
}

// One rule's per-element step over one chunk (pointers offset to it). The parameters come by
// value and the pointers restrict, so every scalar stays in a register and the loop vectorises
// (sqrt and division included). Multiplying by a factor of 1 is exact, so unused ones are harmless.
template <int Rule>
void update_chunk(const AdamParams a, float clip, bool wd, const float* __restrict p, const float* __restrict g,
                  const float* __restrict m, const float* __restrict v, float* __restrict p_out,
                  float* __restrict m_out, float* __restrict v_out, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    // m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g²  for the scaled, clipped gradient g
    const float gi = (g[i] * a.grad_scale) * clip;
    const float mi = m[i] * a.b1 + gi * a.one_minus_b1;
    const float vi = v[i] * a.b2 + (gi * gi) * a.one_minus_b2;
    m_out[i] = mi;
    v_out[i] = vi;
    if constexpr (Rule == kBertAdam) {
      // u = m / (sqrt(v) + eps) (+ wd p);  p <- p - lr u
      float u = mi / (std::sqrt(vi) + a.eps);
      if (wd) u = u + p[i] * a.weight_decay;
      p_out[i] = p[i] - u * a.lr;
    } else if constexpr (Rule == kAdamW) {
      // p <- p (1 - lr wd) - lr / bc1 · m / (sqrt(v) / sqrt(bc2) + eps)
      const float decayed = wd ? p[i] * a.decay_mul : p[i];
      const float denom = std::sqrt(vi) / a.sqrt_bc2 + a.eps;
      p_out[i] = decayed - (mi / denom) * a.step_size;
    } else {
      // LAMB's direction u = (m / bc1) / (sqrt(v / bc2) + eps) (+ wd p), into p_out for pass 2
      float u = (mi / a.bc1) / (std::sqrt(vi / a.bc2) + a.eps);
      if (wd) u = u + p[i] * a.weight_decay;
      p_out[i] = u;
    }
  }
}

}  // namespace

void adam_update(const AdamParams& a, const float* p, const float* g, const float* m, const float* v, float* p_out,
                 float* m_out, float* v_out, int64_t n) {
  if (n <= 0) return;
  const float clip = a.max_norm > 0 ? clip_factor(g, n, a.grad_scale, a.max_norm) : 1.0f;
  const bool wd = a.decay && a.weight_decay > 0;
  auto run = [&](auto rule, int64_t b, int64_t e) {
    rule(a, clip, wd, p + b, g + b, m + b, v + b, p_out + b, m_out + b, v_out + b, e - b);
  };
  switch (a.rule) {
    case kBertAdam:
      for_chunks(n, [&](int64_t b, int64_t e, int64_t) { run(update_chunk<kBertAdam>, b, e); });
      return;
    case kAdamW:
      for_chunks(n, [&](int64_t b, int64_t e, int64_t) { run(update_chunk<kAdamW>, b, e); });
      return;
    case kLamb: {
      // Pass 1: moments and the direction u (in p_out), with ||p||², ||u||² per chunk.
      const int64_t chunks = (n + kChunk - 1) / kChunk;
      std::vector<double> pSq(chunks), uSq(chunks);
      for_chunks(n, [&](int64_t b, int64_t e, int64_t c) {
        run(update_chunk<kLamb>, b, e);
        pSq[c] = sum_sq(p + b, e - b, 1.0f);
        uSq[c] = sum_sq(p_out + b, e - b, 1.0f);
      });
      // trust = ||p|| / ||u|| in the decay group (1 when either is 0), else 1.
      float step = a.lr;
      if (a.decay) {
        const float pn = l2_of(pSq), un = l2_of(uSq);
        const float trust = pn > 0 && un > 0 ? pn / std::max(un, 1e-30f) : 1.0f;
        step = trust * a.lr;
      }
      // Pass 2: p <- p - (trust lr) u
      for_chunks(n, [&](int64_t b, int64_t e, int64_t) {
        for (int64_t i = b; i < e; i++) p_out[i] = p[i] - p_out[i] * step;
      });
      return;
    }
  }
}

}  // namespace tb
