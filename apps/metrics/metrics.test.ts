import { describe, expect, it } from "vitest";
import { PipelineMetrics, serveMetrics } from "./index.ts";

describe("pipeline metrics", () => {
  it("serves counters and stage latencies labelled with mode and epoch on /metrics", async () => {
    const m = new PipelineMetrics("test");
    const live = { mode: "live", epoch: 3 };
    m.opportunities.inc({ mode: "live", epoch: "3" }, 4);
    m.trades.inc({ mode: "live", epoch: "3", status: "confirmed" });
    m.addRealizedProfit(live, 12345n);
    m.observeStage(live, "decide", 1.5);
    m.setDailyLoss(live, 3n * 10n ** 16n, 10n ** 17n);
    const server = await serveMetrics(m.registry, 0);
    try {
      const body = await (await fetch(server.url)).text();
      expect(body).toContain('orion_opportunities_total{mode="live",epoch="3",service="test"} 4');
      expect(body).toContain('orion_trades_total{mode="live",epoch="3",status="confirmed",service="test"} 1');
      expect(body).toContain('orion_realized_profit_wei{mode="live",epoch="3",service="test"} 12345');
      expect(body).toContain(
        'orion_stage_latency_seconds_bucket{le="0.0025",service="test",mode="live",epoch="3",stage="decide"} 1',
      );
      expect(body).toContain('orion_daily_loss_ratio{mode="live",epoch="3",service="test"} 0.3');
      expect((await fetch(server.url.replace("/metrics", "/other"))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
