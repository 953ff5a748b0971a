import { useEffect, useState } from "preact/hooks";
import { streamEvents } from "./api.ts";

export interface Overview {
  mode: "sim" | "live";
  epoch: number;
  since: string;
  version: number;
  killSwitch: { engaged: boolean; reason: string | null; since: string | null };
  metrics: {
    opportunities: number;
    orders: number;
    trades: Record<string, number>;
    realizedProfit: string;
    simulatedProfit: string;
  };
  health: { name: string; ok: boolean; detail: string }[];
  pendingRequests: { id: string; target: string; reason: string; requestedBy: string; expiresAt: string }[];
}

/** The live overview pushed by GET /events/overview, shared by the pages that show it. */
export function useOverview(): { overview: Overview | null; live: boolean } {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [live, setLive] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    void streamEvents(
      "/events/overview",
      (event, data) => {
        if (event === "overview") {
          setOverview(data as Overview);
          setLive(true);
        } else if (event === "unavailable") setLive(false);
      },
      abort.signal,
    );
    return () => abort.abort();
  }, []);
  return { overview, live };
}
