// A component of your own (docs/getting-started.md): greets `who`, `times` times, then finishes.
import { Prim, type AttributeSchema } from 'frogpond';

export class Greeter extends Prim {
  // What it reads: `frog validate` checks descriptions against it, as it does the standard components' schemas.
  static attributes = {
    who: { type: 'string', required: true, description: 'whom to greet' },
    times: { type: 'integer', min: 1, description: 'how many greetings' },
  } satisfies AttributeSchema;

  protected override shouldTerminateByDefault = true; // finish once started, like a workflow step

  protected override async start(): Promise<void> {
    const who = this.resolveString('who');
    const times = this.resolveInteger('times', 1);
    for (let i = 1; i <= times; i++) this.output(`hello, ${who} (${i} of ${times})`);
    this.finished();
  }
}
