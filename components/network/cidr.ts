export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

export function parseCidr(text: string): Cidr {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) throw new Error(`"${text}" is not an IPv4 CIDR such as 10.20.0.0/16`);
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`"${text}" is not an IPv4 CIDR such as 10.20.0.0/16`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % 2 ** (32 - prefix) !== 0) {
    throw new Error(
      `"${text}" has host bits set: use ${formatCidr({ base: base - (base % 2 ** (32 - prefix)), prefix })}`,
    );
  }
  return { base, prefix };
}

export function formatCidr({ base, prefix }: Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

/** The `index`-th block of size /`prefix` inside `parent`. */
export function subnetOf(parent: Cidr, prefix: number, index: number): Cidr {
  const count = 2 ** (prefix - parent.prefix);
  if (prefix < parent.prefix || index < 0 || index >= count) {
    throw new Error(`${formatCidr(parent)} holds ${count} /${prefix} blocks, not ${index + 1}`);
  }
  return { base: parent.base + index * 2 ** (32 - prefix), prefix };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.base + 2 ** (32 - a.prefix);
  const bEnd = b.base + 2 ** (32 - b.prefix);
  return a.base < bEnd && b.base < aEnd;
}

export interface RegionRanges {
  region: string;
  /** Nodes, Cloud Run direct VPC egress, internal services. */
  primary: string;
  /** GKE pod and service secondary ranges (only used when the runtime is GKE; reserved either way). */
  pods: string;
  services: string;
  /** GKE control plane peering range, outside the VPC's own space as GKE requires. */
  master: string;
}

/** The most regions a plan can hold: the /16 is cut into quarters per region (primary, pods, services). */
export const MAX_REGIONS = 5;

/**
 * Splits the VPC range so each region gets a fixed slot by its position in the approved list, never by its role:
 * promoting a DR region to primary therefore changes no subnet. Regions [i] get primary = /20 #i, pods = /20 #(5+i),
 * services = /24 #(240+i) of the base; the master range is 172.16.i.0/28.
 */
export function planRegionRanges(networkCidr: string, regions: readonly string[]): RegionRanges[] {
  const base = parseCidr(networkCidr);
  if (base.prefix > 16) throw new Error(`networkCidr ${networkCidr} must be /16 or larger to hold the regional plan`);
  if (regions.length > MAX_REGIONS)
    throw new Error(`at most ${MAX_REGIONS} regions fit the plan, got ${regions.length}`);
  const space: Cidr = { base: base.base, prefix: 16 };
  return regions.map((region, i) => ({
    region,
    primary: formatCidr(subnetOf(space, 20, i)),
    pods: formatCidr(subnetOf(space, 20, MAX_REGIONS + i)),
    services: formatCidr(subnetOf(space, 24, 240 + i)),
    master: formatCidr(subnetOf(parseCidr("172.16.0.0/16"), 28, i * 16)),
  }));
}
