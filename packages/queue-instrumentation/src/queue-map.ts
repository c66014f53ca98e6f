/**
 * Values by messaging system and queue name, found without building a key string per job (a
 * fresh string is allocated and hashed on every lookup; the two names are strings the queue
 * library already holds).
 */
export class QueueMap<T> {
  private readonly systems = new Map<string, Map<string, T>>();

  get(system: string, queue: string): T | undefined {
    return this.systems.get(system)?.get(queue);
  }

  set(system: string, queue: string, value: T): void {
    let queues = this.systems.get(system);
    if (!queues) {
      queues = new Map();
      this.systems.set(system, queues);
    }
    queues.set(queue, value);
  }

  *values(): IterableIterator<T> {
    for (const queues of this.systems.values()) yield* queues.values();
  }
}
