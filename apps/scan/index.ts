// `orion scan`: snapshot in (schema v1), one full scan, report out (JSON contract or a table).
export { parseSnapshot, SnapshotError } from "./load-snapshot.ts";
export type { Snapshot } from "./load-snapshot.ts";
export { snapshotSchema } from "./snapshot-schema.ts";
export type { SnapshotFile, SnapshotV1, V3PoolEntry } from "./snapshot-schema.ts";
export { v3PoolToEntry } from "./v3-pool-entry.ts";
export type { V3Pool } from "./v3-pool-entry.ts";
export { runScan, toJson } from "./scan-report.ts";
export type { ScanOptions, ScanReport } from "./scan-report.ts";
export { toTable } from "./scan-table.ts";
