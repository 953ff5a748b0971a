// The CrossGuard entry point for `pulumi preview --policy-pack policies`. This is the only place a PolicyPack is
// constructed: doing so starts the analyzer's gRPC server, which never exits, so nothing else may import this file.
import { PolicyPack } from "@pulumi/policy";
import { policyPackName } from "./pack-version.ts";
import { crossGuardPolicies, packFromEnvironment } from "./selection.ts";

const pack = packFromEnvironment(process.env);
new PolicyPack(policyPackName(pack.name), { enforcementLevel: "mandatory", policies: crossGuardPolicies(pack) });
