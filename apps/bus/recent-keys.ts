/** A set that remembers only the last `capacity` keys: enough to catch redeliveries, bounded for long runs. */
export class RecentKeys {
  private readonly keys = new Set<string>();
  private readonly order: string[] = [];
  private head = 0;

  constructor(private readonly capacity = 10_000) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.keys.has(key)) return;
    if (this.order.length < this.capacity) {
      this.order.push(key);
    } else {
      this.keys.delete(this.order[this.head]!);
      this.order[this.head] = key;
      this.head = (this.head + 1) % this.capacity;
    }
    this.keys.add(key);
  }
}
