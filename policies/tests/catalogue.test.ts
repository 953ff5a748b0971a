import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONTROLS } from "../controls.ts";
import { libraryPolicies } from "../library.ts";
import { buildPack, PACK_NAMES } from "../packs.ts";
import { mandatoryConfig } from "../config.ts";

const CATALOGUE = readFileSync(new URL("../CONTROLS.md", import.meta.url), "utf8");

/** "CC7.2-CC7.4" -> CC7.2, CC7.3, CC7.4; "2.4-2.11" -> 2.4 ... 2.11. */
function expand(ref: string): string[] {
  const m = /^([A-Z]*\d+\.)(\d+)-\1(\d+)$/.exec(ref) ?? /^((?:[A-Z]+)?\d+\.)(\d+)-(\d+)$/.exec(ref);
  if (!m) return [ref];
  const out: string[] = [];
  for (let i = Number(m[2]); i <= Number(m[3]); i++) out.push(`${m[1]}${i}`);
  return out;
}

function refs(cell: string): string[] {
  return cell
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "" && s !== "-")
    .flatMap(expand);
}

/** The catalogue table: id -> framework references. CIS v3.0 numbers only: bracketed v5.0 numbers and GKE are not v3. */
function parseTable(): Map<string, { cis: string[]; soc2: string[]; pci: string[] }> {
  const rows = new Map<string, { cis: string[]; soc2: string[]; pci: string[] }>();
  for (const line of CATALOGUE.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const id = cells[1] ?? "";
    if (!/^[A-Z0-9]+-\d{3}$/.test(id)) continue;
    const cis = (cells[3] ?? "").replace(/\[[^\]]*\]/g, "").replace(/\bGKE\b/, "");
    rows.set(id, { cis: refs(cis), soc2: refs(cells[4] ?? ""), pci: refs(cells[5] ?? "") });
  }
  return rows;
}

describe("the control catalogue", () => {
  const table = parseTable();
  const k8s = [...new Set(CATALOGUE.match(/K8S-\d{3}/g) ?? [])];

  it("parses every row of CONTROLS.md, plus the Kubernetes rows", () => {
    expect(table.size).toBe(77);
    expect(k8s).toEqual(["K8S-001", "K8S-002", "K8S-003", "K8S-004", "K8S-005"]);
  });

  it("is mirrored exactly by the library's control data (ids and framework references)", () => {
    expect(CONTROLS.map((c) => c.id)).toEqual([...table.keys(), ...k8s]);
    for (const c of CONTROLS.filter((c) => table.has(c.id))) {
      const row = table.get(c.id);
      expect({ id: c.id, ...c.frameworks }).toEqual({
        id: c.id,
        soc2: row?.soc2,
        "pci-dss-4.0": row?.pci,
        "cis-gcp-3.0": row?.cis,
      });
    }
  });

  it("has every control id enforced by at least one policy (nothing is out of scope)", () => {
    const covered = new Set(libraryPolicies().flatMap((p) => p.controls));
    expect(CONTROLS.map((c) => c.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  it("gives policies unique kebab-case names, requirement descriptions and known control ids", () => {
    const policies = libraryPolicies();
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
    const ids = new Set(CONTROLS.map((c) => c.id));
    for (const p of policies) {
      expect(p.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(p.name).not.toBe("all");
      expect(p.description).toMatch(/\b(must|may)\b.*\.$/);
      for (const c of p.controls) expect(ids.has(c)).toBe(true);
    }
  });

  it.each(PACK_NAMES.map((n) => [n]))("pack %s selects only controls with a reference in its framework", (name) => {
    const pack = buildPack(name, mandatoryConfig());
    expect(pack.controls.length).toBeGreaterThan(0);
    for (const c of pack.controls) expect(pack.frameworks.some((f) => c.frameworks[f].length > 0)).toBe(true);
    for (const p of pack.policies) expect(p.controls.every((c) => pack.controls.some((x) => x.id === c))).toBe(true);
    if (name === "all") expect(pack.controls.length).toBe(CONTROLS.length);
  });
});
