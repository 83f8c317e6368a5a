/**
 * The `native` backend class: the CPU backend itself (same DataStorage of typed arrays), so every
 * cpu kernel runs unchanged on it and native kernels read and write the same arrays.
 *
 * It adds a pool of Float32Array outputs. A training step allocates thousands of multi-MB
 * buffers; fresh ones cost a calloc, page faults and a later GC (~10x the kernel itself on a
 * KVM guest), so buffers of disposed tensors are reused for outputs of the same length. Only
 * arrays this backend allocated are recycled, and never once they escaped: read by the user
 * (readSync/read/bufferSync), or shared with another tensor by a cpu kernel (Slice returns
 * subarray views; see `noteFallbackOutputs`).
 *
 * The pool holds at most TINYBERT_POOL_MB MB (default: a quarter of the machine's memory, at most
 * 4096). A task-intermediate step at batch 32 × 128 allocates ~3.5 GB of outputs; with a 1 GB pool
 * a third of them were fresh — 2.2 s of calloc per step plus ~0.8 s of extra garbage collection,
 * more than the student's whole forward and backward. When a returned buffer would overflow the
 * pool, the buffers pooled longest ago go first (whatever their size), so sizes a length-bucketed
 * run no longer uses drain away instead of piling up. Pooled memory is not extra RSS beyond the
 * step's own peak: glibc keeps freed tensor memory on the heap anyway (see native/src/addon.cc).
 */
import { totalmem } from 'node:os';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { tf } from '../tf.js';

/** Default cap: a quarter of the machine's memory, at most 4 GiB. */
export function defaultPoolMb(): number {
  return Math.min(4096, Math.floor(totalmem() / 2 ** 20 / 4));
}

/**
 * Outputs this large skip the zero-fill: `new Float32Array` callocs, and calloc writes (so faults
 * in) every 4 KiB page before the kernel runs, ~14 µs a page on a KVM guest — 88 ms for one
 * [32, 12, 128, 128] attention tensor. Uninitialised memory is first touched by the kernel, after
 * the addon asked for transparent huge pages on it (native/src/addon.cc `hugepage_hint`): 512x
 * fewer faults. Every native kernel writes all of its output.
 */
const UNINITIALISED_MIN = (4 << 20) / 4;

function uninitialisedFloat32(n: number): Float32Array {
  const bytes = Buffer.allocUnsafeSlow(n * 4); // not from Node's small-buffer pool: its own ArrayBuffer
  return new Float32Array(bytes.buffer, bytes.byteOffset, n);
}

export class NativeBackend extends MathBackendCPU {
  /** Pooled buffers by length (most recently returned last) ... */
  private readonly free = new Map<number, Float32Array[]>();
  /** ... and all of them, oldest first (a Set iterates in insertion order). */
  private readonly age = new Set<Float32Array>();
  private readonly owned = new WeakSet<Float32Array>();
  private readonly escapedBuffers = new WeakSet<ArrayBufferLike>();
  private pooledBytes = 0;
  /** The pool's cap in bytes (TINYBERT_POOL_MB); lowering it takes effect at the next return. */
  maxPooledBytes: number;

  constructor() {
    super();
    // The CPU backend prints an "install tfjs-node" banner on first write; we are the fast path.
    (this as unknown as { firstUse: boolean }).firstUse = false;
    const mb = Number(process.env.TINYBERT_POOL_MB ?? defaultPoolMb());
    this.maxPooledBytes = (Number.isFinite(mb) && mb >= 0 ? mb : defaultPoolMb()) * 2 ** 20;
  }

  /** A float32 buffer of `n` elements for a kernel output; contents are arbitrary unless `zero`. */
  allocFloat32(n: number, zero = false): Float32Array {
    const reuse = this.free.get(n)?.pop();
    if (reuse) {
      this.age.delete(reuse);
      this.pooledBytes -= reuse.byteLength;
      if (zero) reuse.fill(0);
      return reuse;
    }
    const fresh = zero || n < UNINITIALISED_MIN ? new Float32Array(n) : uninitialisedFloat32(n);
    if (n > 0) this.owned.add(fresh);
    return fresh;
  }

  /** Bytes held by the pool for reuse (not counted by tf.memory()). */
  get pooledByteCount(): number {
    return this.pooledBytes;
  }

  /** Empties the pool (the buffers are garbage-collected). */
  releasePool(): void {
    this.free.clear();
    this.age.clear();
    this.pooledBytes = 0;
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const done = super.disposeData(dataId, force);
    if (done && values instanceof Float32Array && this.owned.has(values) && !this.data.has(dataId)) this.recycle(values);
    return done;
  }

  private recycle(values: Float32Array): void {
    if (this.escapedBuffers.has(values.buffer) || values.byteLength > this.maxPooledBytes) return;
    for (const old of this.age) {
      if (this.pooledBytes + values.byteLength <= this.maxPooledBytes) break;
      this.evict(old);
    }
    const list = this.free.get(values.length);
    if (list) list.push(values);
    else this.free.set(values.length, [values]);
    this.age.add(values);
    this.pooledBytes += values.byteLength;
  }

  /** Drops one pooled buffer (the garbage collector frees it). */
  private evict(values: Float32Array): void {
    const list = this.free.get(values.length)!;
    list.splice(list.indexOf(values), 1);
    if (list.length === 0) this.free.delete(values.length);
    this.age.delete(values);
    this.pooledBytes -= values.byteLength;
  }

  private escape(dataId: tf.DataId): void {
    const values = this.data.get(dataId)?.values;
    if (values instanceof Float32Array && this.owned.has(values)) {
      this.owned.delete(values);
      this.escapedBuffers.add(values.buffer);
    }
  }

  /**
   * After a cpu kernel ran: an output under a new data id whose array is one of ours, or a view
   * of one, shares memory with another tensor, so that memory must never be recycled.
   */
  noteFallbackOutputs(inputs: tf.TensorInfo[], outputs: tf.TensorInfo[]): void {
    for (const out of outputs) {
      if (inputs.some((i) => i.dataId === out.dataId)) continue; // same data, reference-counted
      const v = this.data.get(out.dataId)?.values;
      if (!(v instanceof Float32Array)) continue;
      for (const i of inputs) {
        const iv = this.data.get(i.dataId)?.values;
        if (iv instanceof Float32Array && iv.buffer === v.buffer && this.owned.has(iv)) this.escape(i.dataId);
      }
      if (this.owned.has(v)) this.escape(out.dataId);
    }
  }

  override readSync(dataId: tf.DataId): tf.backend_util.BackendValues {
    this.escape(dataId);
    return super.readSync(dataId);
  }

  override read(dataId: tf.DataId): Promise<tf.backend_util.BackendValues> {
    this.escape(dataId);
    return super.read(dataId);
  }

  override bufferSync<R extends tf.Rank, D extends tf.DataType>(t: tf.TensorInfo): tf.TensorBuffer<R, D> {
    this.escape(t.dataId);
    return super.bufferSync<R, D>(t);
  }
}
