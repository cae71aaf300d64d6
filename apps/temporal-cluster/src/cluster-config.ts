/**
 * The cluster's configuration: the ports of its processes, the server configuration each process reads
 * (JSON, which is YAML), and the dynamic configuration they share.
 *
 * @module
 */
import { createServer } from 'node:net';
import type { StartedPostgres } from '@cube-jobs/sample-cube';

/** One server process: its name, the services it runs and the ports of its service. */
export interface ServiceProcess {
  readonly name: string;
  readonly service: 'frontend' | 'history' | 'matching' | 'worker';
  readonly grpcPort: number;
  readonly membershipPort: number;
  readonly httpPort?: number;
}

/** The dynamic configuration every service reads: what the integration uses, on. */
export function dynamicConfig(httpAddress: string): Record<string, unknown> {
  const on = [{ value: true }];
  return {
    'limit.maxIDLength': [{ value: 255 }],
    // Worker Deployment Versioning (rolling upgrades) and its APIs.
    'system.enableDeploymentVersions': on,
    'system.enableDeployments': on,
    'frontend.workerVersioningWorkflowAPIs': on,
    'frontend.workerVersioningDataAPIs': on,
    'frontend.workerVersioningRuleAPIs': on,
    // Nexus: the callback of an async operation reaches this cluster's frontend over HTTP.
    'component.nexusoperations.callback.endpoint.template': [
      { value: `http://${httpAddress}/namespaces/{{.NamespaceName}}/nexus/callback` },
    ],
    'callback.allowedAddresses': [{ value: [{ Pattern: '*', AllowInsecure: true }] }],
    // Tests register the namespace and its search attributes, then use them at once.
    'system.forceSearchAttributesCacheRefreshOnRead': on,
    'system.namespaceCacheRefreshInterval': [{ value: '1s' }],
  };
}

/** The server's configuration for one process (JSON is YAML). */
export function serverConfig(
  process: ServiceProcess,
  all: readonly ServiceProcess[],
  postgres: StartedPostgres,
  files: { readonly dynamicConfig: string; readonly log: string },
  historyShards: number,
): Record<string, unknown> {
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const frontend = all.find((p) => p.service === 'frontend');
  const rpc = (p: ServiceProcess) => ({
    rpc: {
      grpcPort: p.grpcPort,
      membershipPort: p.membershipPort,
      bindOnLocalHost: true,
      ...(p.httpPort === undefined ? {} : { httpPort: p.httpPort }),
    },
  });
  return {
    log: { stdout: false, level: 'warn', outputFile: files.log },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: historyShards,
      datastores: {
        'postgres-default': datastore('temporal', 20),
        'postgres-visibility': datastore('temporal_visibility', 4),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    // Every process lists every service (membership tracks those listed) and starts its own; a history
    // host lists its own ports, the others name the first host's (they find each host through membership).
    services: Object.fromEntries(
      all
        .filter(
          (p) =>
            p.service !== 'history' ||
            p === (process.service === 'history' ? process : all.find((h) => h.service === 'history')),
        )
        .map((p) => [p.service, rpc(p)]),
    ),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${frontend?.grpcPort}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: files.dynamicConfig, pollInterval: '10s' },
  };
}

/** Whether `port` can be bound on 127.0.0.1 now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port for membership (ringpop): below 32768, because Temporal's SQL schema keeps it in a
 * `smallint` column (an ephemeral port from the kernel makes every service exit with "value out of range").
 */
export async function freeMembershipPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!taken.has(port) && (await canBind(port))) {
      taken.add(port);
      return port;
    }
  }
}
