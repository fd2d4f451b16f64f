// Delivery of store events to the listeners of one process; any backend publishes through it.
import type { StoreEvent } from './store.js';

export type StoreListener = (event: StoreEvent) => void;

/** A set of listeners where one that throws neither stops the others nor reaches the writer. */
export class ListenerSet {
  readonly #listeners = new Set<StoreListener>();

  add(listener: StoreListener): () => void {
    // Wrapped so that the same function subscribed twice is called twice and unsubscribes independently.
    const entry: StoreListener = (event) => listener(event);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  get size(): number {
    return this.#listeners.size;
  }

  emit(event: StoreEvent): void {
    // A snapshot, so listeners may subscribe or unsubscribe while being called.
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        // The write already committed; the failure belongs to the listener, so it is reported, not thrown.
        process.emitWarning(`a store event listener threw on ${JSON.stringify(event)}: ${String(err)}`, 'StoreListenerWarning');
      }
    }
  }
}
