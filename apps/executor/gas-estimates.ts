/**
 * The last eth_estimateGas of each route (ExecutorCodec.routeOf), for the EOA route to re-check with one eth_call
 * instead of estimating again. Bounded: the least recently used routes are forgotten first.
 */
const MAX_ROUTES = 4096;

export class GasEstimates {
  private readonly byRoute = new Map<string, bigint>();

  constructor(private readonly max = MAX_ROUTES) {}

  get(route: string): bigint | undefined {
    const gas = this.byRoute.get(route);
    if (gas !== undefined) {
      // Map order is insertion order: re-inserting marks the route as used most recently.
      this.byRoute.delete(route);
      this.byRoute.set(route, gas);
    }
    return gas;
  }

  set(route: string, gas: bigint): void {
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
