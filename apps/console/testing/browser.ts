import { chromium, type Browser, type Page } from "playwright-core";
import { requireBinary } from "../../../test/support/binaries.ts";

/** Debian's Chromium as the browser tests drive it; fails (never skips) when it is missing. */
export function launchChromium(): Promise<Browser> {
  const executablePath = process.env.ORION_CHROMIUM ?? requireBinary("chromium", "chromium");
  // playwright gives every launch a fresh temporary profile (it refuses --user-data-dir in args for that reason).
  return chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

/** Signs in through the console's form and waits for the overview. */
export async function signInAt(
  page: Page,
  consoleUrl: string,
  user: { email: string; password: string },
  code: string,
): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByLabel("One-time code").fill(code);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
}
