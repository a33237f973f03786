// A minimal event emitter with VS Code's `Event<T>` shape, for code that must also run without
// VS Code (the editor-free core is exercised from plain Node tests).

export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;
export type Event<T> = (listener: Listener<T>) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners = new Set<Listener<T>>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (e) {
        // One faulty listener must not stop the others or the caller.
        console.error(e);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
