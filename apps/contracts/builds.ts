/** Every committed contract build: what `npm run build:contracts` writes and build.test.ts checks. */
import { balancerVaultJob } from "./balancer-vault.ts";
import { ownContractsJob, type CompileJob } from "./compile.ts";

export async function contractBuilds(): Promise<CompileJob[]> {
  return [await ownContractsJob(), balancerVaultJob()];
}
