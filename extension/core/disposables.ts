// Every registration and resource is disposed: a store collects them and frees them in reverse order.
import type { Disposable } from './emitter';

export class DisposableStore implements Disposable {
  private items: Disposable[] = [];
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      item.dispose();
    } else {
      this.items.push(item);
    }
    return item;
  }

  /** Frees what the store holds and keeps it usable (a view resolved again registers anew). */
  clear(): void {
    const items = this.items.reverse();
    this.items = [];
    for (const item of items) {
      try {
        item.dispose();
      } catch (e) {
        console.error(e);
      }
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}
