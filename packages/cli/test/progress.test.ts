/** The progress printer: a bar redrawn in place on a TTY, one line per job change otherwise. */
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createProgressPrinter, shortTableName } from '../src/progress.js';

/** A stream that keeps what was written, as a TTY or not. */
function capture(isTTY: boolean) {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => text };
}

const jobs = (states: string[]) =>
  states.map((state, i) => ({
    token: `t${i}`,
    state,
    table: `prod_pre_aggregations.orders_by_month2024010${i + 1}_abc_def_ghi`,
  }));

describe('createProgressPrinter', () => {
  test('not a TTY: one line per job and change, nothing repeated', () => {
    const out = capture(false);
    const printer = createProgressPrinter(out.stream, '');
    printer.update(jobs(['scheduled', 'processing']), 100);
    printer.update(jobs(['scheduled', 'processing']), 200);
    printer.update(jobs(['done', 'processing']), 300);
    printer.end();
    expect(
      out
        .text()
        .split('\n')
        .filter(Boolean)
        .map((line) => line.replace(/\s+/g, ' ')),
    ).toEqual([
      'orders_by_month20240101 scheduled',
      'orders_by_month20240102 processing',
      'orders_by_month20240101 done',
    ]);
  });

  test('a TTY: the bar is redrawn in place, and the line ends once', () => {
    const out = capture(true);
    const printer = createProgressPrinter(out.stream, '');
    printer.update(jobs(['done', 'processing']), 1500);
    printer.update(jobs(['done', 'done']), 2500);
    printer.end();
    const text = out.text();
    expect(text).toContain('\r[############............] 1/2  done 1, processing 1  (1.5 s)\x1b[K');
    expect(text).toContain('\r[########################] 2/2  done 2  (2.5 s)\x1b[K');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
  });

  test('shortTableName drops the schema and the version suffixes', () => {
    expect(shortTableName('prod_pre_aggregations.orders_by_month20240101_abc_def_ghi')).toBe('orders_by_month20240101');
    expect(shortTableName(undefined)).toBe('(unknown table)');
  });
});
