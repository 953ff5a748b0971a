/**
 * A real redis-server speaking TLS only, with a CA and server certificate made for it by the openssl CLI, and AUTH.
 * For tests: each call gets its own temporary directory, ports the kernel picked, and a stop() that kills the server
 * and removes the directory.
 */
import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TlsRedis {
  host: string;
  tlsPort: number;
  /** A plaintext port on the same server, when asked for (to prove a TLS client never falls back to it). */
  plainPort: number | null;
  password: string;
  /** PEM of the CA that signed the server's certificate. */
  ca: string;
  /** PEM of another CA, which did not. */
  otherCa: string;
  stop(): Promise<void>;
}

/** A self-signed CA in dir, returning its PEM. */
function makeCa(dir: string, name: string): string {
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
    "-subj", `/CN=${name}`, "-keyout", join(dir, `${name}.key`), "-out", join(dir, `${name}.crt`),
  ], { stdio: "ignore" }); // prettier-ignore
  return readFileSync(join(dir, `${name}.crt`), "utf8");
}

/** A server certificate for 127.0.0.1 signed by the CA named ca. */
function makeServerCert(dir: string, ca: string): void {
  const key = join(dir, "server.key");
  const csr = join(dir, "server.csr");
  const ext = join(dir, "server.ext");
  writeFileSync(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  execFileSync("openssl", [
    "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
    "-keyout", key, "-out", csr,
  ], { stdio: "ignore" }); // prettier-ignore
  execFileSync("openssl", [
    "x509", "-req", "-in", csr, "-CA", join(dir, `${ca}.crt`), "-CAkey", join(dir, `${ca}.key`), "-CAcreateserial",
    "-days", "2", "-extfile", ext, "-out", join(dir, "server.crt"),
  ], { stdio: "ignore" }); // prettier-ignore
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`redis-server exited ${code} before it was ready: ${out.slice(-500)}`)),
    );
  });
}

export async function startTlsRedis(opts: { plaintextToo?: boolean } = {}): Promise<TlsRedis> {
  const dir = mkdtempSync(join(tmpdir(), "orion-tls-redis-"));
  const ca = makeCa(dir, "ca");
  const otherCa = makeCa(dir, "other-ca");
  makeServerCert(dir, "ca");
  const password = `pw-${process.pid}-${Date.now()}`;
  // The kernel's free port can be taken between our probe and redis binding it: try a few times.
  for (let attempt = 1; ; attempt++) {
    const tlsPort = await freePort();
    const plainPort = opts.plaintextToo ? await freePort() : null;
    const child = spawn(
      "redis-server",
      [
        "--bind", "127.0.0.1", "--port", String(plainPort ?? 0), "--tls-port", String(tlsPort),
        "--tls-cert-file", join(dir, "server.crt"), "--tls-key-file", join(dir, "server.key"),
        "--tls-ca-cert-file", join(dir, "ca.crt"), "--tls-auth-clients", "no",
        "--requirepass", password, "--save", "", "--appendonly", "no", "--dir", dir,
      ], // prettier-ignore
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      await waitReady(child);
    } catch (err) {
      if (attempt < 3) continue;
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      host: "127.0.0.1",
      tlsPort,
      plainPort,
      password,
      ca,
      otherCa,
      async stop() {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once("exit", r));
          child.kill("SIGKILL");
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
