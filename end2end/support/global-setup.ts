// Starts a real Depot on a fresh SQLite store for the whole run, and hands its first admin
// key to the tests through the environment.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..");
export const stateFile = path.join(tmpdir(), "depot-e2e-state.json");

export default async function globalSetup(): Promise<void> {
  const url = new URL(process.env.DEPOT_E2E_URL ?? "http://127.0.0.1:3917");
  const binary = process.env.DEPOT_BIN ?? path.join(repoRoot, "target", "debug", "depot");
  const dataDir = mkdtempSync(path.join(tmpdir(), "depot-e2e-"));
  const shared = path.join(repoRoot, "..", "shared", "data");

  // Chinook twice: a private copy of the SQLite file, and a fresh PostgreSQL database.
  const sqliteCopy = path.join(dataDir, "chinook.sqlite");
  copyFileSync(path.join(shared, "chinook.sqlite"), sqliteCopy);
  chmodSync(sqliteCopy, 0o644);
  const pgAdmin = process.env.DEPOT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432";
  const pgName = `depot_e2e_chinook_${process.pid}`;
  execFileSync("psql", [`${pgAdmin}/postgres`, "-q", "-c", `DROP DATABASE IF EXISTS ${pgName}`, "-c", `CREATE DATABASE ${pgName}`]);
  const script = readFileSync(path.join(shared, "chinook_pg.sql"), "utf8")
    .split("\n")
    .filter((line) => !line.startsWith("CREATE DATABASE") && !line.startsWith("\\c"))
    .join("\n");
  execFileSync("psql", [`${pgAdmin}/${pgName}`, "-q", "-v", "ON_ERROR_STOP=1"], { input: script, stdio: ["pipe", "ignore", "inherit"] });

  const server = spawn(binary, [
    "serve", "--bind", url.host, "--data-dir", dataDir,
    "--attach", `chinook=sqlite://${sqliteCopy}`,
    "--attach", `chinookpg=${pgAdmin}/${pgName}`,
  ], {
    cwd: repoRoot,
    env: { ...process.env, LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? path.join(repoRoot, "target", "site") },
    stdio: ["ignore", "pipe", "inherit"],
  });

  const adminKey = await new Promise<string>((resolve, reject) => {
    let printed = "";
    const timer = setTimeout(() => reject(new Error(`no admin key printed by ${binary}:\n${printed}`)), 60_000);
    server.stdout!.on("data", (chunk: Buffer) => {
      printed += chunk.toString();
      const key = printed.match(/depot_[0-9a-f]{40}/);
      if (key) {
        clearTimeout(timer);
        resolve(key[0]);
      }
    });
    server.on("exit", (code) => reject(new Error(`depot exited with ${code} before printing its key:\n${printed}`)));
  });
  server.stdout!.resume();

  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(new URL("/readyz", url)).then((r) => r.ok).catch(() => false);
    if (ready) break;
    if (attempt > 100) throw new Error("depot never became ready");
    await new Promise((r) => setTimeout(r, 100));
  }

  process.env.DEPOT_ADMIN_KEY = adminKey;
  // The static site's function attaches the same Chinook (support/static-stack.ts).
  process.env.DEPOT_E2E_CHINOOK_PG = `${pgAdmin}/${pgName}`;
  writeFileSync(stateFile, JSON.stringify({ pid: server.pid, dataDir, pgAdmin, pgName }));
}
