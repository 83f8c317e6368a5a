// GEMM through OpenBLAS. OpenBLAS itself runs single-threaded (see set_blas_threads); the pool
// parallelises across batch items, or across row / column blocks of one product, so elementwise
// kernels and GEMM share one set of threads and no BLAS worker spins while ours run.
#include <cblas.h>

#include <algorithm>
#include <cstring>

#include "kernels.h"
#include "pool.h"

namespace tb {

static int g_blas_threads = 1;

void set_blas_threads(int n) {
  g_blas_threads = std::max(1, n);
  openblas_set_num_threads(g_blas_threads);
}

const char* blas_config() { return openblas_get_config(); }

// One product C[M,N] = op(A) op(B) on the calling thread (or OpenBLAS's threads).
static void gemm1(const float* a, const float* b, float* c, int64_t M, int64_t N, int64_t K, bool ta,
                  bool tb, int64_t lda, int64_t ldb, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; i++) std::memset(c + i * ldc, 0, sizeof(float) * N);
    return;
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)M, (int)N,
              (int)K, 1.0f, a, (int)std::max<int64_t>(1, lda), b, (int)std::max<int64_t>(1, ldb), 0.0f, c,
              (int)std::max<int64_t>(1, ldc));
}

// Splits one product into row blocks (or column blocks when M is short) across the pool.
static void gemm_split(const float* a, const float* b, float* c, int64_t M, int64_t N, int64_t K, bool ta,
                       bool tb) {
  const int64_t lda = ta ? M : K, ldb = tb ? K : N;
  Pool& pool = Pool::get();
  const double flops = 2.0 * M * N * K;
  if (g_blas_threads > 1 || pool.threads() == 1 || flops < 2e6) {
    gemm1(a, b, c, M, N, K, ta, tb, lda, ldb, N);
    return;
  }
  if (M >= N || M >= 64 * pool.threads()) {
    // Row blocks, multiples of 16 rows so each block keeps full GEMM micro-tiles.
    const int64_t blocks = (M + 15) / 16;
    pool.parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
      const int64_t m0 = b0 * 16, m1 = std::min(M, b1 * 16);
      const float* ap = ta ? a + m0 : a + m0 * K;
      gemm1(ap, b, c + m0 * N, m1 - m0, N, K, ta, tb, lda, ldb, N);
    });
  } else {
    const int64_t blocks = (N + 15) / 16;
    pool.parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
      const int64_t n0 = b0 * 16, n1 = std::min(N, b1 * 16);
      const float* bp = tb ? b + n0 * K : b + n0;
      gemm1(a, bp, c + n0, M, n1 - n0, K, ta, tb, lda, ldb, N);
    });
  }
}

void matmul(const float* a, const float* b, float* c, int64_t batch, int64_t M, int64_t N, int64_t K,
            bool ta, bool tb, int64_t sa, int64_t sb) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  // A batch of row-major A against one shared B is a single taller product.
  if (batch > 1 && sb == 0 && !ta && sa == M * K) {
    M *= batch;
    batch = 1;
  }
  if (batch == 1) {
    gemm_split(a, b, c, M, N, K, ta, tb);
    return;
  }
  Pool& pool = Pool::get();
  if (g_blas_threads > 1 || batch < pool.threads()) {
    for (int64_t i = 0; i < batch; i++) gemm_split(a + i * sa, b + i * sb, c + i * M * N, M, N, K, ta, tb);
    return;
  }
  const int64_t lda = ta ? M : K, ldb = tb ? K : N;
  pool.parallel_for(batch, 1, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) gemm1(a + i * sa, b + i * sb, c + i * M * N, M, N, K, ta, tb, lda, ldb, N);
  });
}

}  // namespace tb
