/**
 * The components of the cluster example (user modules, loaded by the peers from this file).
 *
 * `WebBackend` serves a line of text over HTTP on 127.0.0.1 (port `port`, 0 for any free one)
 * and publishes itself in the state space under `stateName` as `{name, peer, url}` while it
 * runs. `BackendConfig` observes `stateName` and keeps the file `file` (relative to its peer's
 * working directory) listing the live backends, one `server` line each, in the style of a load
 * balancer's upstream block; it rewrites the file (atomically) whenever a backend comes or goes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rename, writeFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { Prim, type Observation, type PublishedState } from 'frogpond';

export class WebBackend extends Prim {
  private server?: Server;
  private published?: PublishedState;

  protected override async start(): Promise<void> {
    const label = this.resolveString('label', this.name);
    const server = createServer((_req, res) => res.end(`hello from ${label} on peer ${this.host.peer}\n`));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.resolveInteger('port', 0), '127.0.0.1', () => resolve());
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    this.sfReplaceAttribute('url', url);
    this.published = this.stateSpace.publish(this.resolveString('stateName'), { name: label, peer: this.host.peer, url });
    this.log(`serving ${url}`);
  }

  protected override async terminate(): Promise<void> {
    this.published?.withdraw();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export class BackendConfig extends Prim {
  private observation?: Observation;
  private writing: Promise<void> = Promise.resolve();

  protected override async start(): Promise<void> {
    const rewrite = () => void this.rewrite();
    this.observation = this.stateSpace.observe(this.resolveString('stateName'), { added: rewrite, changed: rewrite, removed: rewrite });
    await this.rewrite();
  }

  private rewrite(): Promise<void> {
    // One write at a time, each with the providers visible when it starts.
    this.writing = this.writing.then(async () => {
      if (this.isTerminating || !this.observation) return;
      const backends = this.observation
        .providers()
        .map((p) => p.value as { name?: string; peer?: string; url?: string })
        .filter((v) => typeof v?.url === 'string')
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
      const lines = ['# written by frogpond (examples/cluster): the live backends', 'upstream backends {'];
      for (const b of backends) lines.push(`    server ${new URL(b.url!).host};  # ${b.name} on peer ${b.peer}`);
      lines.push('}', '');
      const file = resolvePath(this.host.workingDirectory, this.resolveString('file'));
      await writeFile(`${file}.tmp`, lines.join('\n'));
      await rename(`${file}.tmp`, file);
      this.sfReplaceAttribute('backends', backends.length);
      this.log(`${file}: ${backends.length} backends (${backends.map((b) => b.name).join(', ') || 'none'})`);
    });
    return this.writing.catch((e) => this.log(`cannot write the configuration: ${e instanceof Error ? e.message : String(e)}`));
  }

  protected override async terminate(): Promise<void> {
    this.observation?.close();
    this.observation = undefined;
  }
}
