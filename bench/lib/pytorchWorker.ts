/**
 * The PyTorch side of the engine benchmark: a long-lived bench/lib/pytorch_worker.py process that runs
 * timed chunks of training or inference on request, so they can alternate with tmu's chunks.
 *
 * @module
 */

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Chunk, EngineRunner, ModelName } from './common.js';

/** What the worker answers to `setup`. */
export interface PyTorchInfo {
  torchVersion: string;
  threads: number;
  samples: number;
}

interface Reply {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

/** A running pytorch_worker.py; one request at a time. */
export class PyTorchWorker implements EngineRunner {
  readonly name = 'pytorch';
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void }[] = [];
  /** The worker's torch version, once a setup has answered. */
  torchVersion: string | null = null;
  #stderr = '';
  #exited: Error | null = null;

  /**
   * @param python - the interpreter (Debian's python3-torch imports only from /usr/bin/python3)
   * @param script - path of pytorch_worker.py
   */
  constructor(python: string, script: string) {
    // The environment is inherited: the same OPENBLAS_NUM_THREADS and malloc tunables as tmu's process.
    this.#child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (text: string) => {
      this.#stderr = (this.#stderr + text).slice(-4000);
    });
    const fail = (error: Error): void => {
      this.#exited ??= error;
      for (const waiter of this.#pending.splice(0)) waiter.reject(error);
    };
    this.#child.on('error', (error) => fail(new Error(`cannot start ${python}: ${error.message}`)));
    this.#child.on('exit', (code, signal) => {
      const tail = this.#stderr.trim().split('\n').slice(-3).join(' | ');
      const hint = /No module named '(torch|numpy)'/.test(this.#stderr)
        ? ` (install Debian's python3-torch and python3-numpy: bash scripts/setup.sh --test; --python names another interpreter)`
        : '';
      fail(new Error(`the PyTorch worker exited (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}${hint}`));
    });
    // A closed pipe surfaces through 'exit' with the worker's own message.
    this.#child.stdin.on('error', () => undefined);
    const lines = createInterface({ input: this.#child.stdout });
    lines.on('line', (line) => {
      const waiter = this.#pending.shift();
      if (waiter === undefined) return;
      try {
        waiter.resolve(JSON.parse(line) as Reply);
      } catch {
        waiter.reject(new Error(`the PyTorch worker printed a non-JSON line: ${line.slice(0, 200)}`));
      }
    });
  }

  async #request(message: Record<string, unknown>): Promise<Reply> {
    if (this.#exited) throw this.#exited;
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#child.stdin.write(`${JSON.stringify(message)}\n`);
    });
    if (!reply.ok) throw new Error(`PyTorch worker: ${String(reply.error)}`);
    return reply;
  }

  /** Loads the data and builds the model and optimizer (replacing any previous ones). */
  async setup(options: {
    model: ModelName;
    threads: number;
    seed: number;
    batch: number;
    dataDir: string;
  }): Promise<PyTorchInfo> {
    const reply = await this.#request({
      cmd: 'setup',
      model: options.model,
      threads: options.threads,
      seed: options.seed,
      batch: options.batch,
      data: options.dataDir,
    });
    this.torchVersion = String(reply.torchVersion);
    return { torchVersion: this.torchVersion, threads: Number(reply.threads), samples: Number(reply.samples) };
  }

  async train(seconds: number, warmup: number): Promise<Chunk> {
    return toChunk(await this.#request({ cmd: 'train', seconds, warmup }));
  }

  async infer(seconds: number, warmup: number): Promise<Chunk> {
    return toChunk(await this.#request({ cmd: 'infer', seconds, warmup }));
  }

  /** Asks the worker to exit and waits for it (kills it after 5 s). */
  async close(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

function toChunk(reply: Reply): Chunk {
  const chunk: Chunk = {
    steps: Number(reply.steps),
    images: Number(reply.images),
    seconds: Number(reply.seconds),
    cpuSeconds: Number(reply.cpuSeconds),
  };
  if (typeof reply.loss === 'number') chunk.loss = reply.loss;
  return chunk;
}
