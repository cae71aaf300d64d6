/**
 * The trigger's answers, remembered by the worker process for a while, per workflow run and activity.
 *
 * A local activity runs again when the workflow task that ran it does not complete: the server answered
 * too late (overloaded), the task timed out, the worker lost its cache. The new task schedules the same
 * local activity (same run, same activity id), and Cube's jobs API has no idempotency key: without a
 * memory the selector is posted twice. Measured by the benchmark's fleet run before this existed: 13 of
 * 2,000 builds started at once posted twice, 212 of 5,000, every extra post with the same request id.
 * Only the worker that ran the first attempt remembers it; the workflow task usually comes back to it.
 *
 * @module
 */

/** How long an answer is remembered: far longer than a workflow task's retries take. */
const REMEMBER_MS = 15 * 60_000;

/** Most answers remembered at once (the oldest are forgotten first). */
const MOST_REMEMBERED = 100_000;

/**
 * An answer being posted, or the answer. Only a plain value is kept once it came: a promise made inside
 * an activity holds that activity's context (its logger, input and info) for as long as it is kept.
 */
type Remembered<T> = { readonly atMs: number } & ({ posting: Promise<T> } | { posting?: undefined; answer: T });

/** Posts through `post` once per key while remembered; a failed post is forgotten, so a retry posts. */
export function triggerMemo<T>() {
  const answers = new Map<string, Remembered<T>>();
  const forgetOld = () => {
    for (const [key, { atMs }] of answers) {
      if (Date.now() - atMs < REMEMBER_MS && answers.size <= MOST_REMEMBERED) break;
      answers.delete(key);
    }
  };
  return (key: string, post: () => Promise<T>): Promise<T> => {
    forgetOld();
    const remembered = answers.get(key);
    if (remembered) return remembered.posting ?? Promise.resolve(remembered.answer);
    const posting = post();
    const atMs = Date.now();
    answers.set(key, { atMs, posting });
    posting.then(
      (answer) => answers.set(key, { atMs, answer }),
      () => answers.delete(key),
    );
    return posting;
  };
}
