// Fused LayerNorm and GELU, forward and backward, each one pass over its rows or elements instead of
// the 6–10 elementwise kernels (and temporaries) the composed tfjs ops run. The composed ops stay the
// reference (src/model/ops.ts on `cpu`); test/backend/fused.test.ts compares the two.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"
#include "pool.h"
#include "vmath.h"

namespace tb {

namespace {
constexpr int64_t kGrain = 1 << 14;          // elements per task below which threading does not pay
constexpr int64_t kRowsPerPartial = 256;     // rows summed into one partial dgamma/dbeta
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

int64_t row_grain(int64_t cols) { return cols >= kGrain ? 1 : kGrain / (cols > 0 ? cols : 1); }
}  // namespace

void layer_norm(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                int64_t rows, int64_t cols, float eps) {
  Pool::get().parallel_for(rows, row_grain(cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      double s = 0;
      for (int64_t c = 0; c < cols; c++) s += xr[c];
      const float mu = (float)(s / (double)cols);
      double ss = 0;
      for (int64_t c = 0; c < cols; c++) {
        const float d = xr[c] - mu;
        ss += (double)d * d;
      }
      const float rs = (float)(1.0 / std::sqrt(ss / (double)cols + (double)eps));
      for (int64_t c = 0; c < cols; c++) yr[c] = (xr[c] - mu) * rs * gamma[c] + beta[c];
      mean[r] = mu;
      rstd[r] = rs;
    }
  });
}

// No fused multiply-add here: dx subtracts mean(dy·gamma) from dy·gamma; with one rounding on one
// side and none on the other, a row of equal inputs (variance 0, rstd = 1/sqrt(eps) ~ 1e6) would turn
// the product's rounding residue into a visible gradient where the exact one is 0.
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
void layer_norm_grad(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd,
                     float* dx, float* dgamma, float* dbeta, int64_t rows, int64_t cols) {
  // dgamma / dbeta: one partial sum per block of kRowsPerPartial rows, added in block order, so the
  // result does not depend on the thread count.
  const int64_t blocks = (rows + kRowsPerPartial - 1) / kRowsPerPartial;
  std::vector<float> partial((size_t)(blocks > 0 ? blocks : 1) * 2 * cols, 0.0f);
  Pool::get().run_chunks(blocks, [&](int64_t b) {
    float* pg = partial.data() + b * 2 * cols;
    float* pb = pg + cols;
    const int64_t r1 = std::min(rows, (b + 1) * kRowsPerPartial);
    for (int64_t r = b * kRowsPerPartial; r < r1; r++) {
      const float* xr = x + r * cols;
      const float* dyr = dy + r * cols;
      float* dxr = dx + r * cols;
      const float mu = mean[r], rs = rstd[r];
      // xhat = (x - mu) rs;  g = dy gamma;  dx = rs (g - mean(g) - xhat mean(g xhat))
      float sg = 0, sgx = 0;
      for (int64_t c = 0; c < cols; c++) {
        const float xh = (xr[c] - mu) * rs;
        const float g = dyr[c] * gamma[c];
        sg += g;
        sgx += g * xh;
        pg[c] += dyr[c] * xh;
        pb[c] += dyr[c];
      }
      const float mg = sg / (float)cols, mgx = sgx / (float)cols;
      for (int64_t c = 0; c < cols; c++) {
        const float xh = (xr[c] - mu) * rs;
        dxr[c] = rs * (dyr[c] * gamma[c] - mg - xh * mgx);
      }
    }
  });
  for (int64_t c = 0; c < cols; c++) {
    dgamma[c] = 0;
    dbeta[c] = 0;
  }
  for (int64_t b = 0; b < blocks; b++) {
    const float* pg = partial.data() + b * 2 * cols;
    for (int64_t c = 0; c < cols; c++) {
      dgamma[c] += pg[c];
      dbeta[c] += pg[cols + c];
    }
  }
}

#pragma GCC pop_options

void gelu(const float* x, float* y, int64_t n) {
  Pool::get().parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) y[i] = 0.5f * x[i] * (1.0f + erf_as(x[i] * kInvSqrt2));
  });
}

void gelu_grad(const float* dy, const float* x, float* dx, int64_t n) {
  // d/dx x Φ(x) = Φ(x) + x φ(x), Φ(x) = ½(1 + erf(x/√2)), φ(x) = exp(-x²/2)/√(2π)
  Pool::get().parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const float v = x[i];
      const float cdf = 0.5f * (1.0f + erf_as(v * kInvSqrt2));
      dx[i] = dy[i] * (cdf + v * kInvSqrt2Pi * exp_poly(-0.5f * v * v));
    }
  });
}

}  // namespace tb
