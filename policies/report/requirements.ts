import type { Framework } from "../types.ts";
import type { ComplianceReport, ControlStatus } from "./model.ts";

export interface RequirementRow {
  readonly ref: string;
  readonly controls: readonly string[];
  /** fail if any of its controls fails; pass if any passes and none fails; otherwise not-applicable. */
  readonly status: ControlStatus;
}

/** "10.2.1.4" < "10.2.2" < "CC6.1" < "CC6.10": dotted parts compared as numbers where they are numbers. */
function compareRefs(a: string, b: string): number {
  const pa = a.split(/[.]/);
  const pb = b.split(/[.]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (c !== 0) return c;
  }
  return 0;
}

/** The auditor's view: each requirement of a framework, the controls that evidence it, and their combined status. */
export function requirementsOf(report: ComplianceReport, framework: Framework): RequirementRow[] {
  const byRef = new Map<string, Array<{ id: string; status: ControlStatus }>>();
  for (const c of report.controls) {
    for (const ref of c.frameworks[framework])
      byRef.set(ref, [...(byRef.get(ref) ?? []), { id: c.id, status: c.status }]);
  }
  return [...byRef]
    .sort(([a], [b]) => compareRefs(a, b))
    .map(([ref, controls]) => ({
      ref,
      controls: controls.map((c) => c.id),
      status: controls.some((c) => c.status === "fail")
        ? "fail"
        : controls.some((c) => c.status === "pass")
          ? "pass"
          : "not-applicable",
    }));
}
