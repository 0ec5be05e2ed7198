/**
 * Closes connections that send no request within a limit. A server sets each socket's own
 * timer too, but that timer has been seen not to fire on a loaded machine (one connection in
 * five left open for good); this sweep, once a second, closes whatever has waited past the
 * limit without a request, whatever the timers do.
 */
import type { Socket } from 'node:net';

export class IdleSweeper {
  /** Connections that have not sent a request yet, with when they came, oldest first. */
  private readonly waiting = new Map<Socket, number>();
  private timer?: ReturnType<typeof setInterval>;

  constructor(private readonly limitMs: number) {}

  start(): void {
    this.timer ??= setInterval(() => this.sweep(Date.now()), 1_000);
    this.timer.unref();
  }

  /** A new connection: closed unless it sends a request within the limit. */
  add(socket: Socket): void {
    this.waiting.set(socket, Date.now());
    socket.once('close', () => this.waiting.delete(socket));
  }

  /** The connection sent a request: its request's own timeouts take over. */
  served(socket: Socket): void {
    this.waiting.delete(socket);
  }

  sweep(now: number): void {
    for (const [socket, since] of this.waiting) {
      if (now - since <= this.limitMs) break;
      this.waiting.delete(socket);
      socket.destroy();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.waiting.clear();
  }
}
