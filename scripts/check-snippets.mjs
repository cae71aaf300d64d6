#!/usr/bin/env node
/**
 * Keeps the README's code snippets true: a fenced block right after `<!-- snippet: <path> -->` must appear,
 * verbatim, in that file. Part of `npm test`.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const documents = ['README.md'];
const marker = /<!-- snippet: (\S+) -->\n```\w*\n([\s\S]*?)```/g;

let checked = 0;
const stale = [];
for (const document of documents) {
  const text = readFileSync(join(root, document), 'utf8');
  for (const [, path, block] of text.matchAll(marker)) {
    checked += 1;
    if (!readFileSync(join(root, path), 'utf8').includes(block)) stale.push(`${document}: the snippet of ${path}`);
  }
}
if (stale.length > 0) {
  console.error(`Snippets that no longer match their source:\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
console.log(`${checked} README snippet(s) match their source files`);
