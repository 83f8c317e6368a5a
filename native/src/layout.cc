// Data movement: transpose, gather (embedding lookup) and its adjoint, segment sum (embedding
// gradient: the reference backend builds one mask per segment, O(segments x rows x width)).
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace tb {

namespace {
constexpr int64_t kGrain = 1 << 14;

template <class T>
void transpose_t(const T* x, T* out, int ndim, const int64_t* shape, const int* perm) {
  // Input strides, then the strides of x read in output order.
  std::vector<int64_t> xs(ndim), os(ndim), oshape(ndim);
  int64_t s = 1;
  for (int d = ndim - 1; d >= 0; d--) {
    xs[d] = s;
    s *= shape[d];
  }
  const int64_t total = s;
  if (total == 0) return;
  for (int d = 0; d < ndim; d++) {
    oshape[d] = shape[perm[d]];
    os[d] = xs[perm[d]];
  }
  const int64_t n = oshape[ndim - 1], in_stride = os[ndim - 1];
  const int64_t rows = total / n;
  if (ndim == 2 && in_stride != 1) {
    // Plain 2-D transpose [R, C] -> [C, R] in 32 x 32 tiles to keep both sides in cache.
    const int64_t R = shape[0], C = shape[1], tile = 32;
    const int64_t tilesC = (C + tile - 1) / tile;
    Pool::get().parallel_for(tilesC, std::max<int64_t>(1, kGrain / (tile * std::max<int64_t>(1, R))),
                             [&](int64_t t0, int64_t t1) {
      for (int64_t tc = t0; tc < t1; tc++) {
        const int64_t c0 = tc * tile, c1 = std::min(C, c0 + tile);
        for (int64_t r0 = 0; r0 < R; r0 += tile) {
          const int64_t r1 = std::min(R, r0 + tile);
          for (int64_t c = c0; c < c1; c++)
            for (int64_t r = r0; r < r1; r++) out[c * R + r] = x[r * C + c];
        }
      }
    });
    return;
  }
  Pool::get().parallel_for(rows, std::max<int64_t>(1, kGrain / n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t rem = r, off = 0;
      for (int d = ndim - 2; d >= 0; d--) {
        off += (rem % oshape[d]) * os[d];
        rem /= oshape[d];
      }
      T* o = out + r * n;
      const T* xi = x + off;
      if (in_stride == 1) {
        std::memcpy(o, xi, sizeof(T) * n);
      } else {
        for (int64_t i = 0; i < n; i++) o[i] = xi[i * in_stride];
      }
    }
  });
}
}  // namespace

void transpose(const void* x, void* out, int elemBytes, int ndim, const int64_t* shape, const int* perm) {
  switch (elemBytes) {
    case 1: return transpose_t((const uint8_t*)x, (uint8_t*)out, ndim, shape, perm);
    case 4: return transpose_t((const uint32_t*)x, (uint32_t*)out, ndim, shape, perm);
    default: return transpose_t((const uint64_t*)x, (uint64_t*)out, ndim, shape, perm);
  }
}

void gather(const void* x, const int32_t* idx, void* out, int elemBytes, int64_t outer, int64_t axis,
            int64_t inner, int64_t n) {
  const int64_t row = inner * elemBytes;
  const char* xb = (const char*)x;
  char* ob = (char*)out;
  Pool::get().parallel_for(outer * n, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, inner)),
                           [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t o = t / n, i = t % n;
      std::memcpy(ob + t * row, xb + (o * axis + idx[i]) * row, row);
    }
  });
}

void segment_sum(const float* x, const int32_t* ids, float* out, int64_t n, int64_t inner, int64_t segments) {
  // `out` arrives zeroed (a fresh Float32Array). Threads own disjoint column blocks, so the
  // scatter-adds never race.
  const int64_t block = 64;
  const int64_t nb = (inner + block - 1) / block;
  Pool::get().parallel_for(nb, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n * block)),
                           [&](int64_t b0, int64_t b1) {
    const int64_t c0 = b0 * block, c1 = std::min(inner, b1 * block);
    for (int64_t i = 0; i < n; i++) {
      const int64_t s = ids[i];
      if (s < 0 || s >= segments) continue;
      const float* xr = x + i * inner;
      float* orow = out + s * inner;
      for (int64_t c = c0; c < c1; c++) orow[c] += xr[c];
    }
  });
}

}  // namespace tb
