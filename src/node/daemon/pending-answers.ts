/**
 * Offers waiting for a person's yes or no (in the web UI, say), by transfer
 * ID. An offer nobody answers is declined after `timeoutMs`.
 */
export class PendingAnswers {
  private readonly waiting = new Map<
    string,
    { resolve: (yes: boolean) => void; timer: NodeJS.Timeout }
  >();

  constructor(private readonly timeoutMs: number) {}

  /** Resolves with the answer to `id`, or false after the timeout. */
  ask(id: string): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => this.answer(id, false), this.timeoutMs);
      timer.unref();
      this.waiting.set(id, { resolve, timer });
    });
  }

  /** Answers `id`; false if nothing waits for that answer. */
  answer(id: string, yes: boolean): boolean {
    const entry = this.waiting.get(id);
    if (entry === undefined) return false;
    this.drop(id);
    entry.resolve(yes);
    return true;
  }

  /** Forgets the question (its transfer ended another way). */
  drop(id: string): void {
    clearTimeout(this.waiting.get(id)?.timer);
    this.waiting.delete(id);
  }
}
