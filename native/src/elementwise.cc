// Elementwise kernels. Semantics follow tfjs-backend-cpu (the reference backend in the tests):
// IEEE arithmetic, and Maximum/Minimum return NaN when either input is NaN (as Math.max does).
#include <cmath>
#include <algorithm>
#include <cstring>

#include "kernels.h"
#include "vmath.h"
#include "pool.h"

namespace tb {

namespace {

constexpr int64_t kGrain = 1 << 14;  // elements per task below which threading does not pay

struct Add { static float f(float a, float b) { return a + b; } };
struct Sub { static float f(float a, float b) { return a - b; } };
struct Mul { static float f(float a, float b) { return a * b; } };
struct Div { static float f(float a, float b) { return a / b; } };
struct SqDiff { static float f(float a, float b) { const float d = a - b; return d * d; } };
struct Max {
  static float f(float a, float b) { return (a != a || b != b) ? a + b : (a > b ? a : b); }
};
struct Min {
  static float f(float a, float b) { return (a != a || b != b) ? a + b : (a < b ? a : b); }
};
struct Pow { static float f(float a, float b) { return std::pow(a, b); } };

// Inner loop over n elements with unit-or-zero strides; specialised so the compiler vectorises.
template <class Op, class Out>
void inner(const float* a, const float* b, Out* o, int64_t n, int64_t sa, int64_t sb) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) o[i] = Op::f(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = *b;
    for (int64_t i = 0; i < n; i++) o[i] = Op::f(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = *a;
    for (int64_t i = 0; i < n; i++) o[i] = Op::f(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) o[i] = Op::f(a[i * sa], b[i * sb]);
  }
}

template <class Op, class Out = float>
void binary_t(const float* a, const float* b, Out* out, int ndim, const int64_t* shape, const int64_t* sa,
              const int64_t* sb) {
  if (ndim == 0) {
    out[0] = Op::f(a[0], b[0]);
    return;
  }
  const int64_t n = shape[ndim - 1];
  int64_t rows = 1;
  for (int d = 0; d < ndim - 1; d++) rows *= shape[d];
  if (rows * n == 0) return;
  const int64_t isa = sa[ndim - 1], isb = sb[ndim - 1];
  if (rows == 1) {
    Pool::get().parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) {
      inner<Op, Out>(a + i0 * isa, b + i0 * isb, out + i0, i1 - i0, isa, isb);
    });
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kGrain / n);
  Pool::get().parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t rem = r, oa = 0, ob = 0;
      for (int d = ndim - 2; d >= 0; d--) {
        const int64_t idx = rem % shape[d];
        rem /= shape[d];
        oa += idx * sa[d];
        ob += idx * sb[d];
      }
      inner<Op, Out>(a + oa, b + ob, out + r * n, n, isa, isb);
    }
  });
}


// Comparisons give 1/0 (stored as bool bytes); any comparison with NaN is false except !=.
struct Greater { static uint8_t f(float a, float b) { return a > b; } };
struct GreaterEqual { static uint8_t f(float a, float b) { return a >= b; } };
struct Less { static uint8_t f(float a, float b) { return a < b; } };
struct LessEqual { static uint8_t f(float a, float b) { return a <= b; } };
struct Equal { static uint8_t f(float a, float b) { return a == b; } };
struct NotEqual { static uint8_t f(float a, float b) { return a != b; } };

}  // namespace

void binary(int op, const float* a, const float* b, float* out, int ndim, const int64_t* shape,
            const int64_t* sa, const int64_t* sb) {
  switch (op) {
    case kAdd: return binary_t<Add>(a, b, out, ndim, shape, sa, sb);
    case kSub: return binary_t<Sub>(a, b, out, ndim, shape, sa, sb);
    case kMul: return binary_t<Mul>(a, b, out, ndim, shape, sa, sb);
    case kDiv: return binary_t<Div>(a, b, out, ndim, shape, sa, sb);
    case kSquaredDiff: return binary_t<SqDiff>(a, b, out, ndim, shape, sa, sb);
    case kMax: return binary_t<Max>(a, b, out, ndim, shape, sa, sb);
    case kMin: return binary_t<Min>(a, b, out, ndim, shape, sa, sb);
    case kPow: return binary_t<Pow>(a, b, out, ndim, shape, sa, sb);
  }
}

void compare(int op, const float* a, const float* b, uint8_t* out, int ndim, const int64_t* shape,
             const int64_t* sa, const int64_t* sb) {
  switch (op) {
    case kGreater: return binary_t<Greater, uint8_t>(a, b, out, ndim, shape, sa, sb);
    case kGreaterEqual: return binary_t<GreaterEqual, uint8_t>(a, b, out, ndim, shape, sa, sb);
    case kLess: return binary_t<Less, uint8_t>(a, b, out, ndim, shape, sa, sb);
    case kLessEqual: return binary_t<LessEqual, uint8_t>(a, b, out, ndim, shape, sa, sb);
    case kEqual: return binary_t<Equal, uint8_t>(a, b, out, ndim, shape, sa, sb);
    case kNotEqual: return binary_t<NotEqual, uint8_t>(a, b, out, ndim, shape, sa, sb);
  }
}

void add_n(const float* const* xs, int n, float* out, int64_t len) {
  Pool::get().parallel_for(len, kGrain, [&](int64_t i0, int64_t i1) {
    std::memcpy(out + i0, xs[0] + i0, sizeof(float) * (i1 - i0));
    for (int k = 1; k < n; k++) {
      const float* x = xs[k];
      for (int64_t i = i0; i < i1; i++) out[i] += x[i];
    }
  });
}

template <class F>
static void map(const float* x, float* out, int64_t len, F f) {
  Pool::get().parallel_for(len, kGrain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) out[i] = f(x[i]);
  });
}

void unary(int op, const float* x, float* out, int64_t len, float alpha) {
  switch (op) {
    case kExp: return map(x, out, len, [](float v) { return exp_poly(v); });
    case kLog: return map(x, out, len, [](float v) { return std::log(v); });
    case kSqrt: return map(x, out, len, [](float v) { return std::sqrt(v); });
    case kRsqrt: return map(x, out, len, [](float v) { return 1.0f / std::sqrt(v); });
    case kTanh: return map(x, out, len, [](float v) { return std::tanh(v); });
    case kErf: return map(x, out, len, [](float v) { return erf_as(v); });
    case kRelu: return map(x, out, len, [](float v) { return v < 0.0f ? 0.0f : v; });
    case kRelu6: return map(x, out, len, [](float v) { return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v); });
    case kNeg: return map(x, out, len, [](float v) { return -v; });
    case kSquare: return map(x, out, len, [](float v) { return v * v; });
    case kAbs: return map(x, out, len, [](float v) { return std::fabs(v); });
    case kSigmoid: return map(x, out, len, [](float v) { return 1.0f / (1.0f + exp_poly(-v)); });
    case kReciprocal: return map(x, out, len, [](float v) { return 1.0f / v; });
    case kStep: return map(x, out, len, [alpha](float v) { return v != v ? v : (v > 0.0f ? 1.0f : alpha); });
    case kLog1p: return map(x, out, len, [](float v) { return std::log1p(v); });
    case kExpm1: return map(x, out, len, [](float v) { return std::expm1(v); });
    case kElu: return map(x, out, len, [](float v) { return v >= 0.0f ? v : std::expm1(v); });
    case kLeakyRelu: return map(x, out, len, [alpha](float v) { return v < 0.0f ? alpha * v : v; });
    case kSoftplus: return map(x, out, len, [](float v) { return std::log1p(std::exp(-std::fabs(v))) + (v > 0 ? v : 0); });
    case kCopy: return map(x, out, len, [](float v) { return v; });
  }
}

void dropout_mask(float* out, int64_t n, uint32_t seed, float rate, float scale) {
  Pool::get().parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      uint32_t h = seed ^ ((uint32_t)i * 0x9E3779B9u);
      h ^= h >> 16;
      h *= 0x85EBCA6Bu;
      h ^= h >> 13;
      h *= 0xC2B2AE35u;
      h ^= h >> 16;
      const float u = (float)(h >> 8) * (1.0f / 16777216.0f);
      out[i] = u >= rate ? scale : 0.0f;
    }
  });
}

void select(const uint8_t* cond, const float* a, const float* b, float* out, int64_t len, int64_t rowLen) {
  Pool::get().parallel_for(len, kGrain, [&](int64_t i0, int64_t i1) {
    if (rowLen == 1) {
      for (int64_t i = i0; i < i1; i++) out[i] = cond[i] ? a[i] : b[i];
    } else {
      for (int64_t i = i0; i < i1; i++) out[i] = cond[i / rowLen] ? a[i] : b[i];
    }
  });
}

}  // namespace tb
