export {
  deployAccountAbstraction,
  deploySmartAccountExecutor,
  ENTRY_POINT_V08,
  SIMPLE_ACCOUNT_FACTORY_V08,
  CREATE2_DEPLOYER,
} from "./infrastructure.ts";
export type {
  AccountAbstractionDeployment,
  DeployAccountAbstractionOptions,
  SmartAccountExecutor,
} from "./infrastructure.ts";
export { startBundler } from "./bundler-process.ts";
export type { BundlerHandle, BundlerOptions } from "./bundler-process.ts";
export { createSmartAccountRoute } from "./smart-account-route.ts";
export type {
  SmartAccountRoute,
  SmartAccountRouteOptions,
  PreparedOperation,
  OperationOutcome,
} from "./smart-account-route.ts";
export { sponsorshipHash, sponsorPaymaster } from "./sponsor.ts";
export { startPaymasterService } from "./paymaster-service.ts";
export type { PaymasterService, PaymasterServiceOptions } from "./paymaster-service.ts";
export { connectSmartAccount, RouteConfigError } from "./connect.ts";
export type { ConnectSmartAccountOptions } from "./connect.ts";
export { digestOwner, keyOwner } from "./owner.ts";
export type { DigestSigner } from "./owner.ts";
