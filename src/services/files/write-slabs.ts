/**
 * Memory for the receiver's file writes: slabs of 2 MiB that start on a
 * 4096-byte boundary, as O_DIRECT wants (the address, the file offset and
 * the length of each write a multiple of the block size). JavaScript cannot
 * ask for aligned memory, but a WebAssembly.Memory starts on a page
 * boundary (V8 maps it with 64 KiB alignment), so slabs are cut from those.
 * Where WebAssembly is missing (node --jitless) slabs are plain buffers and
 * `aligned` is false: files then go through the page cache. A slab that
 * turns out not to be aligned costs nothing worse: PartWriter probes a
 * direct write before using one.
 */

/** Block size that direct writes are aligned to: covers 512-byte and 4 KiB sectors. */
export const BLOCK = 4096;
/** Bytes of one slab: one write to the disk. */
export const SLAB_SIZE = 2 * 1024 * 1024;
const WASM_PAGE = 64 * 1024;
/** Slabs cut from one WebAssembly.Memory: what one PartWriter uses. */
const SLABS_PER_MEMORY = 4;
/** Free slabs kept for the next file; more are left to the garbage collector. */
const KEEP_FREE = 8;

interface WasmMemoryConstructor {
  new (descriptor: { initial: number; maximum: number }): { buffer: ArrayBuffer };
}

const Memory = (globalThis as { WebAssembly?: { Memory?: WasmMemoryConstructor } }).WebAssembly
  ?.Memory;

/** Hands out write slabs and takes them back for the next file. */
export class SlabPool {
  private readonly free: Buffer[] = [];
  /** True while slabs come from WebAssembly memory (aligned to BLOCK). */
  aligned = Memory !== undefined;

  take(): Buffer {
    const slab = this.free.pop();
    if (slab !== undefined) return slab;
    this.grow();
    return this.free.pop()!;
  }

  give(slab: Buffer): void {
    if (this.free.length < KEEP_FREE) this.free.push(slab);
  }

  private grow(): void {
    if (this.aligned) {
      try {
        const pages = (SLAB_SIZE * SLABS_PER_MEMORY) / WASM_PAGE;
        const { buffer } = new Memory!({ initial: pages, maximum: pages });
        for (let i = 0; i < SLABS_PER_MEMORY; i++) {
          this.free.push(Buffer.from(buffer, i * SLAB_SIZE, SLAB_SIZE));
        }
        return;
      } catch {
        // Out of address space for WebAssembly: plain buffers from now on.
        this.aligned = false;
      }
    }
    this.free.push(Buffer.allocUnsafeSlow(SLAB_SIZE));
  }
}

/** The pool the receiver's PartWriters share. */
export const writeSlabs = new SlabPool();
