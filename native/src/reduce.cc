// Reductions over the middle axis of [outer, r, inner] and row softmax. Sums accumulate in double
// like the reference backend (JavaScript numbers), so results agree to float rounding.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels.h"
#include "pool.h"
#include "vmath.h"

namespace tb {

namespace {

constexpr int64_t kGrain = 1 << 14;

// Reduces one contiguous run; Max/Min keep a NaN once seen, as the reference does.
double reduce_run(int op, const float* x, int64_t r) {
  switch (op) {
    case kSum:
    case kMean: {
      double acc[4] = {0, 0, 0, 0};
      int64_t j = 0;
      for (; j + 4 <= r; j += 4)
        for (int k = 0; k < 4; k++) acc[k] += x[j + k];
      double s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
      for (; j < r; j++) s += x[j];
      return s;
    }
    case kProd: {
      double p = 1;
      for (int64_t j = 0; j < r; j++) p *= x[j];
      return p;
    }
    case kMaxR: {
      float m = x[0];
      for (int64_t j = 1; j < r; j++) {
        const float v = x[j];
        if (v != v || v > m) m = v;
        if (m != m) break;
      }
      return m;
    }
    default: {
      float m = x[0];
      for (int64_t j = 1; j < r; j++) {
        const float v = x[j];
        if (v != v || v < m) m = v;
        if (m != m) break;
      }
      return m;
    }
  }
}

double combine(int op, double a, double b) {
  switch (op) {
    case kSum:
    case kMean: return a + b;
    case kProd: return a * b;
    case kMaxR: return (a != a || b != b) ? a + b : std::max(a, b);
    default: return (a != a || b != b) ? a + b : std::min(a, b);
  }
}

}  // namespace

void reduce(int op, const float* x, float* out, int64_t outer, int64_t r, int64_t inner) {
  Pool& pool = Pool::get();
  const double scale = op == kMean ? 1.0 / (double)r : 1.0;
  if (inner == 1) {
    if (outer >= pool.threads() || r < 4 * kGrain) {
      const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, r));
      pool.parallel_for(outer, grain, [&](int64_t o0, int64_t o1) {
        for (int64_t o = o0; o < o1; o++) out[o] = (float)(reduce_run(op, x + o * r, r) * scale);
      });
      return;
    }
    // Few long rows: fixed slices reduced in parallel, then combined in slice order.
    const int64_t slices = 4 * (int64_t)pool.threads();
    std::vector<double> part(slices, 0.0);
    for (int64_t o = 0; o < outer; o++) {
      pool.run_chunks(slices, [&](int64_t c) {
        const int64_t j0 = r * c / slices, j1 = r * (c + 1) / slices;
        part[c] = reduce_run(op, x + o * r + j0, j1 - j0);
      });
      double acc = part[0];
      for (int64_t c = 1; c < slices; c++) acc = combine(op, acc, part[c]);
      out[o] = (float)(acc * scale);
    }
    return;
  }
  // Column reductions: each task owns a block of (outer, inner) outputs and walks r rows.
  const int64_t iblock = 256;
  const int64_t nib = (inner + iblock - 1) / iblock;
  pool.parallel_for(outer * nib, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, r * iblock)),
                    [&](int64_t t0, int64_t t1) {
    std::vector<double> acc(iblock);
    for (int64_t t = t0; t < t1; t++) {
      const int64_t o = t / nib, i0 = (t % nib) * iblock, n = std::min(iblock, inner - i0);
      const float* base = x + o * r * inner + i0;
      if (op == kSum || op == kMean) {
        std::fill(acc.begin(), acc.begin() + n, 0.0);
        for (int64_t j = 0; j < r; j++) {
          const float* row = base + j * inner;
          for (int64_t i = 0; i < n; i++) acc[i] += row[i];
        }
      } else {
        for (int64_t i = 0; i < n; i++) acc[i] = base[i];
        for (int64_t j = (op == kProd ? 0 : 1); j < r; j++) {
          const float* row = base + j * inner;
          if (op == kProd) {
            if (j == 0) std::fill(acc.begin(), acc.begin() + n, 1.0);
            for (int64_t i = 0; i < n; i++) acc[i] *= row[i];
          } else {
            for (int64_t i = 0; i < n; i++) {
              const double v = row[i], m = acc[i];
              if (m == m && (v != v || (op == kMaxR ? v > m : v < m))) acc[i] = v;
            }
          }
        }
      }
      float* o_ = out + o * inner + i0;
      for (int64_t i = 0; i < n; i++) o_[i] = (float)(acc[i] * scale);
    }
  });
}

void softmax(const float* x, float* out, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  const int64_t grain = std::max<int64_t>(1, kGrain / cols);
  Pool::get().parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x + r * cols;
      float* orow = out + r * cols;
      float m = -std::numeric_limits<float>::infinity();
      bool nan = false;
      for (int64_t j = 0; j < cols; j++) {
        if (xr[j] != xr[j]) nan = true;
        m = xr[j] > m ? xr[j] : m;
      }
      if (nan) m = std::numeric_limits<float>::quiet_NaN();
      for (int64_t j = 0; j < cols; j++) orow[j] = exp_poly(xr[j] - m);
      double s = 0;
      for (int64_t j = 0; j < cols; j++) s += orow[j];
      const float inv = (float)(1.0 / s);
      for (int64_t j = 0; j < cols; j++) orow[j] *= inv;
    }
  });
}

}  // namespace tb
