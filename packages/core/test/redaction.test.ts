import { describe, expect, test } from 'vitest';
import { createCubeJobsClient, CubeJobsError } from '../src/index.js';
import { json, scriptedFetch, selector } from './helpers.js';

const API_SECRET = 'redaction-test-api-secret-0123456789';

/** Everything an error could leak through: message, stack, enumerable fields, and the cause chain. */
function everythingIn(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth += 1) {
    if (current instanceof Error) {
      parts.push(
        current.message,
        current.stack ?? '',
        JSON.stringify(current),
        JSON.stringify(Object.entries(current)),
      );
      current = current.cause;
    } else {
      parts.push(JSON.stringify(current));
      current = undefined;
    }
  }
  return parts.join('\n');
}

describe('redaction', () => {
  test.each([
    [
      'a 400 body echoing the Authorization header',
      (auth: string) => json(400, { error: `bad header ${auth}`, echo: { authorization: auth } }),
    ],
    ['a 500 body quoting the JWT', (auth: string) => json(500, { error: `TypeError: cannot verify ${auth}` })],
    ['a 200 body of the wrong shape that contains the JWT', (auth: string) => json(200, { token: auth })],
    [
      'a connection error whose cause quotes the header',
      (auth: string) => {
        throw new TypeError('fetch failed', {
          cause: new Error(`socket hang up while sending Authorization: ${auth}`),
        });
      },
    ],
    ['a non-JSON 403 page quoting the secret', () => new Response(`forbidden: secret ${API_SECRET}`, { status: 403 })],
  ])('%s leaks neither the API secret nor the JWT', async (_name, answer) => {
    let sentToken = '';
    const fetch = scriptedFetch((call) => {
      sentToken = call.headers.authorization as string;
      return answer(sentToken);
    });
    const cube = createCubeJobsClient({
      apiUrl: 'http://cube.test',
      apiSecret: API_SECRET,
      advanced: { fetch, maxRetries: 0 },
    });
    const error = await cube.triggerBuild(selector).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeJobsError);
    expect(sentToken).toMatch(/^eyJ/);
    const text = everythingIn(error);
    expect(text).not.toContain(sentToken);
    expect(text).not.toContain(API_SECRET);
    expect(text).not.toContain(sentToken.split('.')[2]);
    expect(text).toContain('[REDACTED]');
  });

  test('a static token is redacted from errors too', async () => {
    const token = 'static-opaque-token-abcdef';
    const fetch = scriptedFetch(() => json(403, { error: `Invalid token ${token}` }));
    const error = await createCubeJobsClient({ apiUrl: 'http://cube.test', token, advanced: { fetch } })
      .getJobStatuses(['a'])
      .catch((e: unknown) => e);
    expect(everythingIn(error)).not.toContain(token);
  });

  test("redact() cleans a caller's own log lines", () => {
    const cube = createCubeJobsClient({ apiUrl: 'http://cube.test', apiSecret: API_SECRET });
    expect(cube.redact(`secret=${API_SECRET} jwt=eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.sig`)).toBe(
      'secret=[REDACTED] jwt=[REDACTED]',
    );
  });
});
