import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { stateFile } from "./global-setup";

export default async function globalTeardown(): Promise<void> {
  const { pid, dataDir, pgAdmin, pgName } = JSON.parse(readFileSync(stateFile, "utf8"));
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // already gone
  }
  await new Promise((r) => setTimeout(r, 300));
  rmSync(dataDir, { recursive: true, force: true });
  execFileSync("psql", [`${pgAdmin}/postgres`, "-q", "-c", `DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`]);
  rmSync(stateFile, { force: true });
}
