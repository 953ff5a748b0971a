export { Perimeter, type PerimeterArgs } from "./perimeter.ts";
export { RESTRICTED_SERVICES, perimeterName, perimeterProblem } from "./plan.ts";
