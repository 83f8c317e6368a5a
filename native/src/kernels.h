// Plain C++ kernels over raw float buffers; addon.cc binds them to JavaScript. Every kernel
// writes a caller-allocated output and parallelises itself on tb::Pool.
#pragma once
#include <cstdint>

namespace tb {

// c[i] = op(a[i*sa], b[i*sb]) for each batch i of M x N; sa/sb are batch strides (0 broadcasts).
void matmul(const float* a, const float* b, float* c, int64_t batch, int64_t M, int64_t N, int64_t K,
            bool transA, bool transB, int64_t strideA, int64_t strideB);
void set_blas_threads(int n);
const char* blas_config();

enum BinaryOp { kAdd, kSub, kMul, kDiv, kSquaredDiff, kMax, kMin, kPow };
// out has `ndim` dims `shape`; a and b are read with element strides (0 on broadcast dims).
void binary(int op, const float* a, const float* b, float* out, int ndim, const int64_t* shape,
            const int64_t* stridesA, const int64_t* stridesB);
enum CompareOp { kGreater, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual };
// As binary, writing 1/0 bytes (tfjs bool storage).
void compare(int op, const float* a, const float* b, uint8_t* out, int ndim, const int64_t* shape,
             const int64_t* stridesA, const int64_t* stridesB);
// Sums n arrays of the same length.
void add_n(const float* const* xs, int n, float* out, int64_t len);

enum UnaryOp {
  kExp, kLog, kSqrt, kRsqrt, kTanh, kErf, kRelu, kNeg, kSquare, kAbs, kSigmoid, kReciprocal,
  kStep, kLog1p, kExpm1, kElu, kLeakyRelu, kSoftplus, kRelu6, kCopy
};
void unary(int op, const float* x, float* out, int64_t len, float alpha);

enum ReduceOp { kSum, kMean, kMaxR, kMinR, kProd };
// x viewed as [outer, r, inner], reduced over r to out [outer, inner].
void reduce(int op, const float* x, float* out, int64_t outer, int64_t r, int64_t inner);
// Row-wise softmax over the last axis of [rows, cols].
void softmax(const float* x, float* out, int64_t rows, int64_t cols);

// Fused ops (fused.cc). LayerNorm over the last axis of [rows, cols]: y = (x - mean) rstd gamma + beta,
// rstd = 1 / sqrt(biased variance + eps); mean and rstd [rows] are kept for the gradient.
void layer_norm(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                int64_t rows, int64_t cols, float eps);
// dx [rows, cols], dgamma and dbeta [cols] (overwritten) from dy and the forward's x, mean, rstd.
void layer_norm_grad(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd,
                     float* dx, float* dgamma, float* dbeta, int64_t rows, int64_t cols);
// Exact GELU x·½(1 + erf(x/√2)) and its gradient dy·(Φ(x) + x·φ(x)).
void gelu(const float* x, float* y, int64_t n);
void gelu_grad(const float* dy, const float* x, float* dx, int64_t n);

// Element-size-generic permutation of an ndim tensor.
void transpose(const void* x, void* out, int elemBytes, int ndim, const int64_t* shape, const int* perm);
// x [outer, axis, inner] -> out [outer, n, inner] (indices already validated).
void gather(const void* x, const int32_t* idx, void* out, int elemBytes, int64_t outer, int64_t axis,
            int64_t inner, int64_t n);
// out [segments, inner] (zeroed by the caller) += sum of rows of x [n, inner] by ids (ids outside [0, segments) dropped).
void segment_sum(const float* x, const int32_t* ids, float* out, int64_t n, int64_t inner, int64_t segments);
// out[i] = cond[i / rowLen] ? a[i] : b[i].
void select(const uint8_t* cond, const float* a, const float* b, float* out, int64_t len, int64_t rowLen);

// Dropout keep-mask: out[i] = scale if uniform(seed, i) >= rate else 0, where uniform is the top
// 24 bits of murmur3's fmix32 over (seed ^ (i * 0x9E3779B9)) — a counter-based stream, so any
// thread split (and the JavaScript reference in src/backend/native/kernels/DropoutMask.ts) gives
// the same mask.
void dropout_mask(float* out, int64_t n, uint32_t seed, float rate, float scale);

// One Adam-family optimizer step of one parameter tensor (optim.cc; the formulas are those of
// src/train/optimizers/{bertadam,adamw,lamb}.ts). Scalars are float32, derived by the caller.
enum AdamRule { kBertAdam, kAdamW, kLamb };
struct AdamParams {
  int rule;
  float grad_scale;  // every gradient times this first (global-norm clipping); 1 = none
  float max_norm;    // > 0: then clipped per tensor, g * min(1, max_norm / (||g|| + 1e-6))
  float b1, one_minus_b1, b2, one_minus_b2, eps, lr, weight_decay;
  bool decay;        // in the weight-decay group (LAMB: also the trust-ratio group)
  float decay_mul;   // AdamW: 1 - lr * weight_decay
  float sqrt_bc2;    // AdamW: sqrt(1 - b2^t)
  float step_size;   // AdamW: lr / (1 - b1^t)
  float bc1, bc2;    // LAMB: 1 - b1^t, 1 - b2^t
};
// p, g, m, v [n] -> p_out, m_out, v_out [n] (caller-allocated, not aliasing the inputs).
void adam_update(const AdamParams& a, const float* p, const float* g, const float* m, const float* v, float* p_out,
                 float* m_out, float* v_out, int64_t n);

}  // namespace tb
