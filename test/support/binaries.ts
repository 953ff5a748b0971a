import { execFileSync } from "node:child_process";

/**
 * The path of a system binary a test needs (Debian packages that .ci/run installs). A missing binary fails the test
 * with the package to install, never a silent skip: CI must run these tests.
 */
export function requireBinary(name: string, debianPackage: string): string {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(`${name} is not installed: apt-get install -y ${debianPackage} (as .ci/run does)`);
  }
}
