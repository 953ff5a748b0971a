// `orion scan`: snapshot in (schema v1), one full scan, report out (JSON contract or a table).
export { parseSnapshot, SnapshotError } from "./load-snapshot.ts";
export type { Snapshot } from "./load-snapshot.ts";
export { snapshotSchema } from "./snapshot-schema.ts";
export type { SnapshotV1 } from "./snapshot-schema.ts";
export { runScan, toJson } from "./scan-report.ts";
export type { ScanOptions, ScanReport } from "./scan-report.ts";
export { toTable } from "./scan-table.ts";
