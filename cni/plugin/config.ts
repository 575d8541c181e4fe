// Network configuration from stdin (SPEC.md "Network configuration format").
//
// Accepts the plugin config a runtime derives from a conflist (the usual case) and, for convenience, a whole
// conflist, from which it takes the tug-cni entry. Unknown keys are ignored (the spec requires pass-through).
// Error codes: undecodable JSON → 6, unsupported cniVersion → 1, a key we refuse to silently ignore → 2,
// anything missing or malformed → 7; each message names the key.
import type { Attachment } from '../ipam/disk-store.js';
import { parseSubnet, type Ipv4Subnet } from '../ipam/ipv4.js';
import { interfaceNameProblem } from './env.js';
import { CniError, CNI_ERRORS } from './errors.js';
import { isSupportedVersion, SUPPORTED_VERSIONS } from './version.js';

export interface DnsConfig {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  /** undefined only when `subnetProblem` says why (STATUS reports it as code 50; other commands fail with 7) */
  subnet?: Ipv4Subnet;
  subnetProblem?: string;
  bridge: string;
  mtu: number;
  /** root under which the network's own directory (<dataDir>/<name>) lives */
  dataDir: string;
  dns?: DnsConfig;
  prevResult?: Record<string, unknown>;
  /** `cni.dev/valid-attachments` (GC input) */
  validAttachments?: Attachment[];
}

export const DEFAULT_BRIDGE = 'cni0';
export const DEFAULT_MTU = 1500;
export const DEFAULT_DATA_DIR = '/var/lib/tug-cni/networks';
export const PLUGIN_TYPE = 'tug-cni';

const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (msg: string) => new CniError(CNI_ERRORS.INVALID_CONFIG, msg);

/** Reads only cniVersion, for error replies written before the full parse succeeds. */
export function peekVersion(stdin: string): string | undefined {
  try {
    const v = (JSON.parse(stdin) as Obj)['cniVersion'];
    return typeof v === 'string' && isSupportedVersion(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function pickPlugin(doc: Obj): Obj {
  const plugins = doc['plugins'];
  if (plugins === undefined) return doc;
  if (!Array.isArray(plugins)) throw bad('"plugins" must be an array');
  const mine = plugins.find((p) => isObject(p) && p['type'] === PLUGIN_TYPE);
  if (!isObject(mine)) throw bad(`the configuration list "${String(doc['name'])}" has no plugin of type "${PLUGIN_TYPE}"`);
  return { ...mine, cniVersion: doc['cniVersion'], name: doc['name'] };
}

function stringList(v: unknown, key: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(`"${key}" must be an array of strings`);
  return v as string[];
}

function parseDns(v: unknown): DnsConfig | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw bad('"dns" must be an object');
  const dns: DnsConfig = {};
  const nameservers = stringList(v['nameservers'], 'dns.nameservers');
  if (nameservers) dns.nameservers = nameservers;
  if (v['domain'] !== undefined) {
    if (typeof v['domain'] !== 'string') throw bad('"dns.domain" must be a string');
    dns.domain = v['domain'];
  }
  const search = stringList(v['search'], 'dns.search');
  if (search) dns.search = search;
  const options = stringList(v['options'], 'dns.options');
  if (options) dns.options = options;
  return dns;
}

function parseAttachments(v: unknown): Attachment[] | undefined {
  if (v === undefined) return undefined;
  const key = 'cni.dev/valid-attachments';
  if (!Array.isArray(v)) throw bad(`"${key}" must be an array of {containerID, ifname}`);
  return v.map((a, i) => {
    if (!isObject(a) || typeof a['containerID'] !== 'string' || typeof a['ifname'] !== 'string') {
      throw bad(`"${key}[${i}]" must be an object with string "containerID" and "ifname"`);
    }
    return { containerId: a['containerID'], ifname: a['ifname'] };
  });
}

export function parseNetConf(stdin: string): NetConf {
  let doc: unknown;
  try {
    doc = JSON.parse(stdin);
  } catch (err) {
    throw new CniError(CNI_ERRORS.DECODE_FAILURE, `network configuration on stdin is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new CniError(CNI_ERRORS.DECODE_FAILURE, 'network configuration on stdin must be a JSON object');

  const version = doc['cniVersion'];
  if (version === undefined) throw bad('"cniVersion" is required');
  if (typeof version !== 'string') throw bad('"cniVersion" must be a string');
  if (!isSupportedVersion(version)) {
    throw new CniError(
      CNI_ERRORS.INCOMPATIBLE_VERSION,
      `cniVersion "${version}" is not supported by ${PLUGIN_TYPE}`,
      `supported versions: ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  }
  const plugin = pickPlugin(doc);

  const name = plugin['name'];
  if (typeof name !== 'string' || name === '') throw bad('"name" is required');
  if (!NETWORK_NAME.test(name)) throw bad(`"name" "${name}" must start with a letter or digit and contain only letters, digits, '_', '.', '-'`);
  const type = plugin['type'];
  if (typeof type !== 'string' || type === '') throw bad('"type" is required');

  // Keys with a meaning we do not implement: refuse rather than silently ignore (code 2 names key and value).
  if (plugin['ipam'] !== undefined) {
    throw new CniError(CNI_ERRORS.UNSUPPORTED_FIELD, `unsupported field "ipam": ${JSON.stringify(plugin['ipam'])}`, 'tug-cni has built-in host-local style IPAM configured by "subnet"');
  }
  if (plugin['ipMasq'] === true) {
    throw new CniError(CNI_ERRORS.UNSUPPORTED_FIELD, 'unsupported field "ipMasq": true', 'masquerading is done by the node agent, not the CNI plugin');
  }

  const conf: NetConf = { cniVersion: version, name, type, bridge: DEFAULT_BRIDGE, mtu: DEFAULT_MTU, dataDir: DEFAULT_DATA_DIR };

  const subnet = plugin['subnet'];
  if (subnet === undefined || subnet === '') conf.subnetProblem = '"subnet" is required (the node\'s podCIDR, e.g. "10.244.1.0/24")';
  else if (typeof subnet !== 'string') conf.subnetProblem = '"subnet" must be a string';
  else {
    const parsed = parseSubnet(subnet);
    if (typeof parsed === 'string') conf.subnetProblem = `"subnet": ${parsed}`;
    else conf.subnet = parsed;
  }

  if (plugin['bridge'] !== undefined) {
    if (typeof plugin['bridge'] !== 'string') throw bad('"bridge" must be a string');
    const problem = interfaceNameProblem(plugin['bridge']);
    if (problem) throw bad(`"bridge" ${problem}`);
    conf.bridge = plugin['bridge'];
  }
  if (plugin['mtu'] !== undefined) {
    const mtu = plugin['mtu'];
    if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 68 || mtu > 65535) {
      throw bad(`"mtu" must be an integer from 68 to 65535, got ${JSON.stringify(mtu)}`);
    }
    conf.mtu = mtu;
  }
  if (plugin['dataDir'] !== undefined) {
    const dir = plugin['dataDir'];
    if (typeof dir !== 'string' || !dir.startsWith('/')) throw bad(`"dataDir" must be an absolute path, got ${JSON.stringify(dir)}`);
    conf.dataDir = dir;
  }
  const dns = parseDns(plugin['dns']);
  if (dns) conf.dns = dns;
  if (plugin['prevResult'] !== undefined) {
    if (!isObject(plugin['prevResult'])) throw bad('"prevResult" must be an object');
    conf.prevResult = plugin['prevResult'];
  }
  const valid = parseAttachments(plugin['cni.dev/valid-attachments']);
  if (valid) conf.validAttachments = valid;
  return conf;
}

/** The subnet, or code 7 naming the problem (every command but STATUS needs it). */
export function requireSubnet(conf: NetConf): Ipv4Subnet {
  if (!conf.subnet) throw bad(conf.subnetProblem ?? '"subnet" is required');
  return conf.subnet;
}
