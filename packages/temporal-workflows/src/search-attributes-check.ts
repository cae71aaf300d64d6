/**
 * Whether a namespace has the cube-jobs search attributes registered: checked when a worker with
 * search attributes turned on starts, so a namespace without them fails there, never in a build.
 *
 * The check asks the visibility store to count builds by each attribute: that works on a dev server,
 * a self-hosted cluster and Temporal Cloud alike (the operator API that lists attributes is not served
 * by Cloud), and an attribute the namespace does not know makes the query invalid.
 *
 * @module
 */
import type { SearchAttributeType } from '@temporalio/common';
import { CUBE_JOBS_SEARCH_ATTRIBUTES, type AnySearchAttributeKey } from './search-attributes.js';

/** Every cube-jobs key: what the check looks for unless told otherwise. */
const ALL_KEYS: readonly AnySearchAttributeKey[] = Object.values(CUBE_JOBS_SEARCH_ATTRIBUTES);

/** What the check needs of a connection (a client `Connection` and a worker's `NativeConnection` both fit). */
export interface VisibilityConnection {
  readonly workflowService: {
    countWorkflowExecutions(request: { namespace: string; query: string }): Promise<unknown>;
  };
}

/** The Temporal CLI's name of each type, for `temporal operator search-attribute create --type`. */
const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** A list query that is valid exactly when the namespace knows `key` (with a type that takes the value). */
function probeQuery(key: AnySearchAttributeKey): string {
  return key.type === 'INT' || key.type === 'DOUBLE' ? `${key.name} = 0` : `${key.name} = 'cube-jobs-check'`;
}

/** gRPC's INVALID_ARGUMENT: the server's answer to a query naming an unknown search attribute. */
const INVALID_ARGUMENT = 3;

/**
 * The cube-jobs search attributes `namespace` lacks (empty when it has them all). Errors other than
 * the server rejecting a query (unreachable server, missing permission) are thrown as they are.
 */
export async function findMissingSearchAttributes(
  connection: VisibilityConnection,
  namespace: string,
  keys: readonly AnySearchAttributeKey[] = ALL_KEYS,
): Promise<AnySearchAttributeKey[]> {
  const missing: AnySearchAttributeKey[] = [];
  for (const key of keys) {
    try {
      await connection.workflowService.countWorkflowExecutions({ namespace, query: probeQuery(key) });
    } catch (error) {
      if ((error as { code?: unknown }).code !== INVALID_ARGUMENT) throw error;
      missing.push(key);
    }
  }
  return missing;
}

/**
 * The `temporal` CLI commands that register `keys` on `namespace` (a self-hosted cluster or a dev
 * server), one per type, joined with `&&`. Each names every attribute as a `--name X --type T` pair:
 * the CLI pairs the i-th `--name` with the i-th `--type` and silently ignores names without a type of
 * their own, so `--name A --name B --type T` registers only `A`.
 */
export function searchAttributesCreateCommand(
  namespace: string,
  keys: readonly AnySearchAttributeKey[] = ALL_KEYS,
): string {
  const byType = new Map<SearchAttributeType, AnySearchAttributeKey[]>();
  for (const key of keys) byType.set(key.type, [...(byType.get(key.type) ?? []), key]);
  return [...byType]
    .map(([type, sameType]) => {
      const pairs = sameType.map((key) => `--name ${key.name} --type ${CLI_TYPE_NAMES[type]}`).join(' ');
      return `temporal operator search-attribute create --namespace ${namespace} ${pairs}`;
    })
    .join(' && ');
}

/** Thrown at worker start when search attributes are turned on and the namespace lacks some of them. */
export class CubeJobsSearchAttributesMissingError extends Error {
  override readonly name = 'CubeJobsSearchAttributesMissingError';
  /** The attributes the namespace lacks, as `Name (Type)`. */
  readonly missing: readonly string[];

  constructor(namespace: string, missing: readonly AnySearchAttributeKey[]) {
    const listed = missing.map((key) => `${key.name} (${CLI_TYPE_NAMES[key.type]})`);
    const cloudPairs = missing.map((key) => `--sa "${key.name}=${CLI_TYPE_NAMES[key.type]}"`).join(' ');
    super(
      `cubeJobsPlugin: searchAttributes is on, but namespace "${namespace}" lacks ${listed.join(', ')}. ` +
        `Register them (self-hosted or dev server: \`${searchAttributesCreateCommand(namespace, missing)}\`, ` +
        `adding --address <host:port> to each when the server is not at localhost:7233; with SQL visibility ` +
        `(PostgreSQL, MySQL, SQLite) a namespace holds at most 10 Keyword and 3 of each other type, so a full ` +
        `one refuses them until an unused attribute is removed; Elasticsearch has no such limit. ` +
        `Temporal Cloud: \`tcld namespace search-attributes add --namespace ${namespace}.<account> ${cloudPairs}\` ` +
        `or the Cloud UI), or turn searchAttributes off.`,
    );
    this.missing = listed;
  }
}

/** Throws {@link CubeJobsSearchAttributesMissingError} when `namespace` lacks any cube-jobs search attribute. */
export async function assertSearchAttributesRegistered(
  connection: VisibilityConnection,
  namespace: string,
): Promise<void> {
  const missing = await findMissingSearchAttributes(connection, namespace);
  if (missing.length > 0) throw new CubeJobsSearchAttributesMissingError(namespace, missing);
}
