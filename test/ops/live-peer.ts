/**
 * A real networked peer in this process, for the operations tests: UDP multicast on loopback
 * (a group port of the test's own), TCP peer links, the signed control API and, when asked, the
 * HTTP listener, each on a free loopback port; a key file on disk for the CLI commands.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keyGenerateCommand } from '../../cli/commands/key/action.js';
import { memoryIo } from '../../cli/io.js';
import { getProfile } from '../../runtime/group/profiles.js';
import { readKeyFile } from '../../runtime/group/key-file.js';
import { assemble, type NetworkedPeer } from '../../runtime/peer/assemble.js';
import { createStandardRegistry } from '../../stdlib/index.js';
import { scratchDir } from '../support/scratch.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const hello = join(root, 'examples', 'hello.sf');

export interface LivePeer extends NetworkedPeer {
  dir: string;
  keyFile: string;
  control: string;
  http?: string;
  lines: string[];
}

export async function livePeer(name: string, groupPort: number, o: { http?: { listen: string; token?: string }; data?: boolean } = {}): Promise<LivePeer> {
  const dir = scratchDir(`ops-${name}-`);
  const keyFile = join(dir, 'group.key');
  await keyGenerateCommand({ file: keyFile }, memoryIo(dir));
  const key = await readKeyFile(keyFile);
  const lines: string[] = [];
  const assembled = await assemble({
    name,
    registry: createStandardRegistry(),
    workingDirectory: dir,
    data: o.data ? join(dir, 'data') : undefined,
    report: (line) => void lines.push(line),
    network: {
      id: groupPort % 2000,
      key,
      profile: getProfile('lan'),
      group: { group: '239.255.42.42', port: groupPort },
      interfaceAddress: '127.0.0.1',
      listen: '127.0.0.1:0',
      defaultListen: '127.0.0.1:0',
      http: o.http,
    },
  });
  if (typeof assembled === 'number') throw new Error(`the peer did not start (${assembled}): ${lines.join('; ')}`);
  return { ...assembled, dir, keyFile, control: assembled.peer.control, http: assembled.peer.httpListener, lines };
}

/** One GET: status, headers and body as text. */
export async function get(address: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://${address}${path}`, { headers, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}
