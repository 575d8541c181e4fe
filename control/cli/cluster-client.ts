/** An admin API client for a local cluster, built from its state dir (no kubeconfig parsing). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from '../client/index.js';
import type { ClusterConfig } from './cluster-config.js';
import { clusterPaths } from './cluster-config.js';

export function adminClient(cfg: ClusterConfig, timeoutMs = 5_000): ApiClient {
  const pki = clusterPaths(cfg).pkiDir;
  return new ApiClient({
    server: `https://127.0.0.1:${cfg.securePort}`,
    ca: readFileSync(join(pki, 'ca.crt'), 'utf8'),
    cert: readFileSync(join(pki, 'admin.crt'), 'utf8'),
    key: readFileSync(join(pki, 'admin.key'), 'utf8'),
    timeoutMs,
  });
}

export async function readyz(cfg: ClusterConfig): Promise<{ ok: boolean; detail: string }> {
  let client: ApiClient | undefined;
  try {
    client = adminClient(cfg, 3_000);
    const res = await client.request('GET', '/readyz');
    return { ok: res.status === 200, detail: res.text().trim() };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  } finally {
    client?.close();
  }
}
