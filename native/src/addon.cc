// N-API bindings. Arguments are typed arrays owned by JavaScript (the CPU backend's storage) and
// plain numbers; outputs are allocated by the caller, so no native memory outlives a call.
#include <malloc.h>
#include <sys/mman.h>
#include <napi.h>

#include <string>
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace {

struct View {
  void* data = nullptr;
  size_t length = 0;
  napi_typedarray_type type = napi_float32_array;
};

View view(const Napi::Value& v, const char* what) {
  View out;
  napi_value buf;
  size_t offset;
  if (!v.IsTypedArray() ||
      napi_get_typedarray_info(v.Env(), v, &out.type, &out.length, &out.data, &buf, &offset) != napi_ok) {
    throw Napi::TypeError::New(v.Env(), std::string("tinybert native: ") + what + " must be a typed array");
  }
  return out;
}

// A fresh multi-MB output is faulted in 4 KiB page by page on first write, ~20 us a page on a KVM
// guest (more than the kernel's own work). With THP in `madvise` mode, asking for huge pages
// before the first write makes that 512x fewer faults; on already-faulted memory it is a no-op.
void hugepage_hint(void* data, size_t bytes) {
  constexpr uintptr_t kHuge = 2u << 20;
  if (bytes < 2 * kHuge) return;
  const uintptr_t b = ((uintptr_t)data + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t e = ((uintptr_t)data + bytes) & ~(kHuge - 1);
  if (e > b) madvise((void*)b, e - b, MADV_HUGEPAGE);
}

// An output typed array (hinted for huge pages).
View out_view(const Napi::Value& v, const char* what) {
  View o = view(v, what);
  size_t elem = o.type == napi_uint8_array || o.type == napi_int8_array ? 1 : (o.type == napi_float64_array ? 8 : 4);
  hugepage_hint(o.data, o.length * elem);
  return o;
}

float* out_f32(const Napi::Value& v, const char* what) {
  View o = out_view(v, what);
  if (o.type != napi_float32_array)
    throw Napi::TypeError::New(v.Env(), std::string("tinybert native: ") + what + " must be a Float32Array");
  return static_cast<float*>(o.data);
}

float* f32(const Napi::Value& v, const char* what) {
  View t = view(v, what);
  if (t.type != napi_float32_array)
    throw Napi::TypeError::New(v.Env(), std::string("tinybert native: ") + what + " must be a Float32Array");
  return static_cast<float*>(t.data);
}

int32_t* i32(const Napi::Value& v, const char* what) {
  View t = view(v, what);
  if (t.type != napi_int32_array)
    throw Napi::TypeError::New(v.Env(), std::string("tinybert native: ") + what + " must be an Int32Array");
  return static_cast<int32_t*>(t.data);
}

int64_t num(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }

std::vector<int64_t> ints(const Napi::Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

int elem_bytes(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array: return 1;
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array: return 8;
    default: return 4;
  }
}

// matmul(a, b, out, batch, M, N, K, transA, transB, strideA, strideB)
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  tb::matmul(f32(info[0], "a"), f32(info[1], "b"), out_f32(info[2], "out"), num(info[3]), num(info[4]),
             num(info[5]), num(info[6]), info[7].ToBoolean(), info[8].ToBoolean(), num(info[9]), num(info[10]));
  return info.Env().Undefined();
}

// binary(op, a, b, out, shape[], stridesA[], stridesB[])
Napi::Value Binary(const Napi::CallbackInfo& info) {
  auto shape = ints(info[4]), sa = ints(info[5]), sb = ints(info[6]);
  tb::binary((int)num(info[0]), f32(info[1], "a"), f32(info[2], "b"), out_f32(info[3], "out"), (int)shape.size(),
             shape.data(), sa.data(), sb.data());
  return info.Env().Undefined();
}

// compare(op, a, b, out (Uint8Array), shape[], stridesA[], stridesB[])
Napi::Value Compare(const Napi::CallbackInfo& info) {
  auto shape = ints(info[4]), sa = ints(info[5]), sb = ints(info[6]);
  View o = out_view(info[3], "out");
  if (o.type != napi_uint8_array) throw Napi::TypeError::New(info.Env(), "tinybert native: out must be a Uint8Array");
  tb::compare((int)num(info[0]), f32(info[1], "a"), f32(info[2], "b"), static_cast<uint8_t*>(o.data),
              (int)shape.size(), shape.data(), sa.data(), sb.data());
  return info.Env().Undefined();
}

// addN([x...], out)
Napi::Value AddN(const Napi::CallbackInfo& info) {
  Napi::Array xs = info[0].As<Napi::Array>();
  View o = out_view(info[1], "out");
  std::vector<const float*> ptrs(xs.Length());
  for (uint32_t i = 0; i < xs.Length(); i++) ptrs[i] = f32(xs.Get(i), "addN input");
  if (!ptrs.empty()) tb::add_n(ptrs.data(), (int)ptrs.size(), static_cast<float*>(o.data), (int64_t)o.length);
  return info.Env().Undefined();
}

// unary(op, x, out, alpha)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  View x = view(info[1], "x");
  tb::unary((int)num(info[0]), f32(info[1], "x"), out_f32(info[2], "out"), (int64_t)x.length,
            info[3].As<Napi::Number>().FloatValue());
  return info.Env().Undefined();
}

// reduce(op, x, out, outer, r, inner)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  tb::reduce((int)num(info[0]), f32(info[1], "x"), out_f32(info[2], "out"), num(info[3]), num(info[4]), num(info[5]));
  return info.Env().Undefined();
}

// softmax(x, out, rows, cols)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  tb::softmax(f32(info[0], "x"), out_f32(info[1], "out"), num(info[2]), num(info[3]));
  return info.Env().Undefined();
}

// layerNorm(x, gamma, beta, y, mean, rstd, rows, cols, eps)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  tb::layer_norm(f32(info[0], "x"), f32(info[1], "gamma"), f32(info[2], "beta"), out_f32(info[3], "y"),
                 out_f32(info[4], "mean"), out_f32(info[5], "rstd"), num(info[6]), num(info[7]),
                 info[8].As<Napi::Number>().FloatValue());
  return info.Env().Undefined();
}

// layerNormGrad(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, cols)
Napi::Value LayerNormGrad(const Napi::CallbackInfo& info) {
  tb::layer_norm_grad(f32(info[0], "dy"), f32(info[1], "x"), f32(info[2], "gamma"), f32(info[3], "mean"),
                      f32(info[4], "rstd"), out_f32(info[5], "dx"), out_f32(info[6], "dgamma"),
                      out_f32(info[7], "dbeta"), num(info[8]), num(info[9]));
  return info.Env().Undefined();
}

// gelu(x, y) and geluGrad(dy, x, dx)
Napi::Value Gelu(const Napi::CallbackInfo& info) {
  View x = view(info[0], "x");
  tb::gelu(f32(info[0], "x"), out_f32(info[1], "y"), (int64_t)x.length);
  return info.Env().Undefined();
}

Napi::Value GeluGrad(const Napi::CallbackInfo& info) {
  View x = view(info[1], "x");
  tb::gelu_grad(f32(info[0], "dy"), f32(info[1], "x"), out_f32(info[2], "dx"), (int64_t)x.length);
  return info.Env().Undefined();
}

// transpose(x, out, shape[], perm[]) for any typed array of matching element type
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  View x = view(info[0], "x"), o = out_view(info[1], "out");
  auto shape = ints(info[2]), perm64 = ints(info[3]);
  std::vector<int> perm(perm64.begin(), perm64.end());
  tb::transpose(x.data, o.data, elem_bytes(x.type), (int)shape.size(), shape.data(), perm.data());
  return info.Env().Undefined();
}

// gather(x, indices, out, outer, axis, inner)
Napi::Value Gather(const Napi::CallbackInfo& info) {
  View x = view(info[0], "x"), idx = view(info[1], "indices"), o = out_view(info[2], "out");
  tb::gather(x.data, i32(info[1], "indices"), o.data, elem_bytes(x.type), num(info[3]), num(info[4]), num(info[5]),
             (int64_t)idx.length);
  return info.Env().Undefined();
}

// segmentSum(x, ids, out, inner, segments)
Napi::Value SegmentSum(const Napi::CallbackInfo& info) {
  View ids = view(info[1], "segmentIds");
  tb::segment_sum(f32(info[0], "x"), i32(info[1], "segmentIds"), out_f32(info[2], "out"), (int64_t)ids.length,
                  num(info[3]), num(info[4]));
  return info.Env().Undefined();
}

// select(cond, a, b, out, rowLen)
Napi::Value Select(const Napi::CallbackInfo& info) {
  View c = view(info[0], "condition"), o = view(info[3], "out");
  if (elem_bytes(c.type) != 1) throw Napi::TypeError::New(info.Env(), "tinybert native: condition must be bytes");
  tb::select(static_cast<uint8_t*>(c.data), f32(info[1], "a"), f32(info[2], "b"), static_cast<float*>(o.data),
             (int64_t)o.length, num(info[4]));
  return info.Env().Undefined();
}

// dropoutMask(out, seed, rate, scale)
Napi::Value DropoutMask(const Napi::CallbackInfo& info) {
  View o = out_view(info[0], "out");
  if (o.type != napi_float32_array) throw Napi::TypeError::New(info.Env(), "tinybert native: out must be a Float32Array");
  tb::dropout_mask(static_cast<float*>(o.data), (int64_t)o.length, info[1].As<Napi::Number>().Uint32Value(),
                   info[2].As<Napi::Number>().FloatValue(), info[3].As<Napi::Number>().FloatValue());
  return info.Env().Undefined();
}

// adamUpdate(p, g, m, v, pOut, mOut, vOut, {rule, gradScale, maxNorm, b1, b2, eps, lr, weightDecay,
// decay, decayMul, sqrtBc2, stepSize, bc1, bc2}): one optimizer step (kernels.h AdamParams).
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  View p = view(info[0], "p");
  Napi::Object o = info[7].As<Napi::Object>();
  auto f = [&](const char* key) { return o.Get(key).As<Napi::Number>().FloatValue(); };
  tb::AdamParams a;
  a.rule = o.Get("rule").As<Napi::Number>().Int32Value();
  a.grad_scale = f("gradScale");
  a.max_norm = f("maxNorm");
  a.b1 = f("b1");
  a.one_minus_b1 = f("oneMinusB1");
  a.b2 = f("b2");
  a.one_minus_b2 = f("oneMinusB2");
  a.eps = f("eps");
  a.lr = f("lr");
  a.weight_decay = f("weightDecay");
  a.decay = o.Get("decay").ToBoolean();
  a.decay_mul = f("decayMul");
  a.sqrt_bc2 = f("sqrtBc2");
  a.step_size = f("stepSize");
  a.bc1 = f("bc1");
  a.bc2 = f("bc2");
  const float* in[4] = {f32(info[0], "p"), f32(info[1], "g"), f32(info[2], "m"), f32(info[3], "v")};
  float* out[3] = {out_f32(info[4], "pOut"), out_f32(info[5], "mOut"), out_f32(info[6], "vOut")};
  for (int i = 1; i < 7; i++) {
    if (view(info[i], "adamUpdate array").length != p.length)
      throw Napi::RangeError::New(info.Env(), "tinybert native: adamUpdate arrays must have the same length");
  }
  tb::adam_update(a, in[0], in[1], in[2], in[3], out[0], out[1], out[2], (int64_t)p.length);
  return info.Env().Undefined();
}

// setThreads(n): our pool and OpenBLAS's. blasThreads > 1 lets OpenBLAS thread each GEMM itself.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const int n = (int)num(info[0]);
  const int blas = info.Length() > 1 ? (int)num(info[1]) : 1;
  tb::Pool::get().resize(n);
  tb::set_blas_threads(blas);
  return info.Env().Undefined();
}

Napi::Value Threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), tb::Pool::get().threads());
}

Napi::Value BlasConfig(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), tb::blas_config());
}

// Tensor buffers are calloc'ed by V8 and freed at dispose, several MB each, thousands per training
// step. glibc serves such blocks with mmap/munmap, so every output page is faulted in afresh
// (~100x the cost of reusing warm memory on a KVM guest). Keeping them on the heap lets freed
// buffers be reused; the price is that the heap does not shrink below its high-water mark.
void KeepLargeBlocksOnHeap() {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, INT32_MAX);  // never hand the heap top back: it would fault in again
  mallopt(M_TOP_PAD, 64 << 20);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  if (!getenv("TINYBERT_KEEP_MALLOC")) KeepLargeBlocksOnHeap();
  exports.Set("matmul", Napi::Function::New(env, MatMul));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("compare", Napi::Function::New(env, Compare));
  exports.Set("addN", Napi::Function::New(env, AddN));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("transpose", Napi::Function::New(env, Transpose));
  exports.Set("layerNorm", Napi::Function::New(env, LayerNorm));
  exports.Set("layerNormGrad", Napi::Function::New(env, LayerNormGrad));
  exports.Set("gelu", Napi::Function::New(env, Gelu));
  exports.Set("geluGrad", Napi::Function::New(env, GeluGrad));
  exports.Set("gather", Napi::Function::New(env, Gather));
  exports.Set("segmentSum", Napi::Function::New(env, SegmentSum));
  exports.Set("select", Napi::Function::New(env, Select));
  exports.Set("dropoutMask", Napi::Function::New(env, DropoutMask));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("threads", Napi::Function::New(env, Threads));
  exports.Set("blasConfig", Napi::Function::New(env, BlasConfig));
  return exports;
}

}  // namespace

NODE_API_MODULE(tinybert_native, Init)
