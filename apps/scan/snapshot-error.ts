/** A snapshot that cannot be scanned; `message` is one line naming the field (e.g. `pools[3].reserve0`) and why. */
export class SnapshotError extends Error {
  override readonly name = "SnapshotError";
}
