// Preloaded into the bundler process (node --import): alto listens on every interface and has no option to change
// it, so every listen() in that process is pinned to the loopback address, and the bound port is reported to the
// parent over IPC (alto is started with port 0, so two bundlers never race for a port).
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (first !== null && typeof first === "object" && !Array.isArray(first)) {
    args[0] = { ...first, host: "127.0.0.1" };
  } else if (typeof first === "number" || typeof first === "string") {
    const rest = args.slice(1).filter((a) => typeof a !== "string");
    args = [first, "127.0.0.1", ...rest];
  }
  this.once("listening", () => {
    const address = this.address();
    if (process.send && address && typeof address === "object") process.send({ type: "listening", port: address.port });
  });
  return listen.apply(this, args);
};
