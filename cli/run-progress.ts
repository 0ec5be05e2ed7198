/**
 * How `frog run` shows progress: output of components (Echo, Exec) goes to standard
 * output as it comes; lifecycle events go to standard error, as a live tree of components
 * and their states on a terminal, one event a line otherwise; with `--json`, every event is
 * a JSON line on standard output. `--quiet` shows only the output and failures, `--verbose`
 * every event as a line with all its details.
 */
import { formatEventLine, type RuntimeEvent } from '../runtime/host/events.js';
import type { Io } from './io.js';

export interface ProgressView {
  event(e: RuntimeEvent): void;
  /** Stops redrawing; leaves the final tree on screen. */
  close(): void;
}

function clock(time: number): string {
  return new Date(time).toISOString().slice(11, 23);
}

/** `--json`: one JSON object a line, every event. */
export class JsonProgress implements ProgressView {
  constructor(private readonly io: Io) {}

  event(e: RuntimeEvent): void {
    this.io.stdout(JSON.stringify(e) + '\n');
  }

  close(): void {}
}

/** Output lines on stdout/stderr; every other event as one line on stderr. */
export class LineProgress implements ProgressView {
  constructor(private readonly io: Io) {}

  event(e: RuntimeEvent): void {
    if (e.event === 'output') {
      (e.stream === 'stderr' ? this.io.stderr : this.io.stdout)(`${e.text ?? ''}\n`);
      return;
    }
    this.io.stderr(`${clock(e.time)} ${formatEventLine(e)}\n`);
  }

  close(): void {}
}

/** `--quiet`: what the components print, and failures; no lifecycle lines. */
export class QuietProgress implements ProgressView {
  constructor(private readonly io: Io) {}

  event(e: RuntimeEvent): void {
    if (e.event === 'output') (e.stream === 'stderr' ? this.io.stderr : this.io.stdout)(`${e.text ?? ''}\n`);
    else if (e.event === 'failed') this.io.stderr(`${clock(e.time)} ${formatEventLine(e)}\n`);
  }

  close(): void {}
}

/** The fields of an event that its line does not already show. */
const SHOWN = new Set(['time', 'peer', 'event', 'subject', 'record', 'stream', 'text', 'type']);

/**
 * `--verbose`: every event as one line, on a terminal too, with the peer, the component type
 * and every other detail the event carries (`key=value`, values as JSON).
 */
export class VerboseProgress implements ProgressView {
  constructor(private readonly io: Io) {}

  event(e: RuntimeEvent): void {
    if (e.event === 'output') (e.stream === 'stderr' ? this.io.stderr : this.io.stdout)(`${e.text ?? ''}\n`);
    const details = Object.entries(e)
      .filter(([k, v]) => !SHOWN.has(k) && v !== undefined)
      .map(([k, v]) => ` ${k}=${JSON.stringify(v)}`)
      .join('');
    this.io.stderr(`${clock(e.time)} ${e.peer} ${formatEventLine(e)}${e.type ? ` (${e.type})` : ''}${details}\n`);
  }

  close(): void {}
}

const STATE_COLOURS: Record<string, string> = {
  deploying: '\x1b[36m',
  deployed: '\x1b[36m',
  starting: '\x1b[33m',
  running: '\x1b[32m',
  terminating: '\x1b[33m',
  terminated: '\x1b[2m',
  failed: '\x1b[31;1m',
  recovering: '\x1b[35m',
};
const RESET = '\x1b[0m';
const MAX_ROWS = 30;

/**
 * A live tree on a terminal: each component on its own line, indented by depth, with its
 * state and its last note; redrawn in place at most every 50 ms. Output and notes are
 * printed above the tree.
 */
export class TreeProgress implements ProgressView {
  private readonly rows = new Map<string, { state: string; note: string }>();
  private drawnLines = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly colour: boolean;

  constructor(private readonly io: Io) {
    this.colour = !io.env.NO_COLOR;
  }

  event(e: RuntimeEvent): void {
    if (e.event === 'output') {
      this.clear();
      (e.stream === 'stderr' ? this.io.stderr : this.io.stdout)(`${e.text ?? ''}\n`);
      this.draw();
      return;
    }
    const row = this.rows.get(e.subject) ?? { state: '', note: '' };
    if (e.event === 'log') row.note = e.text ?? '';
    else if (!(e.event in STATE_COLOURS) && typeof e.text === 'string') {
      // A component event that is not a state (`provider-added`, ...): shown as a note.
      row.note = `${e.event} ${e.text}`;
    } else {
      row.state = e.event;
      if (e.record && e.event !== 'terminating') row.note = e.record.type === 'normal' ? e.record.reason : `${e.record.type}: ${e.record.reason}`;
    }
    this.rows.set(e.subject, row);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.clear();
      this.draw();
    }, 50);
  }

  private clear(): void {
    if (this.drawnLines) this.io.stderr(`\x1b[${this.drawnLines}A\x1b[J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    const entries = [...this.rows.entries()];
    const shown = entries.slice(0, MAX_ROWS);
    const lines = shown.map(([path, { state, note }]) => {
      const depth = path.split(':').length - 1;
      const name = path.split(':').pop() ?? path;
      const s = this.colour ? `${STATE_COLOURS[state] ?? ''}${state}${RESET}` : state;
      const trimmed = note.length > 80 ? note.slice(0, 77) + '...' : note;
      return `${'  '.repeat(depth)}${name}  ${s}${trimmed ? `  ${trimmed}` : ''}`;
    });
    if (entries.length > shown.length) lines.push(`... and ${entries.length - shown.length} more components`);
    if (!lines.length) return;
    this.io.stderr(lines.join('\n') + '\n');
    this.drawnLines = lines.length;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.clear();
    this.draw();
  }
}
