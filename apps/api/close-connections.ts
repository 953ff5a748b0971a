import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";

/**
 * Lets `app.close()` finish once the answers in flight are written, without waiting on clients. Node's
 * `server.close()` closes only the keep-alive connections idle at that moment; two kinds stayed open until the client
 * dropped them (fastify tells clients to keep a connection 72 s), and close waited that long:
 * - a connection on which no request has arrived yet (fetch opens a spare one when a streamed response is aborted:
 *   closing a test API took 67 s after console.test.ts aborted its overview stream);
 * - a connection whose answer was still being written (a slow request, or an event stream the console's own close
 *   hook ends), which is kept alive once that answer is done.
 * On close the first are destroyed at once and the second ended as soon as their last answer is written.
 */
export function closeConnectionsOnClose(app: FastifyInstance): void {
  const answering = new Map<Socket, number>();
  let closing = false;
  app.server.on("connection", (socket) => {
    answering.set(socket, 0);
    socket.once("close", () => answering.delete(socket));
  });
  app.server.on("request", (request, response) => {
    const { socket } = request;
    answering.set(socket, (answering.get(socket) ?? 0) + 1);
    response.once("close", () => {
      const left = (answering.get(socket) ?? 1) - 1;
      answering.set(socket, left);
      // The final bytes of the answer are queued on the socket before its end: the client reads the whole answer.
      if (closing && left === 0) socket.end();
    });
  });
  app.addHook("preClose", (done) => {
    closing = true;
    for (const [socket, n] of answering) if (n === 0) socket.destroy();
    done();
  });
}
