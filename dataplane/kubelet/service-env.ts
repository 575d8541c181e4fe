/**
 * Docker-links style service environment variables (upstream pkg/kubelet/envvars): for each
 * Service with a ClusterIP in the pod's namespace (and `kubernetes` from default, always):
 *   WEB_SERVICE_HOST=10.96.0.20  WEB_SERVICE_PORT=80  WEB_SERVICE_PORT_HTTP=80
 *   WEB_PORT=tcp://10.96.0.20:80  WEB_PORT_80_TCP=tcp://10.96.0.20:80
 *   WEB_PORT_80_TCP_PROTO=tcp  WEB_PORT_80_TCP_PORT=80  WEB_PORT_80_TCP_ADDR=10.96.0.20
 */
import type { Service } from './pod-types.js';

function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

function hasClusterIP(s: Service): boolean {
  const ip = s.spec.clusterIP;
  return !!ip && ip !== 'None';
}

export function serviceEnv(services: readonly Service[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const sorted = [...services].filter(hasClusterIP).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const s of sorted) {
    const prefix = envName(s.metadata.name ?? '');
    const ip = s.spec.clusterIP!;
    const ports = s.spec.ports ?? [];
    if (!ports.length) continue;
    out.push([`${prefix}_SERVICE_HOST`, ip]);
    out.push([`${prefix}_SERVICE_PORT`, String(ports[0]!.port)]);
    for (const p of ports) if (p.name) out.push([`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
    const first = ports[0]!;
    const proto0 = (first.protocol ?? 'TCP').toLowerCase();
    out.push([`${prefix}_PORT`, `${proto0}://${ip}:${first.port}`]);
    for (const p of ports) {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      const base = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push([base, `${proto}://${ip}:${p.port}`]);
      out.push([`${base}_PROTO`, proto]);
      out.push([`${base}_PORT`, String(p.port)]);
      out.push([`${base}_ADDR`, ip]);
    }
  }
  return out;
}

/**
 * The services whose variables a pod gets: with enableServiceLinks (default true) every service
 * of its namespace; always the `kubernetes` service of `default`. A namespace service shadows
 * the master service of the same name (upstream order).
 */
export function servicesForPod(namespace: string, enableServiceLinks: boolean, inNamespace: readonly Service[], masterService: Service | undefined): Service[] {
  const byName = new Map<string, Service>();
  if (masterService) byName.set(masterService.metadata.name ?? '', masterService);
  if (enableServiceLinks) for (const s of inNamespace) if (s.metadata.namespace === namespace) byName.set(s.metadata.name ?? '', s);
  return [...byName.values()];
}
