import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A TCP relay in front of a real server, to take it "down" and bring it "back" in tests without stopping the shared
 * PostgreSQL or Redis: down() closes the listener and cuts every open connection.
 */
export interface TcpProxy {
  port: number;
  url(template: string): string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const srv = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        sockets.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
        client.pipe(upstream).pipe(client);
      });
      srv.once("error", reject);
      srv.listen(port, "127.0.0.1", () => {
        const addr = srv.address();
        if (typeof addr === "object" && addr) port = addr.port;
        server = srv;
        resolve();
      });
    });

  const down = async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    const srv = server;
    server = null;
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    url: (template: string) => template.replace(/:\d+(?=\/|$)/, `:${port}`),
    down,
    up: listen,
    close: down,
  };
}
