/**
 * The last gas estimate of each route (ExecutorCodec.routeOf): the EOA route's eth_estimateGas, the ERC-4337 route's
 * bundler estimate, for the route to re-check with one eth_call instead of estimating again. Bounded: the least
 * recently used routes are forgotten first.
 */
const MAX_ROUTES = 4096;

export class GasEstimates<T = bigint> {
  private readonly byRoute = new Map<string, T>();

  constructor(private readonly max = MAX_ROUTES) {}

  get(route: string): T | undefined {
    const gas = this.byRoute.get(route);
    if (gas !== undefined) {
      // Map order is insertion order: re-inserting marks the route as used most recently.
      this.byRoute.delete(route);
      this.byRoute.set(route, gas);
    }
    return gas;
  }

  set(route: string, gas: T): void {
    this.byRoute.delete(route);
    this.byRoute.set(route, gas);
    if (this.byRoute.size > this.max) {
      const oldest = this.byRoute.keys().next().value;
      if (oldest !== undefined) this.byRoute.delete(oldest);
    }
  }

  get size(): number {
    return this.byRoute.size;
  }
}
