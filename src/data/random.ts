/**
 * A small seeded pseudo-random generator for everything the data layer draws: splits, forget sets,
 * shuffling and augmentation.
 *
 * The generator is xoshiro128** (Blackman and Vigna), its state filled from the seed by a murmur3-style
 * mixer. Only 32-bit integer arithmetic (`Math.imul`, shifts, `>>> 0`) is used, so a seed gives the same
 * stream on every platform and Node version, which is what makes splits and runs reproducible.
 *
 * @module
 */

/** An array whose elements can be read and written by index: plain arrays and typed arrays. */
export interface MutableArrayLike<T> {
  readonly length: number;
  [index: number]: T;
}

/** 2^32, as a double. */
const TWO_32 = 4294967296;
/** The 32-bit golden ratio constant used to spread consecutive inputs. */
const GOLDEN = 0x9e3779b9;

/**
 * A deterministic random stream.
 *
 * Not cryptographic: use it for experiments, never for secrets.
 */
export class Random {
  /** The seed key (64 bits as two words); {@link fork} derives children from it, not from the state. */
  #key: readonly [number, number];
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  /**
   * @param seed - a non-negative safe integer; equal seeds give equal streams
   * @throws RangeError when the seed is not a non-negative safe integer
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    }
    this.#key = [seed >>> 0, Math.floor(seed / TWO_32) >>> 0];
    [this.#s0, this.#s1, this.#s2, this.#s3] = expandKey(this.#key);
  }

  /** Creates a stream directly from a 64-bit key (how {@link fork} makes children). */
  static #fromKey(key: readonly [number, number]): Random {
    const random = new Random(0);
    random.#key = key;
    [random.#s0, random.#s1, random.#s2, random.#s3] = expandKey(key);
    return random;
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const s0 = this.#s0;
    const s1 = this.#s1;
    const s2 = this.#s2 ^ s0;
    const s3 = this.#s3 ^ s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.#s1 = s1 ^ s2;
    this.#s0 = s0 ^ s3;
    this.#s2 = s2 ^ t;
    this.#s3 = rotl(s3, 11);
    return result;
  }

  /** Next float, uniform in [0, 1), with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / TWO_32;
  }

  /**
   * Next integer, uniform in [0, n), without modulo bias (rejection sampling).
   *
   * @param n - an integer in 1..2^32
   * @throws RangeError when n is out of range
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32)
      throw new RangeError(`nextInt bound must be an integer in 1..2^32, got ${n}`);
    // Values at or above the largest multiple of n below 2^32 would favour small results.
    const limit = TWO_32 - (TWO_32 % n);
    let u = this.nextUint32();
    while (u >= limit) u = this.nextUint32();
    return u % n;
  }

  /**
   * Shuffles an array in place (Fisher-Yates, from the last element down).
   *
   * @param array - a plain or typed array
   * @returns the same array
   */
  shuffle<A extends MutableArrayLike<unknown>>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /**
   * A random permutation of 0..n-1.
   *
   * @param n - length
   */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }

  /**
   * k distinct elements drawn without replacement, in the order drawn.
   *
   * @param array - the population
   * @param k - how many to draw, 0..array.length
   * @throws RangeError when k is out of range
   */
  sample<T>(array: ArrayLike<T>, k: number): T[] {
    const n = array.length;
    if (!Number.isInteger(k) || k < 0 || k > n)
      throw new RangeError(`sample size must be an integer in 0..${n}, got ${k}`);
    // A partial Fisher-Yates over positions: the first k slots end up a uniform k-subset, in draw order.
    const positions = new Int32Array(n);
    for (let i = 0; i < n; i++) positions[i] = i;
    const out = new Array<T>(k);
    for (let i = 0; i < k; i++) {
      const j = i + this.nextInt(n - i);
      const pick = positions[j];
      positions[j] = positions[i];
      positions[i] = pick;
      out[i] = array[pick];
    }
    return out;
  }

  /**
   * An independent stream derived from this one's seed and a label.
   *
   * The child depends only on the seed (and the labels of the forks leading to it), not on how many
   * numbers this stream has drawn, so `new Random(7).fork('epoch-3')` is the same stream wherever it
   * is created: a resumed run draws what the uninterrupted one would have.
   *
   * @param label - any string naming the purpose of the child stream
   */
  fork(label: string): Random {
    const key = this.#key;
    const h0 = hashString(label, 0x243f6a88);
    const h1 = hashString(label, 0x85a308d3);
    return Random.#fromKey([mix32(key[0] ^ h0) ^ rotl(key[1], 13), mix32(key[1] ^ h1 ^ GOLDEN) ^ rotl(key[0], 7)]);
  }
}

/** Rotates a 32-bit word left. */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** murmur3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Fills the four xoshiro state words from a 64-bit key, never all zero (xoshiro's one bad state). */
function expandKey(key: readonly [number, number]): [number, number, number, number] {
  const state: [number, number, number, number] = [0, 0, 0, 0];
  let z = key[0];
  for (let i = 0; i < 4; i++) {
    z = (z + GOLDEN) | 0;
    state[i] = mix32(z ^ mix32((key[1] + Math.imul(i + 1, 0x6c8e9cf5)) | 0));
  }
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = GOLDEN;
  return state;
}

/** A seeded 32-bit hash of a string's UTF-16 code units (FNV-1a, then mixed). */
function hashString(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h ^ text.length);
}
