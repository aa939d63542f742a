/**
 * Where a process's resident memory is, from /proc/self/smaps (Linux): glibc's main heap, anonymous
 * mappings (V8's heap, glibc's thread arenas and large mmap-ed blocks), and file-backed pages (code).
 *
 * @module
 */

import { readFileSync } from 'node:fs';

/** Resident MiB by kind of mapping; null fields where /proc is not available. */
export interface RssBreakdown {
  /** glibc's main arena (`[heap]`, grown by brk). */
  heapMiB: number;
  /** Anonymous mappings: V8's heap, thread arenas, blocks above malloc's mmap threshold. */
  anonMiB: number;
  /** File-backed mappings (libtorch, node, ...). */
  fileMiB: number;
}

/** Splits the current RSS by mapping kind; null when /proc/self/smaps cannot be read. */
export function rssBreakdown(): RssBreakdown | null {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return null;
  }
  let kind: keyof RssBreakdown = 'anonMiB';
  const kb = { heapMiB: 0, anonMiB: 0, fileMiB: 0 };
  for (const line of text.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) {
      const path = line.split(/\s+/).slice(5).join(' ');
      kind =
        path === '[heap]'
          ? 'heapMiB'
          : path === '' || path.startsWith('[anon')
            ? 'anonMiB'
            : path.startsWith('/')
              ? 'fileMiB'
              : 'anonMiB';
    } else if (line.startsWith('Rss:')) {
      kb[kind] += Number(line.split(/\s+/)[1]);
    }
  }
  const mib = (value: number): number => Math.round((value / 1024) * 10) / 10;
  return { heapMiB: mib(kb.heapMiB), anonMiB: mib(kb.anonMiB), fileMiB: mib(kb.fileMiB) };
}
