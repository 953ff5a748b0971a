import type { CapturedResource } from "./capture.ts";

export const GLOBAL = "global";

function ownRegion(r: CapturedResource): string | undefined {
  const value = r.inputs.region ?? r.inputs.location;
  return typeof value === "string" && /^[a-z]+-[a-z]+\d+$/i.test(value) ? value.toLowerCase() : undefined;
}

/**
 * The region of every resource: its own region/location input, else its nearest ancestor's (regional components
 * register their region as their input), else global.
 */
export function regionsOf(resources: readonly CapturedResource[]): Map<string, string> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const result = new Map<string, string>();
  const regionOf = (r: CapturedResource): string => {
    const known = result.get(r.urn);
    if (known !== undefined) return known;
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    const region = ownRegion(r) ?? (parent ? regionOf(parent) : GLOBAL);
    result.set(r.urn, region);
    return region;
  };
  resources.forEach(regionOf);
  return result;
}

export interface PlanSummary {
  resources: number;
  byType: Record<string, number>;
}

export function summarize(resources: readonly CapturedResource[]): PlanSummary {
  const byType: Record<string, number> = {};
  for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
  return {
    resources: resources.length,
    byType: Object.fromEntries(Object.entries(byType).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** region -> component type (the resource's parent, or itself for top-level ones) -> resource type -> count. */
export function groupByRegionAndComponent(
  resources: readonly CapturedResource[],
): Map<string, Map<string, Map<string, number>>> {
  const regions = regionsOf(resources);
  const typeOf = new Map(resources.map((r) => [r.urn, r.type]));
  const groups = new Map<string, Map<string, Map<string, number>>>();
  for (const r of resources) {
    const region = regions.get(r.urn) ?? GLOBAL;
    const component = (r.parent ? typeOf.get(r.parent) : undefined) ?? r.type;
    const byComponent = groups.get(region) ?? new Map<string, Map<string, number>>();
    const byType = byComponent.get(component) ?? new Map<string, number>();
    byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    byComponent.set(component, byType);
    groups.set(region, byComponent);
  }
  // Regions alphabetically, global last: the regional fleet first, then what exists once.
  return new Map([...groups.entries()].sort(([a], [b]) => (a === GLOBAL ? 1 : b === GLOBAL ? -1 : a.localeCompare(b))));
}

/** The human listing of `orion plan`. */
export function renderPlan(stack: string, project: string, resources: readonly CapturedResource[]): string {
  const lines = [`Stack ${stack} (project ${project}): ${resources.length} resources`];
  for (const [region, components] of groupByRegionAndComponent(resources)) {
    const total = [...components.values()].reduce((n, types) => n + [...types.values()].reduce((a, b) => a + b, 0), 0);
    lines.push("", `${region} (${total})`);
    for (const [component, types] of [...components.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`  ${component}`);
      for (const [type, count] of [...types.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(`    ${String(count).padStart(3)}  ${type}`);
      }
    }
  }
  const summary = summarize(resources);
  lines.push("", "By type:");
  for (const [type, count] of Object.entries(summary.byType)) lines.push(`  ${String(count).padStart(3)}  ${type}`);
  return lines.join("\n") + "\n";
}
