export { Network, type NetworkArgs, type SubnetRef } from "./network.ts";
export { planRegionRanges, parseCidr, formatCidr, subnetOf, overlaps, MAX_REGIONS, type RegionRanges } from "./cidr.ts";
