import type { Command } from 'ioredis';

/** What ioredis' own commandTimeout rejects with, so callers see the same error either way. */
export const COMMAND_TIMED_OUT = 'Command timed out';

/**
 * A command timeout for one connection to a single Redis, with one timer instead of one per command.
 * ioredis' `commandTimeout` arms and clears a timer for every command: at a thousand messages a second that
 * was a measurable part of a worker's CPU per message (bench/README.md). A connection's commands are answered
 * in the order they were sent, so looking at the oldest unanswered ones is enough: a command still unanswered
 * `timeoutMs` after it was sent (up to a tick later) is rejected, as commandTimeout would. Its reply, if it
 * ever comes, is then ignored (ioredis settles a command once). The timer runs only while commands are out.
 */
export class CommandDeadlines {
  private commands: Command[] = [];
  private sentAt: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly tickMs: number;

  constructor(private readonly timeoutMs: number) {
    this.tickMs = Math.max(10, Math.min(100, Math.floor(timeoutMs / 10)));
  }

  /** Track a command just sent. */
  add(command: Command): void {
    this.commands.push(command);
    this.sentAt.push(performance.now());
    this.timer ??= setTimeout(() => this.tick(), this.tickMs);
  }

  /** Commands sent and neither answered nor timed out yet (for tests and metrics). */
  get pending(): number {
    let n = 0;
    for (let i = this.head; i < this.commands.length; i++) if (!this.commands[i]!.isResolved) n++;
    return n;
  }

  private tick(): void {
    this.timer = undefined;
    const expired = performance.now() - this.timeoutMs;
    const { commands, sentAt } = this;
    let i = this.head;
    for (; i < commands.length; i++) {
      const command = commands[i]!;
      if (command.isResolved) continue;
      if (sentAt[i]! > expired) break;
      // Rejecting an already rejected command (an error reply) does nothing.
      command.reject(new Error(COMMAND_TIMED_OUT));
    }
    // Answered commands behind the first unanswered one stay until it is answered or expires: replies come in
    // order, so that is at most one timeout's worth, and only while Redis is slow.
    this.head = i;
    if (this.head === commands.length) {
      this.commands = [];
      this.sentAt = [];
      this.head = 0;
      return;
    }
    if (this.head > 1024 && this.head * 2 > commands.length) {
      this.commands = commands.slice(this.head);
      this.sentAt = sentAt.slice(this.head);
      this.head = 0;
    }
    this.timer = setTimeout(() => this.tick(), this.tickMs);
  }

  /** Stop the timer (the connection is closing for good). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
