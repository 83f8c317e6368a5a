// Branch-free float exp and erf that GCC auto-vectorises (a loop over them compiles to AVX2 code
// with -O3 -march=native; glibc's expf/erff are scalar calls).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace tb {

inline float bits_to_float(int32_t i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}

// exp(x): Cody–Waite range reduction x = n·ln2 + r and the Cephes expf minimax polynomial for
// e^r on |r| ≤ ln2/2 (S. L. Moshier, Cephes Math Library, expf.c), relative error ~1e-7.
// Results below FLT_MIN flush to 0; above ~88.72 give +Inf; NaN propagates.
inline float exp_poly(float x) {
  const float hi = 88.7228394f, lo = -87.3365479f;
  const float xc = x > hi ? hi : (x < lo ? lo : x);
  const float n = std::floor(xc * 1.44269504088896341f + 0.5f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  // 2^n for n in [-126, 128]: at n = 128 split the scale in two so it cannot overflow early.
  const int32_t ni = (int32_t)n;
  const int32_t n1 = ni > 127 ? 127 : ni;
  const float scaled = y * bits_to_float((n1 + 127) << 23) * bits_to_float((ni - n1 + 127) << 23);
  const float res = x > hi ? INFINITY : (x < lo ? 0.0f : scaled);
  return x != x ? x : res;
}

// erf(x) by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), the formula tfjs-backend-cpu uses.
inline float erf_as(float x) {
  const float v = std::fabs(x);
  const float t = 1.0f / (1.0f + 0.3275911f * v);
  const float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
  const float e = 1.0f - poly * exp_poly(-v * v);
  return x != x ? x : (x < 0.0f ? -e : e);
}

}  // namespace tb
